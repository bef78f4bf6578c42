/**
 * msgr2 frame assembly in all four modes (wire §2.3–2.7): rev0/rev1 × crc/secure.
 *
 * `encode()` returns a gather list for one writev. In crc mode segments 1..3 and any segment 0
 * longer than {@link INLINE_SEGMENT0_MAX} appear in it as the caller's buffers (never copied; they
 * must stay unmodified until written); a short segment 0 (control payloads, the message header)
 * is copied next to the preamble, which is cheaper than two more buffer objects. In secure mode the
 * list holds ciphertext pieces and GCM tags. Segments are trimmed like Ceph's
 * `calc_num_segments`: trailing empty segments are dropped, an all-empty frame is one empty segment.
 *
 * `encodeMessage()` is the MESSAGE fast path: it writes ceph_msg_header2 straight into the
 * preamble buffer (no header buffer at all).
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import * as crcmod from '../../encoding/crc32c.ts';
import type { SecureTx } from './secure.ts';
import type { TxBatch } from './tx-batch.ts';
import * as hdrmod from './header2.ts';
import type { MsgHeader2 } from './header2.ts';
import * as layout from './frame-layout.ts';

// module-local copies of imported bindings (plain reads are cheaper on the hot path)
const { crc32c, crc32cTs } = crcmod;
const { encodeHeader2, HEADER2_LEN } = hdrmod;
const {
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
  writeU32,
} = layout;

const TAG_MESSAGE = 17;
/** Segment 0 up to this many bytes is copied next to the preamble in crc mode. */
export const INLINE_SEGMENT0_MAX = 128;
/** Control payloads up to this size are encoded in place by encodeTo(). */
const COPY_CONTROL_MAX = 4096;

const MESSAGE_ALIGNMENTS: readonly number[] = [DEFAULT_ALIGNMENT, DEFAULT_ALIGNMENT, DEFAULT_ALIGNMENT, PAGE_ALIGNMENT];
const CONTROL_ALIGNMENTS: readonly number[] = [DEFAULT_ALIGNMENT, DEFAULT_ALIGNMENT, DEFAULT_ALIGNMENT, DEFAULT_ALIGNMENT];
const EMPTY = Buffer.alloc(0);
/** Zero padding source (never written to). */
const ZEROS = Buffer.alloc(64);
/** Secure epilogues: rev0 late_flags 0, rev1 late_status COMPLETE, then 15 zero bytes. */
const EPILOGUE_SECURE_REV0 = Buffer.alloc(EPILOGUE_SECURE_LEN);
const EPILOGUE_SECURE_REV1 = Buffer.alloc(EPILOGUE_SECURE_LEN);
EPILOGUE_SECURE_REV1[0] = LATE_STATUS_COMPLETE;

export interface FrameEncoderOptions {
  /** msgr2.1 layout (both banners advertised REVISION_1). */
  rev1: boolean;
}

/**
 * Segment 0 is either a buffer or a message header to be encoded in place (`hdr`); the frame
 * assemblers below take both forms so the MESSAGE fast path shares their code.
 */
interface Seg0 {
  buf: Buffer;
  hdr: MsgHeader2 | undefined;
  len: number;
}

export class FrameEncoder {
  readonly rev1: boolean;
  private tx: SecureTx | undefined;
  // scratch, reused per call (encode is synchronous and not re-entrant)
  private readonly lengths: number[] = [0, 0, 0, 0];
  private readonly aligns: number[] = [0, 0, 0, 0];
  private readonly segs: Buffer[] = [EMPTY, EMPTY, EMPTY, EMPTY];
  private readonly s0: Seg0 = { buf: EMPTY, hdr: undefined, len: 0 };

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
    const segs = this.segs;
    for (let i = 0; i < MAX_SEGMENTS; i++) segs[i] = i < count ? segments[i]! : EMPTY;
    const s0 = this.s0;
    s0.buf = segs[0]!;
    s0.hdr = undefined;
    s0.len = s0.buf.length;
    return this.assemble(tag, alignments);
  }

  /**
   * MESSAGE fast path: segments [header2, front, middle, data] with header2 encoded in place.
   * Same bytes as `encode(Tag.MESSAGE, [encodeHeader2(header), front, middle, data], alignments)`.
   */
  encodeMessage(header: MsgHeader2, front: Buffer, middle: Buffer, data: Buffer, alignments?: readonly number[]): Buffer[] {
    const segs = this.segs;
    segs[0] = EMPTY;
    segs[1] = front;
    segs[2] = middle;
    segs[3] = data;
    const s0 = this.s0;
    s0.buf = EMPTY;
    s0.hdr = header;
    s0.len = HEADER2_LEN;
    return this.assemble(TAG_MESSAGE, alignments);
  }

  /**
   * MESSAGE into a TxBatch (the transmit fast path): in crc mode the preamble, header2, crcs,
   * epilogue and small payload segments are written straight into the batch's slab, large ones are
   * referenced; secure mode appends the encrypted pieces. Same bytes as encodeMessage().
   */
  encodeMessageTo(b: TxBatch, header: MsgHeader2, front: Buffer, middle: Buffer, data: Buffer): void {
    if (this.tx !== undefined) {
      // secure: the cipher hands back new buffers; small ones (tags, short ciphertexts) are
      // copied into the slab so a run of frames stays one buffer for the socket
      b.appendAll(this.encodeMessage(header, front, middle, data));
      return;
    }
    const n = data.length > 0 ? 4 : middle.length > 0 ? 3 : front.length > 0 ? 2 : 1;
    const lengths = this.lengths;
    lengths[0] = HEADER2_LEN;
    lengths[1] = front.length;
    lengths[2] = middle.length;
    lengths[3] = data.length;
    const rev1 = this.rev1;
    const headLen = PREAMBLE_LEN + HEADER2_LEN + (rev1 ? CRC_LEN : 0);
    const s = b.room(headLen);
    const at = b.pos;
    writePreamble(s, at, TAG_MESSAGE, lengths, MESSAGE_ALIGNMENTS, n);
    encodeHeader2(header, s, at + PREAMBLE_LEN);
    const hcrc = crc32cTs(0xffffffff, s, at + PREAMBLE_LEN, at + PREAMBLE_LEN + HEADER2_LEN);
    if (rev1) writeU32(s, at + PREAMBLE_LEN + HEADER2_LEN, hcrc);
    b.advance(headLen);
    let c1 = 0;
    let c2 = 0;
    let c3 = 0;
    if (n > 1) {
      c1 = crc32c(0xffffffff, front);
      b.append(front);
    }
    if (n > 2) {
      c2 = crc32c(0xffffffff, middle);
      b.append(middle);
    }
    if (n > 3) {
      c3 = crc32c(0xffffffff, data);
      b.append(data);
    }
    if (rev1) {
      if (n === 1) return;
      const e = b.room(EPILOGUE_CRC_REV1_LEN);
      const o = b.pos;
      e[o] = LATE_STATUS_COMPLETE;
      writeU32(e, o + 1, c1);
      writeU32(e, o + 5, c2);
      writeU32(e, o + 9, c3);
      b.advance(EPILOGUE_CRC_REV1_LEN);
    } else {
      const e = b.room(EPILOGUE_CRC_REV0_LEN);
      const o = b.pos;
      e[o] = 0;
      writeU32(e, o + 1, hcrc);
      writeU32(e, o + 5, c1);
      writeU32(e, o + 9, c2);
      writeU32(e, o + 13, c3);
      b.advance(EPILOGUE_CRC_REV0_LEN);
    }
  }

  /** A one-segment control frame into a TxBatch (crc mode in place; secure mode appended). */
  encodeTo(b: TxBatch, tag: number, payload: Buffer): void {
    if (this.tx !== undefined || payload.length > COPY_CONTROL_MAX) {
      b.appendAll(this.encode(tag, [payload]));
      return;
    }
    const l = payload.length;
    const lengths = this.lengths;
    lengths[0] = l;
    const rev1 = this.rev1;
    const len = PREAMBLE_LEN + l + (rev1 ? (l > 0 ? CRC_LEN : 0) : EPILOGUE_CRC_REV0_LEN);
    const s = b.room(len);
    const at = b.pos;
    writePreamble(s, at, tag, lengths, CONTROL_ALIGNMENTS, 1);
    payload.copy(s, at + PREAMBLE_LEN);
    const c0 = crc32cTs(0xffffffff, s, at + PREAMBLE_LEN, at + PREAMBLE_LEN + l);
    const e = at + PREAMBLE_LEN + l;
    if (rev1) {
      if (l > 0) writeU32(s, e, c0);
    } else {
      s[e] = 0;
      writeU32(s, e + 1, c0);
      writeU32(s, e + 5, 0);
      writeU32(s, e + 9, 0);
      writeU32(s, e + 13, 0);
    }
    b.advance(len);
  }

  /** The frame as one contiguous buffer (tests, pre-auth transcript recording). */
  encodeBytes(tag: number, segments: readonly Buffer[], alignments?: readonly number[]): Buffer {
    return concatGather(this.encode(tag, segments, alignments));
  }

  private assemble(tag: number, alignments: readonly number[] | undefined): Buffer[] {
    const segs = this.segs;
    const s0 = this.s0;
    const lengths = this.lengths;
    const aligns = this.aligns;
    let n = MAX_SEGMENTS;
    while (n > 1 && segs[n - 1]!.length === 0) n--;
    const defaults = tag === TAG_MESSAGE ? MESSAGE_ALIGNMENTS : CONTROL_ALIGNMENTS;
    for (let i = 0; i < n; i++) {
      const l = i === 0 ? s0.len : segs[i]!.length;
      if (l > 0xffffffff) throw new MsgrError('ERR_ENCODE_INVALID', `segment ${i} longer than 2^32-1`);
      lengths[i] = l;
      const a = alignments === undefined ? defaults[i]! : (alignments[i] ?? defaults[i]!);
      if (!(a >= 0 && a <= 0xffff && Number.isInteger(a))) throw new MsgrError('ERR_ENCODE_INVALID', `alignment ${a}`);
      aligns[i] = a;
    }
    const tx = this.tx;
    try {
      if (tx === undefined) return this.rev1 ? crcRev1(tag, s0, segs, lengths, aligns, n) : crcRev0(tag, s0, segs, lengths, aligns, n);
      return this.rev1 ? secureRev1(tx, tag, s0, segs, lengths, aligns, n) : secureRev0(tx, tag, s0, segs, lengths, aligns, n);
    } finally {
      // do not keep the caller's buffers alive through the scratch slots
      segs[0] = segs[1] = segs[2] = segs[3] = EMPTY;
      s0.buf = EMPTY;
      s0.hdr = undefined;
    }
  }
}

/** Convenience: `encoder.encode(...)` joined into one buffer. */
export function encodeFrameBytes(encoder: FrameEncoder, tag: number, segments: readonly Buffer[], alignments?: readonly number[]): Buffer {
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

/** Write segment 0 (copy, or encode the header) into `b` at `at`. */
function putSeg0(s0: Seg0, b: Buffer, at: number): void {
  if (s0.hdr !== undefined) encodeHeader2(s0.hdr, b, at);
  else s0.buf.copy(b, at);
}

// ---------------------------------------------------------------- crc modes

/** rev0: preamble, segments, epilogue(17) = late_flags + crc[4]. */
function crcRev0(tag: number, s0: Seg0, segs: Buffer[], lengths: number[], aligns: number[], n: number): Buffer[] {
  const inl = s0.hdr !== undefined || s0.len <= INLINE_SEGMENT0_MAX ? s0.len : 0;
  const head = PREAMBLE_LEN + inl;
  const meta = Buffer.allocUnsafe(head + EPILOGUE_CRC_REV0_LEN);
  writePreamble(meta, 0, tag, lengths, aligns, n);
  let crc0: number;
  if (inl > 0) {
    putSeg0(s0, meta, PREAMBLE_LEN);
    crc0 = crc32cTs(0xffffffff, meta, PREAMBLE_LEN, head);
  } else crc0 = crc32c(0xffffffff, s0.buf);
  // epilogue
  meta[head] = 0;
  writeU32(meta, head + 1, crc0);
  for (let i = 1; i < MAX_SEGMENTS; i++) writeU32(meta, head + 1 + 4 * i, i < n ? crc32c(0xffffffff, segs[i]!) : 0);
  if (n === 1 && (inl > 0 || s0.len === 0)) return [meta];
  const out: Buffer[] = [meta.subarray(0, head)];
  if (inl === 0 && s0.len > 0) out.push(s0.buf);
  for (let i = 1; i < n; i++) if (segs[i]!.length > 0) out.push(segs[i]!);
  out.push(meta.subarray(head));
  return out;
}

/** rev1: preamble, [segment 0 + crc], segments 1.., [epilogue(13) = late_status + crc[3]] if n > 1. */
function crcRev1(tag: number, s0: Seg0, segs: Buffer[], lengths: number[], aligns: number[], n: number): Buffer[] {
  const l0 = s0.len;
  const inl = s0.hdr !== undefined || l0 <= INLINE_SEGMENT0_MAX ? l0 : 0;
  const epi = n > 1 ? EPILOGUE_CRC_REV1_LEN : 0;
  const c0 = l0 > 0 ? CRC_LEN : 0;
  const meta = Buffer.allocUnsafe(PREAMBLE_LEN + inl + c0 + epi);
  writePreamble(meta, 0, tag, lengths, aligns, n);
  const out: Buffer[] = [];
  let head = PREAMBLE_LEN;
  if (inl > 0) {
    putSeg0(s0, meta, PREAMBLE_LEN);
    head += inl;
    writeU32(meta, head, crc32cTs(0xffffffff, meta, PREAMBLE_LEN, head));
    head += CRC_LEN;
  } else if (l0 > 0) {
    out.push(meta.subarray(0, PREAMBLE_LEN), s0.buf);
    writeU32(meta, PREAMBLE_LEN, crc32c(0xffffffff, s0.buf));
  }
  if (n === 1) {
    if (out.length === 0) out.push(meta);
    else out.push(meta.subarray(PREAMBLE_LEN));
    return out;
  }
  const e = inl > 0 || l0 === 0 ? head : PREAMBLE_LEN + CRC_LEN;
  if (out.length === 0) out.push(meta.subarray(0, e));
  else out.push(meta.subarray(PREAMBLE_LEN, e));
  meta[e] = LATE_STATUS_COMPLETE;
  for (let i = 1; i < MAX_SEGMENTS; i++) {
    if (i < n) {
      const s = segs[i]!;
      writeU32(meta, e + 1 + 4 * (i - 1), crc32c(0xffffffff, s));
      if (s.length > 0) out.push(s);
    } else writeU32(meta, e + 1 + 4 * (i - 1), 0);
  }
  out.push(meta.subarray(e));
  return out;
}

// ---------------------------------------------------------------- secure modes

/** Push a segment and its zero padding to 16 bytes onto a plaintext part list. */
function pushPadded(parts: Buffer[], s: Buffer): void {
  if (s.length === 0) return;
  parts.push(s);
  const pad = padded(s.length) - s.length;
  if (pad > 0) parts.push(ZEROS.subarray(0, pad));
}

/** rev0: one GCM operation over preamble || padded segments || epilogue(16). */
function secureRev0(tx: SecureTx, tag: number, s0: Seg0, segs: Buffer[], lengths: number[], aligns: number[], n: number): Buffer[] {
  const inl = s0.hdr !== undefined || s0.len <= INLINE_SEGMENT0_MAX ? padded(s0.len) : 0;
  const head = Buffer.allocUnsafe(PREAMBLE_LEN + inl);
  writePreamble(head, 0, tag, lengths, aligns, n);
  const parts: Buffer[] = [head];
  if (inl > 0 || s0.len === 0) {
    putSeg0(s0, head, PREAMBLE_LEN);
    head.fill(0, PREAMBLE_LEN + s0.len);
  } else pushPadded(parts, s0.buf);
  for (let i = 1; i < n; i++) pushPadded(parts, segs[i]!);
  parts.push(EPILOGUE_SECURE_REV0);
  const out: Buffer[] = [];
  tx.seal(parts, out);
  return out;
}

/**
 * rev1: preamble block (preamble + first 48 bytes of padded segment 0) → 96 bytes; the rest of
 * segment 0 (if padded > 48) → its own operation; segments 1.. + epilogue → a third one.
 */
function secureRev1(tx: SecureTx, tag: number, s0: Seg0, segs: Buffer[], lengths: number[], aligns: number[], n: number): Buffer[] {
  const l0 = s0.len;
  const block = Buffer.allocUnsafe(PREAMBLE_LEN + PREAMBLE_INLINE_LEN);
  writePreamble(block, 0, tag, lengths, aligns, n);
  const inl = l0 < PREAMBLE_INLINE_LEN ? l0 : PREAMBLE_INLINE_LEN;
  if (s0.hdr !== undefined) encodeHeader2(s0.hdr, block, PREAMBLE_LEN); // 41 ≤ 48 bytes
  else s0.buf.copy(block, PREAMBLE_LEN, 0, inl);
  block.fill(0, PREAMBLE_LEN + inl);
  const out: Buffer[] = [];
  tx.seal1(block, out);
  if (l0 > PREAMBLE_INLINE_LEN) {
    const rest: Buffer[] = [];
    pushPadded(rest, s0.buf.subarray(PREAMBLE_INLINE_LEN));
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
