/**
 * Injected randomness. The core never draws random numbers itself: cookies, nonces, challenges
 * and connection secrets come from a RandomSource the shell (crypto.randomBytes) or a test
 * (seeded PRNG) provides.
 */
import { Buffer } from 'node:buffer';

export interface RandomSource {
  bytes(n: number): Buffer;
}

/** Random non-zero u64 (cookies). */
export function randomNonZeroU64(r: RandomSource): bigint {
  for (;;) {
    const v = r.bytes(8).readBigUInt64LE(0);
    if (v !== 0n) return v;
  }
}

export function randomU32(r: RandomSource): number {
  return r.bytes(4).readUInt32LE(0);
}

/** Deterministic PRNG source (mulberry32 stream), for tests and seeded runs. */
export class SeededRandom implements RandomSource {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = Math.floor(this.next() * 256);
    return b;
  }
}
