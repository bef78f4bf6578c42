/**
 * What the mon sends a MonClient, decoded into one tagged value per message (so the MonClient's
 * dispatcher is a small switch over meanings, not over codecs). Undecodable payloads throw the
 * codec's MsgrError (the MonClient then drops the session, as Ceph would fault the connection).
 */
import type { Buffer } from 'node:buffer';
import { MAuthReplyCodec, type MAuthReply } from '../messages/auth.ts';
import { MConfigCodec } from '../messages/config.ts';
import type { Message } from '../messages/message.ts';
import { MMgrMapCodec, type MMgrMap } from '../messages/mgr-map.ts';
import { MMonCommandAckCodec } from '../messages/mon-command.ts';
import { MMonGetVersionReplyCodec } from '../messages/mon-get-version.ts';
import { MMonMapCodec, monAddrs, type MonMap } from '../messages/mon-map.ts';
import { MsgType } from '../messages/msg-types.ts';
import { MOSDMapCodec, type MOSDMap } from '../messages/osd-map.ts';
import type { MonAddr } from '../config/mon-host.ts';

export type Incoming =
  | { kind: 'monmap'; monmap: MonMap }
  | { kind: 'command-ack'; tid: bigint; r: number; rs: string; data: Buffer }
  | { kind: 'version'; handle: bigint; version: bigint; oldestVersion: bigint }
  | { kind: 'config'; config: Map<string, string> }
  | { kind: 'osdmap'; map: MOSDMap }
  | { kind: 'mgrmap'; map: MMgrMap }
  | { kind: 'auth-reply'; reply: MAuthReply }
  | { kind: 'other'; type: number };

export function decodeIncoming(msg: Message, features: bigint): Incoming {
  switch (msg.type) {
    case MsgType.MON_MAP:
      return { kind: 'monmap', monmap: MMonMapCodec.decode(msg, features).monmap! };
    case MsgType.MON_COMMAND_ACK: {
      const a = MMonCommandAckCodec.decode(msg, features);
      return { kind: 'command-ack', tid: msg.tid, r: a.r, rs: a.rs, data: msg.data };
    }
    case MsgType.MON_GET_VERSION_REPLY: {
      const v = MMonGetVersionReplyCodec.decode(msg, features);
      return { kind: 'version', handle: v.handle, version: v.version, oldestVersion: v.oldestVersion };
    }
    case MsgType.CONFIG:
      return { kind: 'config', config: MConfigCodec.decode(msg, features).config };
    case MsgType.OSD_MAP:
      return { kind: 'osdmap', map: MOSDMapCodec.decode(msg, features) };
    case MsgType.MGR_MAP:
      return { kind: 'mgrmap', map: MMgrMapCodec.decode(msg, features) };
    case MsgType.AUTH_REPLY:
      return { kind: 'auth-reply', reply: MAuthReplyCodec.decode(msg, features) };
    default:
      return { kind: 'other', type: msg.type };
  }
}

/** The hunting list a monmap gives: mons with addresses, with their priority and weight. */
export function monsOfMonMap(mm: MonMap): MonAddr[] {
  return monAddrs(mm)
    .filter((e) => e.addrs.length > 0)
    .map((e) => {
      const info = mm.mons.get(e.name);
      return { name: e.name, addrs: e.addrs, priority: info?.priority ?? 0, weight: info?.weight ?? 0 };
    });
}
