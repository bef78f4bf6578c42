/**
 * MMonGetVersion (type 19) → MMonGetVersionReply (type 20, v2/compat 2), matched by `handle`.
 * The mon also copies the request's header tid into the reply; librados leaves it 0. Both bodies
 * carry the header tid as `tid` (optional on encode, default 0).
 *
 * Request: le64 handle; string what ('osdmap', 'monmap', 'mdsmap', 'fsmap', …).
 * Reply: le64 handle; le64 version (last committed); le64 oldest_version (v2+; 0 before).
 */
import { encode } from '../encoding/writer.ts';
import { defineCodec, frontReader } from './define-codec.ts';
import { MsgType } from './msg-types.ts';

export interface MMonGetVersion {
  handle: bigint;
  what: string;
  tid?: bigint;
}

export const MMonGetVersionCodec = defineCodec<MMonGetVersion>({
  type: MsgType.MON_GET_VERSION,
  name: 'MMonGetVersion',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body) {
    return { front: encode((w) => w.u64(body.handle).string(body.what)), tid: body.tid ?? 0n };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    const handle = r.u64();
    const what = r.string();
    return { handle, what, tid: msg.tid };
  },
});

export interface MMonGetVersionReply {
  handle: bigint;
  version: bigint;
  oldestVersion: bigint;
  tid?: bigint;
}

export const MMonGetVersionReplyCodec = defineCodec<MMonGetVersionReply>({
  type: MsgType.MON_GET_VERSION_REPLY,
  name: 'MMonGetVersionReply',
  headVersion: 2,
  compatVersion: 2,
  encodePayload(body) {
    return {
      front: encode((w) => w.u64(body.handle).u64(body.version).u64(body.oldestVersion)),
      tid: body.tid ?? 0n,
    };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    const handle = r.u64();
    const version = r.u64();
    const oldestVersion = msg.version >= 2 ? r.u64() : 0n;
    return { handle, version, oldestVersion, tid: msg.tid };
  },
});
