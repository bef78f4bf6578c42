/**
 * Deterministic test payloads: message i has a size drawn from a mixed distribution (64 B to
 * 1 MiB, mostly small) and carries [u32 i][u32 crc32c(body)] followed by a body sliced from a
 * seeded random pool. A receiver can check order (i), loss/duplication (i sequence) and
 * content (crc) without any side channel.
 */
import { Buffer } from 'node:buffer';
import { SeededRandom } from '../../src/core/random.ts';
import { crc32c } from '../../src/encoding/crc32c.ts';

const POOL = new SeededRandom(12345).bytes(2 * 1024 * 1024);

/** Size of message i: 90% 64 B–4 KiB, 9% 4–64 KiB, 1% 64 KiB–1 MiB. */
export function payloadSize(i: number): number {
  const r = new SeededRandom(i * 2654435761).next();
  const u = new SeededRandom(i * 40503 + 7).next();
  const [lo, hi] = r < 0.9 ? [64, 4096] : r < 0.99 ? [4096, 65536] : [65536, 1048576];
  return Math.max(64, Math.floor(lo * Math.pow(hi / lo, u)));
}

export function makePayload(i: number): Buffer {
  const n = payloadSize(i);
  const off = (i * 7919) % (POOL.length - n);
  const b = Buffer.allocUnsafe(n);
  POOL.copy(b, 8, off, off + n - 8);
  b.writeUInt32LE(i >>> 0, 0);
  b.writeUInt32LE(crc32c(0, b.subarray(8)), 4);
  return b;
}

export interface PayloadCheck {
  index: number;
  ok: boolean;
}

export function checkPayload(b: Buffer): PayloadCheck {
  if (b.length < 8) return { index: -1, ok: false };
  const index = b.readUInt32LE(0);
  const ok = b.length === payloadSize(index) && b.readUInt32LE(4) === crc32c(0, b.subarray(8));
  return { index, ok };
}
