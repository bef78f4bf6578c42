/**
 * One write's worth of outgoing frames, built in place: small pieces (preambles, headers, crcs,
 * epilogues, small payloads) are written into a slab buffer that is reused until full, large
 * payloads are referenced, never copied. `take()` hands the gather list to the socket — usually
 * a single slab slice for a run of small messages, so one write() carries hundreds of frames.
 *
 * Ownership: a slice returned by take() belongs to the socket; the batch never writes into bytes
 * it has handed out (it only continues after them, or in a new slab).
 */
import { Buffer } from 'node:buffer';

const EMPTY = Buffer.alloc(0);
/** Slab size: a new slab holds at least this many bytes. */
export const SLAB_SIZE = 64 * 1024;
/** Payload segments up to this size are copied into the slab; larger ones are referenced. */
export const COPY_MAX = 16 * 1024;

export class TxBatch {
  private out: Buffer[] = [];
  private slab: Buffer = EMPTY;
  /** write position in the slab */
  pos = 0;
  /** start of the slice not yet cut into `out` */
  private start = 0;
  /** bytes added since the last take() */
  bytes = 0;

  /** The slab, with at least `n` free bytes at `pos`. Write there, then `advance(n)`. */
  room(n: number): Buffer {
    if (this.slab.length - this.pos < n) {
      this.cut();
      this.slab = Buffer.allocUnsafe(n > SLAB_SIZE ? n : SLAB_SIZE);
      this.pos = 0;
      this.start = 0;
    }
    return this.slab;
  }

  advance(n: number): void {
    this.pos += n;
    this.bytes += n;
  }

  /** Append a buffer: copied when small, referenced (zero-copy) when large. */
  append(b: Buffer): void {
    const n = b.length;
    if (n === 0) return;
    if (n <= COPY_MAX) {
      const s = this.room(n);
      b.copy(s, this.pos);
      this.advance(n);
    } else this.ref(b);
  }

  /** Append a buffer by reference. */
  ref(b: Buffer): void {
    if (b.length === 0) return;
    this.cut();
    this.out.push(b);
    this.bytes += b.length;
  }

  /** Append a gather list by reference (e.g. frames encoded elsewhere). */
  refs(list: readonly Buffer[]): void {
    for (const b of list) this.ref(b);
  }

  /** Append a gather list: small pieces copied into the slab, large ones referenced. */
  appendAll(list: readonly Buffer[]): void {
    for (let i = 0; i < list.length; i++) this.append(list[i]!);
  }

  get empty(): boolean {
    return this.bytes === 0;
  }

  /** The gather list built so far; the batch starts over (reusing the slab's free space). */
  take(): Buffer[] {
    this.cut();
    const o = this.out;
    this.out = [];
    this.bytes = 0;
    return o;
  }

  private cut(): void {
    if (this.pos > this.start) {
      this.out.push(this.slab.subarray(this.start, this.pos));
      this.start = this.pos;
    }
  }
}
