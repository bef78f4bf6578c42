/**
 * The synthetic workload's messages (Ceph's test_msgr `Payload` over MPing, and the untracked
 * MCommand with priority 200):
 *
 *   ping / pong   MPing, front = [u8 who (0 PING, 1 PONG)][u64 seq][u32 pool index], data = payload
 *   command       MSG_COMMAND (97), priority 200, front = 'command', untracked
 *
 * The payload pool holds `count` random buffers of 32 B … 4 MiB (seeded). A ping carries one of
 * them as its data segment; the pong echoes the data it received, so the sender can check it
 * byte for byte against the pool.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../errors.ts';
import { Message } from '../messages/message.ts';
import { SeededRandom } from '../core/random.ts';

export const MSG_PING = 2;
export const MSG_COMMAND = 97;
export const WHO_PING = 0;
export const WHO_PONG = 1;
const HEAD = 13;

/** 'uniform' = Ceph's (sizes uniform in [min, max]); 'log' = log-uniform (many small, some large). */
export type PayloadDist = 'uniform' | 'log';

export interface PoolOptions {
  seed: number;
  /** buffers in the pool (Ceph: 100) */
  count?: number;
  /** smallest / largest payload (Ceph: 32 B / 4 MiB) */
  min?: number;
  max?: number;
  dist?: PayloadDist;
}

export class PayloadPool {
  readonly buffers: Buffer[] = [];
  readonly totalBytes: number;

  constructor(opts: PoolOptions) {
    const count = opts.count ?? 100;
    const min = opts.min ?? 32;
    const max = opts.max ?? 4 << 20;
    if (!(count >= 1 && min >= 1 && max >= min)) throw new MsgrError('ERR_INVALID_ARG', `bad payload pool ${count} × ${min}..${max}`);
    const r = new SeededRandom(opts.seed ^ 0x5eed);
    let total = 0;
    for (let i = 0; i < count; i++) {
      const u = r.next();
      const n = opts.dist === 'log' ? Math.round(min * Math.pow(max / min, u)) : min + Math.floor(u * (max - min + 1));
      const size = Math.min(max, Math.max(min, n));
      this.buffers.push(fill(Buffer.allocUnsafe(size), (opts.seed * 31 + i) >>> 0));
      total += size;
    }
    this.totalBytes = total;
  }

  get size(): number {
    return this.buffers.length;
  }
}

/** Fill with a seeded xorshift32 stream, 4 bytes per step (fast enough for 100s of MB). */
function fill(b: Buffer, seed: number): Buffer {
  let x = seed || 0x9e3779b9;
  const words = b.length >>> 2;
  for (let i = 0; i < words; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b.writeInt32LE(x | 0, i << 2);
  }
  for (let i = words << 2; i < b.length; i++) b[i] = (x >>> (8 * (i & 3))) & 0xff;
  return b;
}

function head(who: number, seq: number, index: number): Buffer {
  const h = Buffer.allocUnsafe(HEAD);
  h.writeUInt8(who, 0);
  h.writeBigUInt64LE(BigInt(seq), 1);
  h.writeUInt32LE(index >>> 0, 9);
  return h;
}

export function pingMessage(seq: number, index: number, data: Buffer): Message {
  return new Message({ type: MSG_PING, front: head(WHO_PING, seq, index), data });
}

/** The answer to a ping: same seq, same index, the data as received. */
export function pongMessage(seq: number, index: number, data: Buffer): Message {
  return new Message({ type: MSG_PING, front: head(WHO_PONG, seq, index), data });
}

const COMMAND_FRONT = Buffer.from('command');
export function commandMessage(): Message {
  return new Message({ type: MSG_COMMAND, priority: 200, front: COMMAND_FRONT });
}

export interface DecodedPayload {
  who: number;
  seq: number;
  index: number;
}

/** The head of a ping/pong, or undefined when the front is not one. */
export function decodePayload(m: Message): DecodedPayload | undefined {
  if (m.type !== MSG_PING || m.front.length !== HEAD) return undefined;
  const who = m.front.readUInt8(0);
  if (who !== WHO_PING && who !== WHO_PONG) return undefined;
  return { who, seq: Number(m.front.readBigUInt64LE(1)), index: m.front.readUInt32LE(9) };
}
