/**
 * Tiny, test-only splitters for the captured streams, so the auth golden tests do not depend on
 * the real frame decoder (written elsewhere). Only what the auth tests need:
 *  - msgr2 rev1 crc streams: banner, then frames (preamble + seg0 + crc, extra segments + epilogue);
 *  - msgr2 rev1 secure streams: the same up to AUTH_DONE; after that the raw remaining bytes;
 *  - msgr1 streams: banner/addresses/connect walk, then tagged records (MSG with header/footer).
 */

export interface CapturedFrame {
  tag: number;
  /** logical segment payloads (segment 0 first) */
  segments: Buffer[];
  /** exact on-wire bytes of the frame */
  raw: Buffer;
  /** offset of the frame in the direction's stream */
  offset: number;
}

export interface V2Walk {
  banner: Buffer;
  frames: CapturedFrame[];
  /** bytes after the last frame parsed in clear (secure mode: the encrypted part) */
  rest: Buffer;
  restOffset: number;
}

export const TAG = {
  HELLO: 1,
  AUTH_REQUEST: 2,
  AUTH_BAD_METHOD: 3,
  AUTH_REPLY_MORE: 4,
  AUTH_REQUEST_MORE: 5,
  AUTH_DONE: 6,
  AUTH_SIGNATURE: 7,
  MESSAGE: 17,
} as const;

/**
 * Split a rev1 crc-mode stream into frames. With `stopAfterTag`, stop after the first frame with
 * that tag (the rest of the stream is returned undecoded, e.g. secure frames after AUTH_DONE).
 */
export function walkV2(stream: Buffer, stopAfterTag?: number): V2Walk {
  const bannerLen = 10 + stream.readUInt16LE(8);
  const banner = stream.subarray(0, bannerLen);
  const frames: CapturedFrame[] = [];
  let off = bannerLen;
  while (off + 32 <= stream.length) {
    const start = off;
    const tag = stream[off]!;
    const nseg = stream[off + 1]!;
    const lens: number[] = [];
    for (let i = 0; i < nseg; i++) lens.push(stream.readUInt32LE(off + 2 + i * 6));
    off += 32;
    const segments: Buffer[] = [];
    const l0 = lens[0]!;
    segments.push(stream.subarray(off, off + l0));
    off += l0 > 0 ? l0 + 4 : 0;
    for (let i = 1; i < nseg; i++) {
      segments.push(stream.subarray(off, off + lens[i]!));
      off += lens[i]!;
    }
    if (nseg > 1) off += 13;
    if (off > stream.length) throw new Error(`truncated frame at ${start}`);
    frames.push({ tag, segments, raw: stream.subarray(start, off), offset: start });
    if (stopAfterTag !== undefined && tag === stopAfterTag) break;
  }
  return { banner, frames, rest: stream.subarray(off), restOffset: off };
}

/**
 * Client side of a secure stream: the clear frames (HELLO, AUTH_REQUEST, AUTH_REQUEST_MORE) up to
 * the first encrypted frame, whose bytes start `rest`.
 */
export function walkV2ClearClient(stream: Buffer): V2Walk {
  const bannerLen = 10 + stream.readUInt16LE(8);
  const frames: CapturedFrame[] = [];
  let off = bannerLen;
  for (;;) {
    const tag = stream[off]!;
    if (tag !== TAG.HELLO && tag !== TAG.AUTH_REQUEST && tag !== TAG.AUTH_REQUEST_MORE) break;
    const start = off;
    const l0 = stream.readUInt32LE(off + 2);
    off += 32 + (l0 > 0 ? l0 + 4 : 0);
    frames.push({ tag, segments: [stream.subarray(start + 32, start + 32 + l0)], raw: stream.subarray(start, off), offset: start });
  }
  return { banner: stream.subarray(0, bannerLen), frames, rest: stream.subarray(off), restOffset: off };
}

export function firstFrame(w: V2Walk, tag: number): CapturedFrame {
  const f = w.frames.find((x) => x.tag === tag);
  if (!f) throw new Error(`no frame with tag ${tag}`);
  return f;
}

/** The auth_payload blob inside AUTH_REQUEST / AUTH_REPLY_MORE / AUTH_REQUEST_MORE / AUTH_DONE. */
export function authPayload(f: CapturedFrame): { payload: Buffer; method?: number; modes?: number[]; globalId?: bigint; conMode?: number } {
  const s = f.segments[0]!;
  switch (f.tag) {
    case TAG.AUTH_REQUEST: {
      const method = s.readUInt32LE(0);
      const n = s.readUInt32LE(4);
      const modes: number[] = [];
      for (let i = 0; i < n; i++) modes.push(s.readUInt32LE(8 + i * 4));
      const at = 8 + n * 4;
      const len = s.readUInt32LE(at);
      return { payload: s.subarray(at + 4, at + 4 + len), method, modes };
    }
    case TAG.AUTH_REPLY_MORE:
    case TAG.AUTH_REQUEST_MORE: {
      const len = s.readUInt32LE(0);
      return { payload: s.subarray(4, 4 + len) };
    }
    case TAG.AUTH_DONE: {
      const globalId = s.readBigUInt64LE(0);
      const conMode = s.readUInt32LE(8);
      const len = s.readUInt32LE(12);
      return { payload: s.subarray(16, 16 + len), globalId, conMode };
    }
    default:
      throw new Error(`tag ${f.tag} has no auth payload`);
  }
}

// ---------------------------------------------------------------------------------------------
// msgr1

export interface V1Message {
  type: number;
  front: Buffer;
  middle: Buffer;
  data: Buffer;
}

/**
 * Walk one direction of a msgr1 stream and return its messages (after the banner, addresses,
 * connect / connect_reply and the TAG_SEQ exchange). Footers are skipped (21 bytes, MSG_AUTH).
 */
export function walkV1(stream: Buffer, dir: 'c2s' | 's2c'): V1Message[] {
  let off: number;
  if (dir === 's2c') {
    off = 9 + 136 + 136;
    // connect reply: 26 bytes + authorizer_len
    const tag = stream[off]!;
    const authLen = stream.readUInt32LE(off + 21);
    off += 26 + authLen;
    if (tag === 13) off += 8; // TAG_SEQ: le64 in_seq
  } else {
    off = 9 + 136;
    const authLen = stream.readUInt32LE(off + 28);
    off += 33 + authLen;
    off += 8; // answer to TAG_SEQ: le64 in_seq
  }
  const out: V1Message[] = [];
  while (off < stream.length) {
    const tag = stream[off]!;
    off += 1;
    if (tag === 7) {
      const h = stream.subarray(off, off + 53);
      const type = h.readUInt16LE(16);
      const frontLen = h.readUInt32LE(22);
      const middleLen = h.readUInt32LE(26);
      const dataLen = h.readUInt32LE(30);
      off += 53;
      const front = stream.subarray(off, off + frontLen);
      off += frontLen;
      const middle = stream.subarray(off, off + middleLen);
      off += middleLen;
      const data = stream.subarray(off, off + dataLen);
      off += dataLen + 21;
      out.push({ type, front, middle, data });
    } else if (tag === 8) off += 8;
    else if (tag === 14 || tag === 15) off += 8;
    else if (tag === 9 || tag === 6) continue;
    else throw new Error(`msgr1 walk: unexpected tag ${tag} at ${off - 1}`);
  }
  return out;
}
