/**
 * msgr2 frame disassembly in all four modes (wire §2.3–2.9), reading from a ByteQueue so that any
 * split of the stream gives the same frames.
 *
 * `readPreamble()` consumes and validates the preamble (decrypting it in secure mode) as soon as
 * it is queued and keeps it until `readFrame()` has consumed the rest of that frame, so a caller
 * may stop after the preamble (e.g. to take a throttle) and resume later. Nothing is allocated
 * from a declared length before the bytes are actually queued.
 *
 * Checks, following Ceph's FrameAssembler (frames_v2.cc) plus a few stricter ones marked (*):
 * preamble crc; 1..4 segments; last declared segment non-empty when > 1; (*) descriptors past
 * num_segments all zero; (*) each length ≤ maxSegmentLength (ERR_FRAME_TOO_LARGE); segment crcs;
 * GCM tags; late status. In crc mode Ceph leaves some epilogue bits unchecked, so a single bit
 * flip there would go unnoticed; we close those holes where no real sender uses the bits:
 * (*) rev0 late_flags must be 0 or 1, (*) rev1 late_status must be exactly 0x0e or 0x01 (Ceph
 * checks only the low nibble; the high nibble is "reserved" and every known sender — Ceph,
 * crimson, the kernel — writes 0), (*) crc slots of segments past num_segments must be 0 (Ceph
 * writes 0 there and never reads them). One weakness is inherent to msgr2.0 and stays: rev0 crc
 * late_flags bit 0 is covered by no crc, so a flipped bit 0 turns a good frame into an "aborted"
 * one, which is dropped silently as Ceph does.
 *
 * Aborted frames (rev0 late_flags bit 0, rev1 late_status 0x01) are consumed and skipped.
 * After any error the stream cannot be resynchronised: the decoder keeps throwing that error.
 */
import { Buffer } from 'node:buffer';
import type { DecipherGCM } from 'node:crypto';
import { MsgrError } from '../../errors.ts';
import type { ByteQueue } from '../../encoding/byte-queue.ts';
import * as crcmod from '../../encoding/crc32c.ts';
import type { SecureRx } from './secure.ts';
import * as securemod from './secure.ts';
import * as layout from './frame-layout.ts';

// module-local copies of imported bindings (plain reads are cheaper on the hot path)
const { crc32c, crc32cTs } = crcmod;
const { finishDecipher } = securemod;
const {
  CRC_LEN,
  DEFAULT_MAX_SEGMENT_LENGTH,
  EPILOGUE_CRC_REV0_LEN,
  EPILOGUE_CRC_REV1_LEN,
  EPILOGUE_SECURE_LEN,
  LATE_FLAG_ABORTED,
  LATE_STATUS_ABORTED,
  LATE_STATUS_COMPLETE,
  MAX_SEGMENTS,
  PREAMBLE_INLINE_LEN,
  PREAMBLE_LEN,
  TAG_LEN,
  padded,
  readU32,
} = layout;

export interface Preamble {
  tag: number;
  numSegments: number;
  /** logical segment lengths, numSegments entries */
  lengths: number[];
  /** alignment hints, numSegments entries */
  alignments: number[];
  /** preamble byte 26 (Quincy: bit 0 = segments compressed); 0 from Pacific */
  flags: number;
  /** total bytes of the whole frame on the wire, preamble included */
  onwireLength: number;
}

export interface Frame {
  tag: number;
  /** logical segments, numSegments entries (views into received or decrypted buffers) */
  segments: Buffer[];
  preamble: Preamble;
  /** exact on-wire bytes of this frame (plus any aborted frames skipped just before it), only when recording */
  raw?: Buffer;
}

export interface FrameDecoderOptions {
  rev1: boolean;
  /** upper bound for one segment's logical length; default 256 MiB */
  maxSegmentLength?: number;
}

const EMPTY = Buffer.alloc(0);
const PREAMBLE_SECURE_REV1_LEN = PREAMBLE_LEN + PREAMBLE_INLINE_LEN + TAG_LEN; // 96

function invalid(msg: string): MsgrError {
  return new MsgrError('ERR_FRAME_INVALID', msg, { origin: 'remote' });
}

export class FrameDecoder {
  readonly rev1: boolean;
  readonly maxSegmentLength: number;
  /** While true, every returned frame carries `raw` (for the AUTH_SIGNATURE transcript). */
  recording = false;

  private rx: SecureRx | undefined;
  /** preamble of the frame in progress */
  private pre: Preamble | undefined;
  /** its on-wire bytes */
  private preRaw: Buffer = EMPTY;
  /** rev1 secure: the decrypted 48-byte inline buffer */
  private inline: Buffer = EMPTY;
  /** rev0 secure: the GCM stream started by the preamble */
  private stream: DecipherGCM | undefined;
  /** recorded bytes of aborted frames, prepended to the next frame's raw */
  private skippedRaw: Buffer[] = [];
  /** the error that broke the stream: a decoder that threw keeps throwing it */
  private failure: unknown;

  constructor(opts: FrameDecoderOptions) {
    this.rev1 = opts.rev1;
    const max = opts.maxSegmentLength ?? DEFAULT_MAX_SEGMENT_LENGTH;
    if (!Number.isInteger(max) || max < 0) throw new MsgrError('ERR_INVALID_ARG', `maxSegmentLength ${max}`);
    this.maxSegmentLength = max;
  }

  /** Install (or remove) the receive cipher. Only between frames. */
  setSecure(rx: SecureRx | undefined): void {
    if (this.pre !== undefined) throw new MsgrError('ERR_INVALID_ARG', 'setSecure in the middle of a frame');
    if (rx !== undefined && rx.rev1 !== this.rev1) {
      throw new MsgrError('ERR_INVALID_ARG', 'secure handler revision does not match the frame decoder');
    }
    this.rx = rx;
  }

  get secure(): boolean {
    return this.rx !== undefined;
  }

  /** Bytes of the preamble on the wire in the current mode (32, or 96 in rev1 secure). */
  get preambleOnwireLength(): number {
    return this.rx !== undefined && this.rev1 ? PREAMBLE_SECURE_REV1_LEN : PREAMBLE_LEN;
  }

  /** True while a preamble has been read and its frame is not complete yet. */
  get inFrame(): boolean {
    return this.pre !== undefined;
  }

  /**
   * The preamble of the next frame, or undefined until enough bytes are queued. Consumes the
   * preamble bytes; returns the same object until readFrame() completes that frame.
   */
  readPreamble(q: ByteQueue): Preamble | undefined {
    if (this.pre !== undefined) return this.pre;
    if (this.failure !== undefined) throw this.failure;
    try {
      return this.startFrame(q);
    } catch (e) {
      throw this.fail(e);
    }
  }

  private startFrame(q: ByteQueue): Preamble | undefined {
    const rx = this.rx;
    let raw: Buffer;
    let plain: Buffer;
    if (rx === undefined) {
      if (q.length < PREAMBLE_LEN) return undefined;
      const chunk = this.recording ? undefined : q.contiguous(PREAMBLE_LEN);
      if (chunk !== undefined) {
        // crc mode, not recording: parse in place (no view for the preamble)
        const pre = this.parsePreamble(chunk, q.headOffset);
        q.skip(PREAMBLE_LEN);
        this.preRaw = EMPTY;
        this.pre = pre;
        return pre;
      }
      raw = q.take(PREAMBLE_LEN);
      plain = raw;
    } else if (this.rev1) {
      if (q.length < PREAMBLE_SECURE_REV1_LEN) return undefined;
      raw = q.take(PREAMBLE_SECURE_REV1_LEN);
      const pt = rx.open(raw);
      plain = pt.subarray(0, PREAMBLE_LEN);
      this.inline = pt.subarray(PREAMBLE_LEN);
    } else {
      if (q.length < PREAMBLE_LEN) return undefined;
      raw = q.take(PREAMBLE_LEN);
      const d = rx.begin();
      plain = d.update(raw);
      if (plain.length !== PREAMBLE_LEN) throw invalid('secure preamble: short decrypt');
      this.stream = d;
    }
    const pre = this.parsePreamble(plain);
    this.preRaw = raw;
    this.pre = pre;
    return pre;
  }

  /**
   * The next complete frame, or undefined until all its bytes are queued. Verifies crcs / tags /
   * late status and consumes the frame; aborted frames are consumed and skipped.
   */
  readFrame(q: ByteQueue): Frame | undefined {
    if (this.failure !== undefined) throw this.failure;
    try {
      return this.nextFrame(q);
    } catch (e) {
      throw this.fail(e);
    }
  }

  /** Once anything failed, the byte stream cannot be resynchronised: stay failed. */
  private fail(e: unknown): unknown {
    // (anything but a MsgrError would be a bug here; it is kept as it is so tests can see it)
    this.failure = e;
    this.pre = undefined;
    this.stream = undefined;
    return e;
  }

  private nextFrame(q: ByteQueue): Frame | undefined {
    for (;;) {
      const pre = this.pre ?? this.startFrame(q);
      if (pre === undefined) return undefined;
      const bodyLen = pre.onwireLength - this.preambleOnwireLength;
      if (q.length < bodyLen) return undefined;
      const body = q.take(bodyLen);
      const preRaw = this.preRaw;
      const segments = this.disassemble(pre, body);
      this.pre = undefined;
      this.preRaw = EMPTY;
      this.inline = EMPTY;
      this.stream = undefined;
      if (segments === undefined) {
        if (this.recording) this.skippedRaw.push(preRaw, body);
        continue;
      }
      const frame: Frame = { tag: pre.tag, segments, preamble: pre };
      if (this.recording) {
        const parts = this.skippedRaw;
        parts.push(preRaw, body);
        frame.raw = Buffer.concat(parts);
        this.skippedRaw = [];
      } else if (this.skippedRaw.length > 0) this.skippedRaw = [];
      return frame;
    }
  }

  // ---------------------------------------------------------------- preamble

  /** The preamble at p[at..at+32). */
  private parsePreamble(p: Buffer, at = 0): Preamble {
    const crc = readU32(p, at + 28);
    const calc = crc32cTs(0, p, at, at + 28);
    if (crc !== calc) {
      throw new MsgrError('ERR_FRAME_PREAMBLE_CRC', `preamble crc ${crc.toString(16)} != ${calc.toString(16)}`, { origin: 'remote' });
    }
    const n = p[at + 1]!;
    if (n < 1 || n > MAX_SEGMENTS) throw invalid(`num_segments ${n}`);
    const lengths: number[] = new Array<number>(n);
    const alignments: number[] = new Array<number>(n);
    const max = this.maxSegmentLength;
    for (let i = 0, o = at + 2; i < MAX_SEGMENTS; i++, o += 6) {
      if (i < n) {
        const len = readU32(p, o);
        if (len > max) throw new MsgrError('ERR_FRAME_TOO_LARGE', `segment ${i} length ${len} > ${max}`, { origin: 'remote' });
        lengths[i] = len;
        alignments[i] = p[o + 4]! | (p[o + 5]! << 8);
      } else if ((p[o]! | p[o + 1]! | p[o + 2]! | p[o + 3]! | p[o + 4]! | p[o + 5]!) !== 0) {
        throw invalid(`descriptor ${i} set beyond num_segments ${n}`);
      }
    }
    if (n > 1 && lengths[n - 1] === 0) throw invalid('last segment empty');
    return { tag: p[at]!, numSegments: n, lengths, alignments, flags: p[at + 26]!, onwireLength: this.onwireLength(lengths) };
  }

  private onwireLength(l: readonly number[]): number {
    const n = l.length;
    let total: number;
    if (this.rx === undefined) {
      total = PREAMBLE_LEN;
      for (let i = 0; i < n; i++) total += l[i]!;
      if (!this.rev1) return total + EPILOGUE_CRC_REV0_LEN;
      if (l[0]! > 0) total += CRC_LEN;
      return n > 1 ? total + EPILOGUE_CRC_REV1_LEN : total;
    }
    if (!this.rev1) {
      total = PREAMBLE_LEN + EPILOGUE_SECURE_LEN + TAG_LEN;
      for (let i = 0; i < n; i++) total += padded(l[i]!);
      return total;
    }
    total = PREAMBLE_SECURE_REV1_LEN;
    const p0 = padded(l[0]!);
    if (p0 > PREAMBLE_INLINE_LEN) total += p0 - PREAMBLE_INLINE_LEN + TAG_LEN;
    if (n === 1) return total;
    for (let i = 1; i < n; i++) total += padded(l[i]!);
    return total + EPILOGUE_SECURE_LEN + TAG_LEN;
  }

  // ---------------------------------------------------------------- body

  /** Logical segments, or undefined for an aborted frame. */
  private disassemble(pre: Preamble, body: Buffer): Buffer[] | undefined {
    if (this.rx === undefined) return this.rev1 ? this.crcRev1(pre, body) : crcRev0(pre, body);
    return this.rev1 ? this.secureRev1(this.rx, pre, body) : this.secureRev0(pre, body);
  }

  private crcRev1(pre: Preamble, body: Buffer): Buffer[] | undefined {
    const n = pre.numSegments;
    const l = pre.lengths;
    const segs: Buffer[] = new Array<Buffer>(n);
    const l0 = l[0]!;
    let off = 0;
    if (l0 > 0) {
      const s0 = body.subarray(0, l0);
      checkCrc(s0, readU32(body, l0), 0);
      segs[0] = s0;
      off = l0 + CRC_LEN;
    } else segs[0] = EMPTY;
    if (n === 1) return segs;
    for (let i = 1; i < n; i++) {
      const li = l[i]!;
      segs[i] = li === 0 ? EMPTY : body.subarray(off, off + li);
      off += li;
    }
    const e = off;
    for (let i = 1; i < MAX_SEGMENTS; i++) {
      const crc = readU32(body, e + 1 + 4 * (i - 1));
      if (i < n) checkCrc(segs[i]!, crc, i);
      else if (crc !== 0) throw invalid(`epilogue crc slot ${i} set beyond num_segments`);
    }
    return lateStatus(body[e]!, true) ? segs : undefined;
  }

  private secureRev0(pre: Preamble, body: Buffer): Buffer[] | undefined {
    const d = this.stream;
    if (d === undefined) throw invalid('secure rev0: no cipher stream');
    const ctLen = body.length - TAG_LEN;
    d.setAuthTag(body.subarray(ctLen));
    const pt = d.update(body.subarray(0, ctLen));
    finishDecipher(d);
    if (pt.length !== ctLen) throw invalid('secure rev0: short decrypt');
    const segs = unpadSegments(pre, pt, 0, 0);
    const lateFlags = pt[ctLen - EPILOGUE_SECURE_LEN]!;
    return lateFlags & LATE_FLAG_ABORTED ? undefined : segs;
  }

  private secureRev1(rx: SecureRx, pre: Preamble, body: Buffer): Buffer[] | undefined {
    const n = pre.numSegments;
    const l0 = pre.lengths[0]!;
    const p0 = padded(l0);
    let off = 0;
    let s0: Buffer;
    if (p0 > PREAMBLE_INLINE_LEN) {
      off = p0 - PREAMBLE_INLINE_LEN + TAG_LEN;
      const rest = rx.open(body.subarray(0, off));
      s0 = Buffer.concat([this.inline, rest], p0).subarray(0, l0);
    } else s0 = this.inline.subarray(0, l0);
    if (n === 1) return [s0];
    const pt = rx.open(body.subarray(off));
    const segs = unpadSegments(pre, pt, 1, 0);
    segs[0] = s0;
    return lateStatus(pt[pt.length - EPILOGUE_SECURE_LEN]!, false) ? segs : undefined;
  }
}

// ---------------------------------------------------------------- helpers

function checkCrc(seg: Buffer, expected: number, i: number): void {
  const calc = seg.length === 0 ? 0xffffffff : crc32c(0xffffffff, seg);
  if (calc !== expected) {
    throw new MsgrError('ERR_FRAME_SEGMENT_CRC', `segment ${i} crc ${calc.toString(16)} != ${expected.toString(16)}`, { origin: 'remote' });
  }
}

/** rev1 late_status: true = complete, false = aborted; anything else throws. */
function lateStatus(ls: number, strictReserved: boolean): boolean {
  const low = ls & 0x0f;
  if ((strictReserved && (ls & 0xf0) !== 0) || (low !== LATE_STATUS_COMPLETE && low !== LATE_STATUS_ABORTED)) {
    throw invalid(`bad late_status 0x${ls.toString(16)}`);
  }
  return low === LATE_STATUS_COMPLETE;
}

function crcRev0(pre: Preamble, body: Buffer): Buffer[] | undefined {
  const n = pre.numSegments;
  const l = pre.lengths;
  const segs: Buffer[] = new Array<Buffer>(n);
  let off = 0;
  for (let i = 0; i < n; i++) {
    segs[i] = body.subarray(off, off + l[i]!);
    off += l[i]!;
  }
  const e = off;
  for (let i = 0; i < MAX_SEGMENTS; i++) {
    const crc = readU32(body, e + 1 + 4 * i);
    if (i < n) checkCrc(segs[i]!, crc, i);
    else if (crc !== 0) throw invalid(`epilogue crc slot ${i} set beyond num_segments`);
  }
  const lateFlags = body[e]!;
  if ((lateFlags & ~LATE_FLAG_ABORTED) !== 0) throw invalid(`bad late_flags 0x${lateFlags.toString(16)}`);
  return lateFlags & LATE_FLAG_ABORTED ? undefined : segs;
}

/** Views of segments from..n-1 in a plaintext where each is padded to 16 bytes, starting at `off`. */
function unpadSegments(pre: Preamble, pt: Buffer, from: number, off: number): Buffer[] {
  const n = pre.numSegments;
  const segs: Buffer[] = new Array<Buffer>(n);
  for (let i = from; i < n; i++) {
    const len = pre.lengths[i]!;
    segs[i] = len === 0 ? EMPTY : pt.subarray(off, off + len);
    off += padded(len);
  }
  return segs;
}
