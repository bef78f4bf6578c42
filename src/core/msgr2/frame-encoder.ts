/**
 * msgr2 frame assembly in all four modes (wire §2.3–2.7): rev0/rev1 × crc/secure.
 *
 * `encode()` returns a gather list for one writev: in crc mode the caller's segment buffers appear
 * in it as they are (never copied; they must stay unmodified until written), surrounded by small
 * preamble / crc / epilogue buffers; in secure mode the list holds ciphertext pieces and GCM tags.
 * Segments are trimmed like Ceph's `calc_num_segments`: trailing empty segments are dropped, an
 * all-empty frame is sent as one empty segment.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import { crc32c } from '../../encoding/crc32c.ts';
import type { SecureTx } from './secure.ts';
import { Tag } from './tags.ts';
import {
  CRC_LEN,
  DEFAULT_ALIGNMENT,
  EPILOGUE_CRC_REV0_LEN,
  EPILOGUE_CRC_REV1_LEN,
  EPILOGUE_SECURE_LEN,
  LATE_STATUS_COMPLETE,
  MAX_SEGMENTS,
  PAGE_ALIGNMENT,
  PREAMBLE_INLINE_LEN,
  PREAMBLE_LEN,
  checkTag,
  padded,
  writePreamble,
} from './frame-layout.ts';

const MESSAGE_ALIGNMENTS: readonly number[] = [DEFAULT_ALIGNMENT, DEFAULT_ALIGNMENT, DEFAULT_ALIGNMENT, PAGE_ALIGNMENT];
const CONTROL_ALIGNMENTS: readonly number[] = [DEFAULT_ALIGNMENT, DEFAULT_ALIGNMENT, DEFAULT_ALIGNMENT, DEFAULT_ALIGNMENT];
/** Zero padding source (never written to). */
const ZEROS = Buffer.alloc(16);
/** Secure epilogues: rev0 late_flags 0, rev1 late_status COMPLETE, then 15 zero bytes. */
const EPILOGUE_SECURE_REV0 = Buffer.alloc(EPILOGUE_SECURE_LEN);
const EPILOGUE_SECURE_REV1 = Buffer.alloc(EPILOGUE_SECURE_LEN);
EPILOGUE_SECURE_REV1[0] = LATE_STATUS_COMPLETE;

export interface FrameEncoderOptions {
  /** msgr2.1 layout (both banners advertised REVISION_1). */
  rev1: boolean;
}

export class FrameEncoder {
  readonly rev1: boolean;
  private tx: SecureTx | undefined;

  constructor(opts: FrameEncoderOptions) {
    this.rev1 = opts.rev1;
  }

  /** Switch to secure mode (after AUTH_DONE with con_mode secure), or back to crc with undefined. */
  setSecure(tx: SecureTx | undefined): void {
    if (tx !== undefined && tx.rev1 !== this.rev1) {
      throw new MsgrError('ERR_INVALID_ARG', 'secure handler revision does not match the frame encoder');
    }
    this.tx = tx;
  }

  get secure(): boolean {
    return this.tx !== undefined;
  }

  /**
   * Assemble one frame. `segments`: 1..4 logical segments; `alignments`: per-segment alignment
   * hints for the preamble (default 8, and 4096 for MESSAGE segment 3).
   */
  encode(tag: number, segments: readonly Buffer[], alignments?: readonly number[]): Buffer[] {
    checkTag(tag);
    const count = segments.length;
    if (count < 1 || count > MAX_SEGMENTS) throw new MsgrError('ERR_ENCODE_INVALID', `a frame has 1..4 segments, got ${count}`);
    let n = count;
    while (n > 1 && segments[n - 1]!.length === 0) n--;
    const lengths: number[] = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const l = segments[i]!.length;
      if (l > 0xffffffff) throw new MsgrError('ERR_ENCODE_INVALID', `segment ${i} longer than 2^32-1`);
      lengths[i] = l;
    }
    const defaults = tag === Tag.MESSAGE ? MESSAGE_ALIGNMENTS : CONTROL_ALIGNMENTS;
    const aligns: number[] = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const a = alignments?.[i] ?? defaults[i]!;
      if (!Number.isInteger(a) || a < 0 || a > 0xffff) throw new MsgrError('ERR_ENCODE_INVALID', `alignment ${a}`);
      aligns[i] = a;
    }
    if (this.tx === undefined) {
      return this.rev1 ? encodeCrcRev1(tag, segments, lengths, aligns, n) : encodeCrcRev0(tag, segments, lengths, aligns, n);
    }
    return this.rev1
      ? encodeSecureRev1(this.tx, tag, segments, lengths, aligns, n)
      : encodeSecureRev0(this.tx, tag, segments, lengths, aligns, n);
  }

  /** The frame as one contiguous buffer (tests, pre-auth transcript recording). */
  encodeBytes(tag: number, segments: readonly Buffer[], alignments?: readonly number[]): Buffer {
    return concatGather(this.encode(tag, segments, alignments));
  }
}

/** Convenience: `encoder.encode(...)` joined into one buffer. */
export function encodeFrameBytes(
  encoder: FrameEncoder,
  tag: number,
  segments: readonly Buffer[],
  alignments?: readonly number[],
): Buffer {
  return encoder.encodeBytes(tag, segments, alignments);
}

/** Join a gather list into one buffer. */
export function concatGather(list: readonly Buffer[]): Buffer {
  return list.length === 1 ? list[0]! : Buffer.concat(list as Buffer[]);
}

/** Total bytes of a gather list. */
export function gatherLength(list: readonly Buffer[]): number {
  let n = 0;
  for (const b of list) n += b.length;
  return n;
}

// ---------------------------------------------------------------- crc modes

function encodeCrcRev0(tag: number, segs: readonly Buffer[], lengths: number[], aligns: number[], n: number): Buffer[] {
  const meta = Buffer.allocUnsafe(PREAMBLE_LEN + EPILOGUE_CRC_REV0_LEN);
  writePreamble(meta, 0, tag, lengths, aligns, n);
  const out: Buffer[] = [meta.subarray(0, PREAMBLE_LEN)];
  const e = PREAMBLE_LEN;
  meta[e] = 0; // late_flags: complete
  for (let i = 0; i < MAX_SEGMENTS; i++) {
    if (i < n) {
      const s = segs[i]!;
      meta.writeUInt32LE(crc32c(0xffffffff, s), e + 1 + 4 * i);
      if (s.length > 0) out.push(s);
    } else meta.writeUInt32LE(0, e + 1 + 4 * i);
  }
  out.push(meta.subarray(e));
  return out;
}

function encodeCrcRev1(tag: number, segs: readonly Buffer[], lengths: number[], aligns: number[], n: number): Buffer[] {
  const epi = n > 1 ? EPILOGUE_CRC_REV1_LEN : 0;
  const meta = Buffer.allocUnsafe(PREAMBLE_LEN + CRC_LEN + epi);
  writePreamble(meta, 0, tag, lengths, aligns, n);
  const out: Buffer[] = [meta.subarray(0, PREAMBLE_LEN)];
  const s0 = segs[0]!;
  if (s0.length > 0) {
    meta.writeUInt32LE(crc32c(0xffffffff, s0), PREAMBLE_LEN);
    out.push(s0, meta.subarray(PREAMBLE_LEN, PREAMBLE_LEN + CRC_LEN));
  }
  if (n === 1) return out;
  const e = PREAMBLE_LEN + CRC_LEN;
  meta[e] = LATE_STATUS_COMPLETE;
  for (let i = 1; i < MAX_SEGMENTS; i++) {
    if (i < n) {
      const s = segs[i]!;
      meta.writeUInt32LE(crc32c(0xffffffff, s), e + 1 + 4 * (i - 1));
      if (s.length > 0) out.push(s);
    } else meta.writeUInt32LE(0, e + 1 + 4 * (i - 1));
  }
  out.push(meta.subarray(e));
  return out;
}

// ---------------------------------------------------------------- secure modes

/** Push segment i and its zero padding to 16 bytes onto a plaintext part list. */
function pushPadded(parts: Buffer[], s: Buffer): void {
  if (s.length === 0) return;
  parts.push(s);
  const pad = padded(s.length) - s.length;
  if (pad > 0) parts.push(ZEROS.subarray(0, pad));
}

function encodeSecureRev0(
  tx: SecureTx,
  tag: number,
  segs: readonly Buffer[],
  lengths: number[],
  aligns: number[],
  n: number,
): Buffer[] {
  const pre = Buffer.allocUnsafe(PREAMBLE_LEN);
  writePreamble(pre, 0, tag, lengths, aligns, n);
  const parts: Buffer[] = [pre];
  for (let i = 0; i < n; i++) pushPadded(parts, segs[i]!);
  parts.push(EPILOGUE_SECURE_REV0);
  const out: Buffer[] = [];
  tx.seal(parts, out);
  return out;
}

function encodeSecureRev1(
  tx: SecureTx,
  tag: number,
  segs: readonly Buffer[],
  lengths: number[],
  aligns: number[],
  n: number,
): Buffer[] {
  const s0 = segs[0]!;
  // preamble block: preamble + the first (up to) 48 bytes of segment 0, zero-padded to 80 bytes
  const block = Buffer.allocUnsafe(PREAMBLE_LEN + PREAMBLE_INLINE_LEN);
  writePreamble(block, 0, tag, lengths, aligns, n);
  const inl = Math.min(s0.length, PREAMBLE_INLINE_LEN);
  s0.copy(block, PREAMBLE_LEN, 0, inl);
  block.fill(0, PREAMBLE_LEN + inl);
  const out: Buffer[] = [];
  tx.seal([block], out);
  if (s0.length > PREAMBLE_INLINE_LEN) {
    const rest: Buffer[] = [];
    pushPadded(rest, s0.subarray(PREAMBLE_INLINE_LEN));
    tx.seal(rest, out);
  }
  if (n > 1) {
    const parts: Buffer[] = [];
    for (let i = 1; i < n; i++) pushPadded(parts, segs[i]!);
    parts.push(EPILOGUE_SECURE_REV1);
    tx.seal(parts, out);
  }
  return out;
}
