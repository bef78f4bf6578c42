/** Seeded mutations of byte streams for fuzz tests (bit flips, byte edits, truncation, splices). */
import { Buffer } from 'node:buffer';
import { SeededRandom } from '../../src/core/random.ts';

export function mutate(base: Buffer, r: SeededRandom): Buffer {
  const kind = Math.floor(r.next() * 7);
  const b = Buffer.from(base);
  const pos = (): number => Math.floor(r.next() * b.length);
  switch (kind) {
    case 0: {
      const n = 1 + Math.floor(r.next() * 4);
      for (let i = 0; i < n; i++) {
        const p = pos();
        b[p] = b[p]! ^ (1 << Math.floor(r.next() * 8));
      }
      return b;
    }
    case 1: {
      const n = 1 + Math.floor(r.next() * 8);
      for (let i = 0; i < n; i++) b[pos()] = Math.floor(r.next() * 256);
      return b;
    }
    case 2:
      return b.subarray(0, pos());
    case 3: {
      const a = pos();
      const len = Math.floor(r.next() * 64);
      return Buffer.concat([b.subarray(0, a), b.subarray(a, a + len), b.subarray(a)]);
    }
    case 4: {
      const a = pos();
      return Buffer.concat([b.subarray(0, a), r.bytes(1 + Math.floor(r.next() * 64)), b.subarray(a)]);
    }
    case 5: {
      // a 32-bit field set to an extreme (length fields)
      const p = Math.min(pos(), b.length - 4);
      if (p >= 0) b.writeUInt32LE([0xffffffff, 0x7fffffff, 0x10000000, 0][Math.floor(r.next() * 4)]!, p);
      return b;
    }
    default:
      return r.bytes(Math.floor(r.next() * 512));
  }
}

/** Split a buffer into random chunks. */
export function chunks(b: Buffer, r: SeededRandom): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < b.length) {
    const n = 1 + Math.floor(r.next() * Math.min(b.length - off, 300));
    out.push(b.subarray(off, off + n));
    off += n;
  }
  return out;
}
