/**
 * MMonSubscribe (type 15, v3/compat 1) and MMonSubscribeAck (type 16).
 *
 * v2+: map<string what, ceph_mon_subscribe_item{le64 start, u8 flags}>, then (v3+) string hostname.
 * Towards a peer without SUBSCRIBE2 Ceph sends header version 0 and the legacy item
 * {le64 unused, le64 have, u8 onetime} with have = start - 1 (0 stays 0); a decoder seeing
 * version < 2 reads that form back (start = have + 1, or 0). Both directions are implemented.
 */
import { MsgrError } from '../errors.ts';
import { encode } from '../encoding/writer.ts';
import { Feature, hasFeature } from '../encoding/types/features.ts';
import { decodeUuid, encodeUuid } from '../encoding/types/uuid.ts';
import { defineCodec, frontReader, sortedByKey } from './define-codec.ts';
import { MsgType } from './msg-types.ts';

/** CEPH_SUBSCRIBE_ONETIME: send the current map once, then forget the subscription. */
export const SUBSCRIBE_ONETIME = 1;

export interface SubscribeItem {
  /** first epoch wanted (0 = the current one) */
  start: bigint;
  flags: number;
}

export interface MMonSubscribe {
  /** what → item; encoded in key order */
  what: Map<string, SubscribeItem>;
  hostname: string;
}

const ITEM_LEN = 9;
const LEGACY_ITEM_LEN = 17;

export const MMonSubscribeCodec = defineCodec<MMonSubscribe>({
  type: MsgType.MON_SUBSCRIBE,
  name: 'MMonSubscribe',
  headVersion: 3,
  compatVersion: 1,
  encodePayload(body, features) {
    const entries = sortedByKey(body.what);
    if (!hasFeature(features, Feature.SUBSCRIBE2)) {
      const front = encode((w) =>
        w.map(
          entries,
          (w2, k) => w2.string(k),
          (w2, v) => {
            w2.u64(0n).u64(v.start > 0n ? v.start - 1n : 0n).u8(v.flags & SUBSCRIBE_ONETIME ? 1 : 0);
          },
        ),
      );
      return { front, version: 0, compatVersion: 0 };
    }
    const front = encode((w) => {
      w.map(
        entries,
        (w2, k) => w2.string(k),
        (w2, v) => {
          w2.u64(v.start).u8(v.flags);
        },
      );
      w.string(body.hostname);
    });
    return { front };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    if (msg.version < 2) {
      const what = r.map(
        (x) => x.string(),
        (x): SubscribeItem => {
          x.u64();
          const have = x.u64();
          const onetime = x.u8();
          return { start: have > 0n ? have + 1n : 0n, flags: onetime ? SUBSCRIBE_ONETIME : 0 };
        },
        4 + LEGACY_ITEM_LEN,
      );
      return { what, hostname: '' };
    }
    const what = r.map(
      (x) => x.string(),
      (x): SubscribeItem => {
        const start = x.u64();
        const flags = x.u8();
        return { start, flags };
      },
      4 + ITEM_LEN,
    );
    const hostname = msg.version >= 3 ? r.string() : '';
    return { what, hostname };
  },
});

/** Convenience: build the `what` map from [name, start, flags] triples. */
export function subscribeWhat(items: ReadonlyArray<readonly [string, bigint | number, number?]>): Map<string, SubscribeItem> {
  const m = new Map<string, SubscribeItem>();
  for (const [name, start, flags] of items) {
    if (typeof start === 'number' && (!Number.isSafeInteger(start) || start < 0)) {
      throw new MsgrError('ERR_INVALID_ARG', `bad subscription start ${start}`);
    }
    m.set(name, { start: BigInt(start), flags: flags ?? 0 });
  }
  return m;
}

/**
 * MMonSubscribeAck (type 16): le32 interval (seconds), fsid. A Pacific mon sends it only to peers
 * without MON_STATEFUL_SUB (bit 57).
 */
export interface MMonSubscribeAck {
  interval: number;
  fsid: string;
}

export const MMonSubscribeAckCodec = defineCodec<MMonSubscribeAck>({
  type: MsgType.MON_SUBSCRIBE_ACK,
  name: 'MMonSubscribeAck',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body) {
    return { front: encode((w) => (w.u32(body.interval), encodeUuid(w, body.fsid))) };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    const interval = r.u32();
    const fsid = decodeUuid(r);
    return { interval, fsid };
  },
});
