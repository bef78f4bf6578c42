/**
 * A queue of received chunks with zero-copy consumption: `take(n)` returns a view into a single
 * chunk when the bytes lie in one chunk and copies only when a read spans chunks (ws Receiver.consume).
 * Decoders read from a ByteQueue so that any split of the stream is handled the same way.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../errors.ts';

const EMPTY = Buffer.alloc(0);

export class ByteQueue {
  private chunks: Buffer[] = [];
  private head = 0; // index of first chunk with unread bytes
  private headOff = 0; // read offset inside chunks[head]
  private _length = 0;

  /** Bytes available. */
  get length(): number {
    return this._length;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.chunks.push(b);
    this._length += b.length;
  }

  /** Consume exactly n bytes (n <= length). View if possible, copy if spanning chunks. */
  take(n: number): Buffer {
    if (n > this._length) throw new MsgrError('ERR_DECODE_SHORT', `take(${n}) with ${this._length} queued`);
    if (n === 0) return EMPTY;
    const first = this.chunks[this.head]!;
    const avail = first.length - this.headOff;
    if (n <= avail) {
      const v = first.subarray(this.headOff, this.headOff + n);
      this.advance(n);
      return v;
    }
    const out = Buffer.allocUnsafe(n);
    this.copyTo(out, 0, n);
    this.advance(n);
    return out;
  }

  /**
   * The chunk holding the next `n` bytes when they lie in one chunk (read them at `headOffset`,
   * then `skip(n)`), else undefined. Lets a decoder parse in place without making a view.
   */
  contiguous(n: number): Buffer | undefined {
    if (n > this._length) return undefined;
    const first = this.chunks[this.head];
    return first !== undefined && first.length - this.headOff >= n ? first : undefined;
  }

  /** Offset of the next unread byte in the chunk `contiguous()` returned. */
  get headOffset(): number {
    return this.headOff;
  }

  /** Copy the next n bytes into `dst` at `at` without consuming them. */
  copyTo(dst: Uint8Array, at: number, n: number): void {
    let idx = this.head;
    let off = this.headOff;
    let done = 0;
    while (done < n) {
      const c = this.chunks[idx]!;
      const k = Math.min(n - done, c.length - off);
      dst.set(c.subarray(off, off + k), at + done);
      done += k;
      idx++;
      off = 0;
    }
  }

  /** The next n bytes without consuming them (view if in one chunk, else a copy). */
  peek(n: number): Buffer {
    if (n > this._length) throw new MsgrError('ERR_DECODE_SHORT', `peek(${n}) with ${this._length} queued`);
    const first = this.chunks[this.head];
    if (first && n <= first.length - this.headOff) return first.subarray(this.headOff, this.headOff + n);
    const out = Buffer.allocUnsafe(n);
    this.copyTo(out, 0, n);
    return out;
  }

  /** Byte at offset i from the read position. */
  byteAt(i: number): number {
    let idx = this.head;
    let off = this.headOff + i;
    while (idx < this.chunks.length) {
      const c = this.chunks[idx]!;
      if (off < c.length) return c[off]!;
      off -= c.length;
      idx++;
    }
    throw new MsgrError('ERR_DECODE_SHORT', `byteAt(${i}) with ${this._length} queued`);
  }

  /** Drop n bytes. */
  skip(n: number): void {
    if (n > this._length) throw new MsgrError('ERR_DECODE_SHORT', `skip(${n}) with ${this._length} queued`);
    this.advance(n);
  }

  /** Remove and return everything queued, as views of the original chunks. */
  drain(): Buffer[] {
    const out: Buffer[] = [];
    for (let i = this.head; i < this.chunks.length; i++) {
      const c = this.chunks[i]!;
      out.push(i === this.head ? c.subarray(this.headOff) : c);
    }
    this.clear();
    return out;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.headOff = 0;
    this._length = 0;
  }

  private advance(n: number): void {
    this._length -= n;
    while (n > 0) {
      const c = this.chunks[this.head]!;
      const avail = c.length - this.headOff;
      if (n < avail) {
        this.headOff += n;
        break;
      }
      n -= avail;
      // release a consumed chunk at once (a stream that never drains exactly at a chunk
      // boundary kept every chunk it ever received: 250 MB for 400 MB of 6.8 MB messages)
      this.chunks[this.head] = EMPTY;
      this.head++;
      this.headOff = 0;
    }
    // compact occasionally so the array does not grow without bound
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    } else if (this.head === this.chunks.length) {
      this.chunks.length = 0;
      this.head = 0;
    }
  }
}
