/**
 * MMonCommand (type 50) → MMonCommandAck (type 51), matched by the header tid (wire §7.2, §10.15).
 *
 * MMonCommand: paxos prefix; fsid (must be the cluster's, else -EPERM); vector<string> cmd (each a
 * JSON object text, normally one); optional input in the **data** segment.
 * MMonCommandAck: paxos prefix; s32 r (0 or -errno); string rs (status text); vector<string> cmd
 * (echo); the command's output is the **data** segment.
 */
import { Buffer } from 'node:buffer';
import { encode } from '../encoding/writer.ts';
import { decodeUuid, encodeUuid } from '../encoding/types/uuid.ts';
import { defineCodec, frontReader } from './define-codec.ts';
import { MsgType } from './msg-types.ts';
import { DEFAULT_PAXOS_PREFIX, decodePaxosPrefix, encodePaxosPrefix, type PaxosPrefix } from './paxos-prefix.ts';

export interface MMonCommand {
  paxos?: PaxosPrefix;
  fsid: string;
  cmd: string[];
  /** input payload (data segment) */
  inbl?: Buffer;
  tid?: bigint;
}

export const MMonCommandCodec = defineCodec<MMonCommand>({
  type: MsgType.MON_COMMAND,
  name: 'MMonCommand',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body) {
    const front = encode((w) => {
      encodePaxosPrefix(w, body.paxos ?? DEFAULT_PAXOS_PREFIX);
      encodeUuid(w, body.fsid);
      w.stringList(body.cmd);
    });
    return { front, data: body.inbl ?? Buffer.alloc(0), tid: body.tid ?? 0n };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    const paxos = decodePaxosPrefix(r);
    const fsid = decodeUuid(r);
    const cmd = r.stringList();
    return { paxos, fsid, cmd, inbl: msg.data, tid: msg.tid };
  },
});

export interface MMonCommandAck {
  paxos?: PaxosPrefix;
  /** 0 or a negative errno */
  r: number;
  rs: string;
  cmd: string[];
  /** command output (data segment) */
  outbl?: Buffer;
  tid?: bigint;
}

export const MMonCommandAckCodec = defineCodec<MMonCommandAck>({
  type: MsgType.MON_COMMAND_ACK,
  name: 'MMonCommandAck',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body) {
    const front = encode((w) => {
      encodePaxosPrefix(w, body.paxos ?? DEFAULT_PAXOS_PREFIX);
      w.s32(body.r).string(body.rs).stringList(body.cmd);
    });
    return { front, data: body.outbl ?? Buffer.alloc(0), tid: body.tid ?? 0n };
  },
  decodePayload(msg) {
    const rd = frontReader(msg);
    const paxos = decodePaxosPrefix(rd);
    const r = rd.s32();
    const rs = rd.string();
    const cmd = rd.stringList();
    return { paxos, r, rs, cmd, outbl: msg.data, tid: msg.tid };
  },
});
