/**
 * Cursor over a byte buffer for Ceph's little-endian encoding (denc).
 * Every read that would run past the end throws MsgrError ERR_DECODE_SHORT; nothing else is thrown.
 * `bytes()` returns views (no copy): the caller owns the lifetime of the underlying buffer.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../errors.ts';

/** Default cap for one length-prefixed item (string, blob, container count). */
export const DEFAULT_MAX_ITEM = 256 * 1024 * 1024;

export class Reader {
  readonly buf: Buffer;
  off: number;
  end: number;
  /** Upper bound for any single length field or element count read through this reader. */
  maxItem: number;

  constructor(buf: Uint8Array, off = 0, end = buf.length, maxItem = DEFAULT_MAX_ITEM) {
    this.buf = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    if (off < 0 || end > this.buf.length || off > end) {
      throw new MsgrError('ERR_DECODE_INVALID', `reader bounds ${off}..${end} outside 0..${this.buf.length}`);
    }
    this.off = off;
    this.end = end;
    this.maxItem = maxItem;
  }

  get remaining(): number {
    return this.end - this.off;
  }

  /** Throws ERR_DECODE_SHORT unless n more bytes are available. */
  need(n: number): void {
    if (this.end - this.off < n) {
      throw new MsgrError('ERR_DECODE_SHORT', `need ${n} bytes at offset ${this.off}, have ${this.end - this.off}`, {
        origin: 'remote',
      });
    }
  }

  u8(): number {
    this.need(1);
    return this.buf[this.off++]!;
  }
  bool(): boolean {
    return this.u8() !== 0;
  }
  u16(): number {
    this.need(2);
    const v = this.buf.readUInt16LE(this.off);
    this.off += 2;
    return v;
  }
  s16(): number {
    this.need(2);
    const v = this.buf.readInt16LE(this.off);
    this.off += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.buf.readUInt32LE(this.off);
    this.off += 4;
    return v;
  }
  s32(): number {
    this.need(4);
    const v = this.buf.readInt32LE(this.off);
    this.off += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.buf.readBigUInt64LE(this.off);
    this.off += 8;
    return v;
  }
  s64(): bigint {
    this.need(8);
    const v = this.buf.readBigInt64LE(this.off);
    this.off += 8;
    return v;
  }
  /** u64 returned as a JS number; throws ERR_DECODE_INVALID above 2^53-1. */
  u64n(): number {
    this.need(8);
    const lo = this.buf.readUInt32LE(this.off);
    const hi = this.buf.readUInt32LE(this.off + 4);
    this.off += 8;
    if (hi > 0x1fffff) throw new MsgrError('ERR_DECODE_INVALID', 'u64 value above 2^53', { origin: 'remote' });
    return hi * 0x100000000 + lo;
  }
  u16be(): number {
    this.need(2);
    const v = this.buf.readUInt16BE(this.off);
    this.off += 2;
    return v;
  }

  /** n raw bytes as a view into the underlying buffer. */
  bytes(n: number): Buffer {
    if (n < 0 || !Number.isInteger(n)) throw new MsgrError('ERR_DECODE_INVALID', `bad length ${n}`, { origin: 'remote' });
    this.need(n);
    const v = this.buf.subarray(this.off, this.off + n);
    this.off += n;
    return v;
  }
  skip(n: number): void {
    this.need(n);
    this.off += n;
  }

  /** A le32 length checked against maxItem and the bytes remaining (for byte-sized items). */
  len32(elementMinSize = 1): number {
    const n = this.u32();
    if (n > this.maxItem) throw new MsgrError('ERR_DECODE_TOO_LARGE', `length ${n} exceeds limit ${this.maxItem}`, { origin: 'remote' });
    if (elementMinSize > 0 && n * elementMinSize > this.remaining) {
      throw new MsgrError('ERR_DECODE_SHORT', `length ${n} x ${elementMinSize} exceeds remaining ${this.remaining}`, {
        origin: 'remote',
      });
    }
    return n;
  }

  /** le32 length + bytes (Ceph bufferlist), as a view. */
  blob(): Buffer {
    return this.bytes(this.len32(1));
  }
  /** le32 length + UTF-8 bytes (std::string). */
  string(): string {
    const b = this.blob();
    return b.toString('utf8');
  }
  /** le32 count + elements (vector/list/set). elementMinSize guards against huge counts. */
  list<T>(item: (r: Reader) => T, elementMinSize = 1): T[] {
    const n = this.len32(elementMinSize);
    const out: T[] = new Array<T>(n);
    for (let i = 0; i < n; i++) out[i] = item(this);
    return out;
  }
  /** le32 count + (key, value) pairs (std::map). */
  map<K, V>(key: (r: Reader) => K, value: (r: Reader) => V, pairMinSize = 1): Map<K, V> {
    const n = this.len32(pairMinSize);
    const out = new Map<K, V>();
    for (let i = 0; i < n; i++) {
      const k = key(this);
      out.set(k, value(this));
    }
    return out;
  }
  u32list(): number[] {
    return this.list((r) => r.u32(), 4);
  }
  stringList(): string[] {
    return this.list((r) => r.string(), 4);
  }

  /**
   * ENCODE_START envelope: u8 struct_v, u8 struct_compat, le32 struct_len, body.
   * `maxCompat` is the highest struct version this decoder understands. The body is decoded by
   * `body(r, struct_v)` on a sub-reader limited to struct_len; unread trailing bytes are skipped.
   */
  versioned<T>(maxCompat: number, body: (r: Reader, structV: number) => T, what = 'struct'): T {
    const v = this.u8();
    const compat = this.u8();
    const len = this.u32();
    if (compat > maxCompat) {
      throw new MsgrError('ERR_DECODE_VERSION', `${what}: struct_compat ${compat} > supported ${maxCompat}`, {
        origin: 'remote',
      });
    }
    this.need(len);
    const sub = new Reader(this.buf, this.off, this.off + len, this.maxItem);
    const out = body(sub, v);
    this.off += len;
    return out;
  }

  /** A sub-reader over the next n bytes; this reader skips them. */
  sub(n: number): Reader {
    this.need(n);
    const r = new Reader(this.buf, this.off, this.off + n, this.maxItem);
    this.off += n;
    return r;
  }

  /** Throws ERR_DECODE_INVALID if unread bytes remain (for frames that must be consumed whole). */
  expectEnd(what = 'payload'): void {
    if (this.off !== this.end) {
      throw new MsgrError('ERR_DECODE_INVALID', `${what}: ${this.end - this.off} trailing bytes`, { origin: 'remote' });
    }
  }
}
