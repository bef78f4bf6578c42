/**
 * MAuth (type 17) and MAuthReply (type 18): the msgr1-era mon authentication exchange
 * (wire §6.9). msgr2 carries auth in its handshake, but mons still accept MAuth for ticket
 * renewal and msgr1 clients use it from the start.
 *
 * MAuth: paxos prefix; le32 protocol; blob auth_payload; le32 monmap_epoch (absent in very old
 * senders: decodes as 0). MAuthReply: le32 protocol; s32 result; le64 global_id; blob result_bl;
 * string result_msg (no paxos prefix).
 */
import type { Buffer } from 'node:buffer';
import { encode } from '../encoding/writer.ts';
import { defineCodec, frontReader } from './define-codec.ts';
import { MsgType } from './msg-types.ts';
import { DEFAULT_PAXOS_PREFIX, decodePaxosPrefix, encodePaxosPrefix, type PaxosPrefix } from './paxos-prefix.ts';

export interface MAuth {
  paxos?: PaxosPrefix;
  /** auth method: 0 = the initial "which methods" request, 1 none, 2 cephx */
  protocol: number;
  authPayload: Buffer;
  monmapEpoch: number;
}

export const MAuthCodec = defineCodec<MAuth>({
  type: MsgType.AUTH,
  name: 'MAuth',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body) {
    return {
      front: encode((w) => {
        encodePaxosPrefix(w, body.paxos ?? DEFAULT_PAXOS_PREFIX);
        w.u32(body.protocol).blob(body.authPayload).u32(body.monmapEpoch);
      }),
    };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    const paxos = decodePaxosPrefix(r);
    const protocol = r.u32();
    const authPayload = r.blob();
    const monmapEpoch = r.remaining > 0 ? r.u32() : 0;
    return { paxos, protocol, authPayload, monmapEpoch };
  },
});

export interface MAuthReply {
  protocol: number;
  /** 0 or a negative errno */
  result: number;
  globalId: bigint;
  resultBl: Buffer;
  resultMsg: string;
}

export const MAuthReplyCodec = defineCodec<MAuthReply>({
  type: MsgType.AUTH_REPLY,
  name: 'MAuthReply',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body) {
    return {
      front: encode((w) => {
        w.u32(body.protocol).s32(body.result).u64(body.globalId).blob(body.resultBl).string(body.resultMsg);
      }),
    };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    const protocol = r.u32();
    const result = r.s32();
    const globalId = r.u64();
    const resultBl = r.blob();
    const resultMsg = r.string();
    return { protocol, result, globalId, resultBl, resultMsg };
  },
});
