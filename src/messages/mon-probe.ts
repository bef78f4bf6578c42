/**
 * MMonProbe (type 67, v8/compat 5 in Pacific 16.2.15 [LIVE]): monitors probing each other before
 * an election. A server of ours posing as a mon must decode mon.a's probes and may answer with
 * OP_REPLY.
 *
 * fsid; s32 op; string name; set<s32> quorum; blob monmap_bl (empty in OP_PROBE, the sender's
 * MonMap in OP_REPLY); bool has_ever_joined; le64 paxos_first_version; le64 paxos_last_version;
 * le64 required_features (v6+); u8 mon_release (ceph_release_t, v7+); s32 leader (v8+).
 * Older versions decode with required_features 0, mon_release 0, and leader = the lowest quorum
 * rank or -1 (Ceph's fallback as we recall it; UNVERIFIED, only v8 was observed).
 *
 * Towards a peer lacking MONENC or MSG_ADDR2 Ceph re-encodes a non-empty monmap for that peer;
 * the encoder does the same.
 */
import type { Buffer } from 'node:buffer';
import { encode } from '../encoding/writer.ts';
import { Feature, hasFeature } from '../encoding/types/features.ts';
import { decodeUuid, encodeUuid } from '../encoding/types/uuid.ts';
import { defineCodec, frontReader, sortedInts } from './define-codec.ts';
import { decodeMonMap, encodeMonMap, type MonMap } from './mon-map.ts';
import { MsgType } from './msg-types.ts';

export const ProbeOp = {
  PROBE: 1,
  REPLY: 2,
  SLURP: 3,
  SLURP_LATEST: 4,
  DATA: 5,
  MISSING_FEATURES: 6,
} as const;

export interface MMonProbe {
  fsid: string;
  op: number;
  /** the sender's mon name */
  name: string;
  quorum: number[];
  /** encoded MonMap (empty in probes) */
  monmapBl: Buffer;
  hasEverJoined: boolean;
  paxosFirstVersion: bigint;
  paxosLastVersion: bigint;
  requiredFeatures: bigint;
  /** ceph_release_t of the sender (16 = pacific) */
  monRelease: number;
  /** rank of the leader the sender knows, -1 if none */
  leader: number;
}

/** The MonMap carried by a probe reply, or undefined when the blob is empty. */
export function probeMonMap(p: MMonProbe): MonMap | undefined {
  return p.monmapBl.length > 0 ? decodeMonMap(p.monmapBl) : undefined;
}

export const MMonProbeCodec = defineCodec<MMonProbe>({
  type: MsgType.MON_PROBE,
  name: 'MMonProbe',
  headVersion: 8,
  compatVersion: 5,
  encodePayload(body, features) {
    let monmapBl = body.monmapBl;
    if (monmapBl.length > 0 && (!hasFeature(features, Feature.MONENC) || !hasFeature(features, Feature.MSG_ADDR2))) {
      monmapBl = encodeMonMap(decodeMonMap(monmapBl), features);
    }
    const front = encode((w) => {
      encodeUuid(w, body.fsid);
      w.s32(body.op).string(body.name);
      w.list(sortedInts(body.quorum), (x, n) => x.s32(n));
      w.blob(monmapBl);
      w.bool(body.hasEverJoined);
      w.u64(body.paxosFirstVersion).u64(body.paxosLastVersion).u64(body.requiredFeatures);
      w.u8(body.monRelease).s32(body.leader);
    });
    return { front };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    const fsid = decodeUuid(r);
    const op = r.s32();
    const name = r.string();
    const quorum = r.list((x) => x.s32(), 4);
    const monmapBl = r.blob();
    const hasEverJoined = r.bool();
    const paxosFirstVersion = r.u64();
    const paxosLastVersion = r.u64();
    const requiredFeatures = msg.version >= 6 ? r.u64() : 0n;
    const monRelease = msg.version >= 7 ? r.u8() : 0;
    let leader: number;
    if (msg.version >= 8) leader = r.s32();
    else leader = quorum.length > 0 ? quorum.reduce((a, b) => (b < a ? b : a)) : -1;
    return {
      fsid,
      op,
      name,
      quorum,
      monmapBl,
      hasEverJoined,
      paxosFirstVersion,
      paxosLastVersion,
      requiredFeatures,
      monRelease,
      leader,
    };
  },
});
