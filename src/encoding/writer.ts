/**
 * Growable little-endian writer for Ceph's encoding (denc).
 * `finish()` returns a view of the written bytes (no copy). A Writer may be reused after `reset()`;
 * views returned earlier are then invalid, so only reuse a writer whose output was consumed.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../errors.ts';

const U64_MAX = 0xffffffffffffffffn;
const S64_MIN = -0x8000000000000000n;
const S64_MAX = 0x7fffffffffffffffn;

export class Writer {
  buf: Buffer;
  off = 0;

  constructor(initial = 256) {
    this.buf = Buffer.allocUnsafe(initial);
  }

  get length(): number {
    return this.off;
  }

  reset(): void {
    this.off = 0;
  }

  /** Make room for n more bytes. */
  ensure(n: number): void {
    const need = this.off + n;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const nb = Buffer.allocUnsafe(size);
    this.buf.copy(nb, 0, 0, this.off);
    this.buf = nb;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.off++] = v & 0xff;
    return this;
  }
  bool(v: boolean): this {
    return this.u8(v ? 1 : 0);
  }
  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v & 0xffff, this.off);
    this.off += 2;
    return this;
  }
  s16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16LE(v, this.off);
    this.off += 2;
    return this;
  }
  u16be(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16BE(v & 0xffff, this.off);
    this.off += 2;
    return this;
  }
  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v >>> 0, this.off);
    this.off += 4;
    return this;
  }
  s32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(v | 0, this.off);
    this.off += 4;
    return this;
  }
  u64(v: bigint | number): this {
    this.ensure(8);
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || v < 0) throw new MsgrError('ERR_ENCODE_INVALID', `u64 ${v}`);
      this.buf.writeUInt32LE(v % 0x100000000, this.off);
      this.buf.writeUInt32LE(Math.floor(v / 0x100000000), this.off + 4);
    } else {
      if (v < 0n || v > U64_MAX) throw new MsgrError('ERR_ENCODE_INVALID', `u64 ${v}`);
      this.buf.writeBigUInt64LE(v, this.off);
    }
    this.off += 8;
    return this;
  }
  s64(v: bigint | number): this {
    this.ensure(8);
    const b = typeof v === 'number' ? BigInt(v) : v;
    if (b < S64_MIN || b > S64_MAX) throw new MsgrError('ERR_ENCODE_INVALID', `s64 ${v}`);
    this.buf.writeBigInt64LE(b, this.off);
    this.off += 8;
    return this;
  }
  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.off);
    this.off += b.length;
    return this;
  }
  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.off, this.off + n);
    this.off += n;
    return this;
  }
  /** le32 length + bytes (bufferlist). */
  blob(b: Uint8Array): this {
    this.u32(b.length);
    return this.bytes(b);
  }
  /** le32 length + UTF-8 (std::string). */
  string(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    this.u32(n);
    this.ensure(n);
    this.buf.write(s, this.off, 'utf8');
    this.off += n;
    return this;
  }
  list<T>(items: readonly T[], item: (w: Writer, v: T) => void): this {
    this.u32(items.length);
    for (const v of items) item(this, v);
    return this;
  }
  /** std::map: pairs in the map's iteration order (callers pass key-sorted maps for Ceph parity). */
  map<K, V>(m: ReadonlyMap<K, V> | Iterable<readonly [K, V]>, key: (w: Writer, k: K) => void, value: (w: Writer, v: V) => void): this {
    const entries = m instanceof Map ? [...m.entries()] : [...m];
    this.u32(entries.length);
    for (const [k, v] of entries) {
      key(this, k);
      value(this, v);
    }
    return this;
  }
  u32list(items: readonly number[]): this {
    return this.list(items, (w, v) => w.u32(v));
  }
  stringList(items: readonly string[]): this {
    return this.list(items, (w, v) => w.string(v));
  }

  /** Write a u32 at an earlier position (for length fields filled in later). */
  patchU32(at: number, v: number): void {
    this.buf.writeUInt32LE(v >>> 0, at);
  }

  /** ENCODE_START(v, compat): returns a token for {@link endVersioned}. */
  beginVersioned(v: number, compat: number): number {
    this.u8(v).u8(compat);
    const at = this.off;
    this.u32(0);
    return at;
  }
  /** ENCODE_FINISH: patch struct_len. */
  endVersioned(token: number): void {
    this.patchU32(token, this.off - token - 4);
  }
  /** Convenience: ENCODE_START + body + ENCODE_FINISH. */
  versioned(v: number, compat: number, body: (w: Writer) => void): this {
    const t = this.beginVersioned(v, compat);
    body(this);
    this.endVersioned(t);
    return this;
  }

  /** The bytes written so far, as a view (valid until the next write or reset). */
  view(): Buffer {
    return this.buf.subarray(0, this.off);
  }
  /** The bytes written, as an owned copy. */
  finish(): Buffer {
    return Buffer.from(this.buf.subarray(0, this.off));
  }
}

/** Encode with a fresh writer and return an owned buffer. */
export function encode(fn: (w: Writer) => void, initial = 128): Buffer {
  const w = new Writer(initial);
  fn(w);
  return w.view();
}
