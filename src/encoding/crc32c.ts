/**
 * CRC32C (Castagnoli) the way Ceph computes it: `ceph_crc32c(seed, data)` is the raw reflected
 * register update starting from `seed`, with no initial or final inversion.
 *   msgr2 preamble: seed 0; msgr2 segments: seed 0xffffffff; msgr1 header/payload: seed 0.
 *
 * Small inputs use a slicing-by-8 table in TypeScript (faster than crossing into native code);
 * large inputs use @node-rs/crc32 (SIMD), converted from its standard (inverted) form.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

const POLY = 0x82f63b78;

/** 8 tables of 256 entries, slicing-by-8. */
const T = new Int32Array(8 * 256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
  T[i] = c;
}
for (let i = 0; i < 256; i++) {
  let c = T[i]!;
  for (let s = 1; s < 8; s++) {
    c = T[c & 0xff]! ^ (c >>> 8);
    T[s * 256 + i] = c;
  }
}

/** Below this many bytes the TypeScript path is used (measured: see bench/crc32c). */
export const NATIVE_THRESHOLD = 256;

/** Pure TypeScript crc32c update (Ceph raw form). */
export function crc32cTs(seed: number, data: Uint8Array, start = 0, end = data.length): number {
  let crc = seed | 0;
  let i = start;
  const end8 = end - ((end - start) & 7);
  while (i < end8) {
    const a = crc ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
    crc =
      T[7 * 256 + (a & 0xff)]! ^
      T[6 * 256 + ((a >>> 8) & 0xff)]! ^
      T[5 * 256 + ((a >>> 16) & 0xff)]! ^
      T[4 * 256 + (a >>> 24)]! ^
      T[3 * 256 + data[i + 4]!]! ^
      T[2 * 256 + data[i + 5]!]! ^
      T[1 * 256 + data[i + 6]!]! ^
      T[data[i + 7]!]!;
    i += 8;
  }
  while (i < end) crc = T[(crc ^ data[i++]!) & 0xff]! ^ (crc >>> 8);
  return crc >>> 0;
}

/**
 * `ceph_crc32c(seed, data)`: CRC32C update without inversions. Returns an unsigned 32-bit number.
 */
export function crc32c(seed: number, data: Uint8Array): number {
  if (data.length < NATIVE_THRESHOLD) return crc32cTs(seed, data);
  const buf = Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return ~nativeCrc32c(buf, ~seed >>> 0) >>> 0;
}

/** crc32c over several chunks as if they were one buffer. */
export function crc32cChunks(seed: number, chunks: readonly Uint8Array[]): number {
  let c = seed >>> 0;
  for (const ch of chunks) c = crc32c(c, ch);
  return c;
}
