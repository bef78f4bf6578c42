/**
 * Shared msgr2 frame layout constants and the preamble block (wire §2.1, §2.7), used by the frame
 * encoder and decoder.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import * as crc from '../../encoding/crc32c.ts';

// module-local copy: a plain variable read is cheaper than an imported binding under the TS loader
const { crc32cTs } = crc;

export const PREAMBLE_LEN = 32;
export const MAX_SEGMENTS = 4;
/** Bytes of segment 0 carried inside the rev1 secure preamble block. */
export const PREAMBLE_INLINE_LEN = 48;
export const CRC_LEN = 4;
export const EPILOGUE_CRC_REV0_LEN = 17; // u8 late_flags + 4 × le32 crc
export const EPILOGUE_CRC_REV1_LEN = 13; // u8 late_status + 3 × le32 crc
export const EPILOGUE_SECURE_LEN = 16; // u8 late flags/status + 15 zero bytes (then the GCM tag)
export const CRYPTO_BLOCK = 16;
export const TAG_LEN = 16;

/** Segment alignments Ceph sends: sizeof(void*) for control payloads and message header/front/middle. */
export const DEFAULT_ALIGNMENT = 8;
/** …and a page for message data (segment 3). */
export const PAGE_ALIGNMENT = 4096;

/** rev0 late_flags bit 0: the sender aborted the frame. */
export const LATE_FLAG_ABORTED = 0x01;
/** rev1 late_status code words (low nibble); the high nibble is reserved. */
export const LATE_STATUS_ABORTED = 0x01;
export const LATE_STATUS_COMPLETE = 0x0e;

/** Default cap on one segment's logical length (see FrameDecoder.maxSegmentLength). */
export const DEFAULT_MAX_SEGMENT_LENGTH = 256 * 1024 * 1024;

/** Round up to the 16-byte crypto block. */
export function padded(n: number): number {
  const r = n % CRYPTO_BLOCK;
  return r === 0 ? n : n + CRYPTO_BLOCK - r;
}

export interface FrameMode {
  rev1: boolean;
  secure: boolean;
}

/** On-wire byte counts of each part of a frame (wire §2.7 table): preamble, each segment, epilogue. */
export interface OnwireParts {
  preamble: number;
  segments: number[];
  epilogue: number;
  total: number;
}

export function onwireParts(mode: FrameMode, lengths: readonly number[]): OnwireParts {
  const n = lengths.length;
  const segments: number[] = new Array<number>(n);
  let preamble: number;
  let epilogue: number;
  if (!mode.secure) {
    preamble = PREAMBLE_LEN;
    for (let i = 0; i < n; i++) segments[i] = lengths[i]!;
    if (mode.rev1) {
      if (lengths[0]! > 0) segments[0] = lengths[0]! + CRC_LEN;
      epilogue = n > 1 ? EPILOGUE_CRC_REV1_LEN : 0;
    } else epilogue = EPILOGUE_CRC_REV0_LEN;
  } else {
    for (let i = 0; i < n; i++) segments[i] = padded(lengths[i]!);
    if (mode.rev1) {
      preamble = PREAMBLE_LEN + PREAMBLE_INLINE_LEN + TAG_LEN;
      const p0 = segments[0]!;
      segments[0] = p0 > PREAMBLE_INLINE_LEN ? p0 - PREAMBLE_INLINE_LEN + TAG_LEN : 0;
      epilogue = n > 1 ? EPILOGUE_SECURE_LEN + TAG_LEN : 0;
    } else {
      preamble = PREAMBLE_LEN;
      epilogue = EPILOGUE_SECURE_LEN + TAG_LEN;
    }
  }
  let total = preamble + epilogue;
  for (let i = 0; i < n; i++) total += segments[i]!;
  return { preamble, segments, epilogue, total };
}

/**
 * Write the 32-byte preamble for `n` segments into `b` at `at`: tag, count, descriptors (unused
 * ones zero), two reserved zero bytes, crc32c(seed 0) of the first 28 bytes.
 */
export function writePreamble(
  b: Buffer,
  at: number,
  tag: number,
  lengths: readonly number[],
  alignments: readonly number[],
  n: number,
): void {
  b[at] = tag;
  b[at + 1] = n;
  for (let i = 0; i < MAX_SEGMENTS; i++) {
    const o = at + 2 + i * 6;
    if (i < n) {
      const l = lengths[i]!;
      const a = alignments[i]!;
      b[o] = l;
      b[o + 1] = l >>> 8;
      b[o + 2] = l >>> 16;
      b[o + 3] = l >>> 24;
      b[o + 4] = a;
      b[o + 5] = a >>> 8;
    } else {
      b[o] = 0;
      b[o + 1] = 0;
      b[o + 2] = 0;
      b[o + 3] = 0;
      b[o + 4] = 0;
      b[o + 5] = 0;
    }
  }
  b[at + 26] = 0;
  b[at + 27] = 0;
  writeU32(b, at + 28, crc32cTs(0, b, at, at + 28));
}

/** Little-endian u32 store without Buffer's bounds-check wrapper (caller guarantees room). */
export function writeU32(b: Buffer, at: number, v: number): void {
  b[at] = v;
  b[at + 1] = v >>> 8;
  b[at + 2] = v >>> 16;
  b[at + 3] = v >>> 24;
}

/** Little-endian u32 load (caller guarantees 4 bytes). */
export function readU32(b: Buffer, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
}

export function checkTag(tag: number): void {
  if (!Number.isInteger(tag) || tag < 1 || tag > 255) throw new MsgrError('ERR_ENCODE_INVALID', `frame tag ${tag}`);
}
