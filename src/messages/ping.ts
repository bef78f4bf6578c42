/**
 * MPing (type 2). Ceph's MPing has an empty payload, but the segments are kept as they are:
 * a mon answers an MPing with an MPing whose front is a string (le32 length + JSON with "health"
 * and "mon_status", see {@link pingReplyText}), and ceph-msgr's own test workloads carry payload
 * in the data segment. Body = the three segments (views on decode; empty ones may be omitted).
 *
 * Header versions: Ceph's MPing is version 1 with compat 0; Ceph fixes compat up to the version
 * only when it encodes the payload itself, i.e. when the front is empty. A mon's reply (front set
 * directly) therefore goes out as v1/compat 0 [LIVE]. The encoder mirrors that rule.
 */
import { Buffer } from 'node:buffer';
import { Reader } from '../encoding/reader.ts';
import { defineCodec } from './define-codec.ts';
import { MsgType } from './msg-types.ts';

export interface MPing {
  front?: Buffer;
  middle?: Buffer;
  data?: Buffer;
}

export const MPingCodec = defineCodec<MPing>({
  type: MsgType.PING,
  name: 'MPing',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body) {
    const front = body.front ?? Buffer.alloc(0);
    return {
      front,
      ...(body.middle !== undefined ? { middle: body.middle } : {}),
      ...(body.data !== undefined ? { data: body.data } : {}),
      compatVersion: front.length > 0 ? 0 : 1,
    };
  },
  decodePayload(msg) {
    return { front: msg.front, middle: msg.middle, data: msg.data };
  },
});

/** The text of a mon's MPing reply (front = le32 length + string); throws ERR_DECODE_* if malformed. */
export function pingReplyText(body: MPing): string {
  return new Reader(body.front ?? Buffer.alloc(0)).string();
}

/** The front of a mon-style MPing reply carrying `text`. */
export function pingReplyFront(text: string): Buffer {
  const b = Buffer.from(text, 'utf8');
  const out = Buffer.alloc(4 + b.length);
  out.writeUInt32LE(b.length, 0);
  b.copy(out, 4);
  return out;
}
