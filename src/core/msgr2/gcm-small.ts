/**
 * AES-128-GCM for small operations (96-bit IV, no AAD, 16-byte tag), computed here instead of
 * through a new node:crypto cipher per operation.
 *
 * Why: msgr2.1 secure mode runs one to three GCM operations per frame, with a fresh nonce each,
 * and node:crypto can only do that with a new CipherGCM object per operation — about 3 µs of
 * setup on this machine, more than the AES work itself for anything under a few KiB. Here the
 * AES block cipher stays native (one persistent AES-128-ECB object per key encrypts the counter
 * blocks, NIST SP 800-38D's GCTR) and GHASH is done in JS with per-key tables: 32 tables of 16
 * entries (8 KiB), one per nibble position, so that X·H is the XOR of 32 table entries (GHASH is
 * linear over GF(2)).
 *
 * Checked byte for byte against node:crypto (test/unit/core/gcm-small.test.ts) for every length
 * up to the threshold the callers use; large operations still go to node:crypto.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv } from 'node:crypto';
import type { Cipher } from 'node:crypto';

const TAG = 16;

/** Byte-swap a 32-bit word (our scratch words are little-endian, GHASH's are big-endian). */
const bswap = (x: number): number => (x << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | (x >>> 24);

/** An aligned scratch area seen as bytes and as (host-order) 32-bit words. */
class Scratch {
  readonly b: Buffer;
  readonly w: Int32Array;
  constructor(bytes: number) {
    const ab = new ArrayBuffer(bytes);
    this.b = Buffer.from(ab);
    this.w = new Int32Array(ab);
  }
}

export class SmallGcm {
  private readonly ecb: Cipher;
  /** t[((j * 16) + v) * 4 + w]: word w of (nibble v at nibble position j) · H */
  private readonly t = new Int32Array(32 * 16 * 4);
  /** the GHASH state */
  private readonly y = new Int32Array(4);
  /** counter blocks (AES-ECB input), keystream (its output) and the data, grown on demand */
  private ctr = new Scratch(0);
  private ks = new Scratch(0);
  private data = new Scratch(0);

  constructor(key: Buffer) {
    const ecb = createCipheriv('aes-128-ecb', key, null);
    ecb.setAutoPadding(false);
    this.ecb = ecb;
    const h = ecb.update(Buffer.alloc(16));
    this.buildTable(h.readInt32BE(0), h.readInt32BE(4), h.readInt32BE(8), h.readInt32BE(12));
  }

  /** Encrypt `pt` under `iv` (12 bytes): ciphertext || tag in one new buffer. */
  seal(iv: Buffer, pt: Buffer): Buffer {
    const n = pt.length;
    const words = this.load(iv, pt, n);
    const d = this.data.w;
    const k = this.ks.w;
    for (let i = 0; i < words; i++) d[i] = d[i]! ^ k[i + 4]!;
    this.data.b.fill(0, n, words * 4);
    this.ghash(words, n);
    const out = Buffer.allocUnsafe(n + TAG);
    this.data.b.copy(out, 0, 0, n);
    const y = this.y;
    out.writeInt32BE(y[0]! ^ bswap(k[0]!), n);
    out.writeInt32BE(y[1]! ^ bswap(k[1]!), n + 4);
    out.writeInt32BE(y[2]! ^ bswap(k[2]!), n + 8);
    out.writeInt32BE(y[3]! ^ bswap(k[3]!), n + 12);
    return out;
  }

  /**
   * Decrypt `ct` (ciphertext || tag) under `iv`: the plaintext, or undefined when the tag does
   * not match (compared without an early exit).
   */
  open(iv: Buffer, ct: Buffer): Buffer | undefined {
    const n = ct.length - TAG;
    if (n < 0) return undefined;
    const words = this.load(iv, ct, n);
    this.ghash(words, n);
    const y = this.y;
    const k = this.ks.w;
    const diff =
      (y[0]! ^ bswap(k[0]!) ^ ct.readInt32BE(n)) |
      (y[1]! ^ bswap(k[1]!) ^ ct.readInt32BE(n + 4)) |
      (y[2]! ^ bswap(k[2]!) ^ ct.readInt32BE(n + 8)) |
      (y[3]! ^ bswap(k[3]!) ^ ct.readInt32BE(n + 12));
    if (diff !== 0) return undefined;
    const d = this.data.w;
    for (let i = 0; i < words; i++) d[i] = d[i]! ^ k[i + 4]!;
    const pt = Buffer.allocUnsafe(n);
    this.data.b.copy(pt, 0, 0, n);
    return pt;
  }

  /**
   * Copy src[0..n) into the data scratch, zero-padded to whole blocks, and put E(K, J0) and the
   * keystream for n bytes in the keystream scratch (J0 = iv || 1, then iv || 2, ...). Returns
   * the number of 32-bit words of whole blocks.
   */
  private load(iv: Buffer, src: Buffer, n: number): number {
    const blocks = (n + 15) >>> 4;
    const words = blocks * 4;
    const len = (blocks + 1) * 16;
    if (this.ctr.b.length < len) {
      const size = Math.max(len, 512);
      this.ctr = new Scratch(size);
      this.ks = new Scratch(size);
      this.data = new Scratch(size);
    }
    const c = this.ctr.w;
    const i0 = iv.readInt32LE(0);
    const i1 = iv.readInt32LE(4);
    const i2 = iv.readInt32LE(8);
    for (let b = 0; b <= blocks; b++) {
      c[b * 4] = i0;
      c[b * 4 + 1] = i1;
      c[b * 4 + 2] = i2;
      c[b * 4 + 3] = bswap(b + 1);
    }
    this.ecb.update(this.ctr.b.subarray(0, len)).copy(this.ks.b, 0);
    src.copy(this.data.b, 0, 0, n);
    this.data.b.fill(0, n, words * 4);
    return words;
  }

  /**
   * y := GHASH over the data scratch (`words` words, n bytes of ciphertext) and the length block.
   * Each block: y := (y ^ x) · H, the XOR of one table entry per nibble of y ^ x.
   */
  private ghash(words: number, n: number): void {
    const d = this.data.w;
    const t = this.t;
    let y0 = 0;
    let y1 = 0;
    let y2 = 0;
    let y3 = 0;
    const bits = n * 8;
    for (let i = 0; i <= words; i += 4) {
      if (i < words) {
        y0 ^= bswap(d[i]!);
        y1 ^= bswap(d[i + 1]!);
        y2 ^= bswap(d[i + 2]!);
        y3 ^= bswap(d[i + 3]!);
      } else {
        // the length block: 64-bit AAD bits (0) || 64-bit ciphertext bits
        y2 ^= Math.floor(bits / 0x100000000) | 0;
        y3 ^= bits | 0;
      }
      let z0 = 0;
      let z1 = 0;
      let z2 = 0;
      let z3 = 0;
      // 32 nibbles, most significant first: eight from each of the four words
      let w = y0;
      for (let base = 0; base < 2048; base += 64) {
        if (base === 512) w = y1;
        else if (base === 1024) w = y2;
        else if (base === 1536) w = y3;
        const j = base + ((w >>> 26) & 0x3c);
        z0 ^= t[j]!;
        z1 ^= t[j + 1]!;
        z2 ^= t[j + 2]!;
        z3 ^= t[j + 3]!;
        w <<= 4;
      }
      y0 = z0;
      y1 = z1;
      y2 = z2;
      y3 = z3;
    }
    const y = this.y;
    y[0] = y0;
    y[1] = y1;
    y[2] = y2;
    y[3] = y3;
  }

  /**
   * P[k] = x^k · H for the 128 bit positions (k = 0 is the most significant bit of byte 0), by
   * repeated multiplication by x (shift right, reduce with 0xE1 << 120); then each table entry
   * is the XOR of the P[k] of its set bits.
   */
  private buildTable(h0: number, h1: number, h2: number, h3: number): void {
    const p = new Int32Array(128 * 4);
    let v0 = h0;
    let v1 = h1;
    let v2 = h2;
    let v3 = h3;
    for (let k = 0; k < 128; k++) {
      p[k * 4] = v0;
      p[k * 4 + 1] = v1;
      p[k * 4 + 2] = v2;
      p[k * 4 + 3] = v3;
      const lsb = v3 & 1;
      v3 = (v3 >>> 1) | (v2 << 31);
      v2 = (v2 >>> 1) | (v1 << 31);
      v1 = (v1 >>> 1) | (v0 << 31);
      v0 = (v0 >>> 1) ^ (lsb ? 0xe1000000 | 0 : 0);
    }
    const t = this.t;
    for (let j = 0; j < 32; j++) {
      for (let v = 0; v < 16; v++) {
        const o = ((j << 4) | v) << 2;
        for (let b = 0; b < 4; b++) {
          if (((v >>> (3 - b)) & 1) === 0) continue;
          const q = (4 * j + b) * 4;
          t[o] = t[o]! ^ p[q]!;
          t[o + 1] = t[o + 1]! ^ p[q + 1]!;
          t[o + 2] = t[o + 2]! ^ p[q + 2]!;
          t[o + 3] = t[o + 3]! ^ p[q + 3]!;
        }
      }
    }
  }
}
