/**
 * MOSDMap (type 41, v4/compat 3): OSDMaps pushed by the mon (or an OSD). The maps themselves stay
 * encoded (decoding a full OSDMap / Incremental is out of scope): the body exposes the epochs and
 * keeps each map as a raw blob.
 *
 * fsid; map<u32 epoch, blob> incremental_maps; map<u32 epoch, blob> maps (full);
 * v2+: le32 oldest_map, le32 newest_map; v4+: map<s64 pool, interval_set<snapid>> gap_removed_snaps
 * (an interval_set is encoded as map<u64 start, u64 len>).
 *
 * Feature-dependent header version (envelope only): peers without PGID64 or PGPOOL3 get v1
 * (no oldest/newest), peers without OSDENC get v2. Ceph would also re-encode the map blobs for
 * such peers; ceph-msgr sends the blobs as given.
 */
import type { Buffer } from 'node:buffer';
import { encode } from '../encoding/writer.ts';
import { Feature, hasFeature } from '../encoding/types/features.ts';
import { decodeUuid, encodeUuid } from '../encoding/types/uuid.ts';
import { defineCodec, frontReader } from './define-codec.ts';
import { MsgType } from './msg-types.ts';

/** One removed-snaps interval: [start, start + len). */
export type SnapInterval = readonly [start: bigint, len: bigint];

export interface MOSDMap {
  fsid: string;
  /** epoch → encoded OSDMap::Incremental */
  incrementalMaps: Map<number, Buffer>;
  /** epoch → encoded full OSDMap */
  maps: Map<number, Buffer>;
  oldestMap: number;
  newestMap: number;
  /** pool → removed snap intervals that fell into the gap (v4+) */
  gapRemovedSnaps: Map<bigint, SnapInterval[]>;
}

function sortedEpochs(m: ReadonlyMap<number, Buffer>): [number, Buffer][] {
  return [...m.entries()].sort((a, b) => a[0] - b[0]);
}

/** The epochs of all maps in the message (incremental and full), ascending, without duplicates. */
export function osdMapEpochs(m: MOSDMap): number[] {
  return [...new Set([...m.incrementalMaps.keys(), ...m.maps.keys()])].sort((a, b) => a - b);
}

/** Highest epoch carried (0 if none). */
export function osdMapLastEpoch(m: MOSDMap): number {
  const e = osdMapEpochs(m);
  return e[e.length - 1] ?? 0;
}

export const MOSDMapCodec = defineCodec<MOSDMap>({
  type: MsgType.OSD_MAP,
  name: 'MOSDMap',
  headVersion: 4,
  compatVersion: 3,
  encodePayload(body, features) {
    let version = 4;
    let compat = 3;
    if (!hasFeature(features, Feature.PGID64) || !hasFeature(features, Feature.PGPOOL3)) {
      version = 1;
      compat = 1;
    } else if (!hasFeature(features, Feature.OSDENC)) {
      version = 2;
      compat = 2;
    }
    const front = encode((w) => {
      encodeUuid(w, body.fsid);
      w.map(
        sortedEpochs(body.incrementalMaps),
        (w2, k) => w2.u32(k),
        (w2, v) => w2.blob(v),
      );
      w.map(
        sortedEpochs(body.maps),
        (w2, k) => w2.u32(k),
        (w2, v) => w2.blob(v),
      );
      if (version >= 2) w.u32(body.oldestMap).u32(body.newestMap);
      if (version >= 4) {
        const pools = [...body.gapRemovedSnaps.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        w.map(
          pools,
          (w2, k) => w2.s64(k),
          (w2, v) => {
            const iv = [...v].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
            w2.list(iv, (w3, [s, l]) => w3.u64(s).u64(l));
          },
        );
      }
    });
    return { front, version, compatVersion: compat };
  },
  decodePayload(msg) {
    const r = frontReader(msg);
    const fsid = decodeUuid(r);
    const incrementalMaps = r.map(
      (x) => x.u32(),
      (x) => x.blob(),
      8,
    );
    const maps = r.map(
      (x) => x.u32(),
      (x) => x.blob(),
      8,
    );
    let oldestMap = 0;
    let newestMap = 0;
    if (msg.version >= 2) {
      oldestMap = r.u32();
      newestMap = r.u32();
    }
    let gapRemovedSnaps = new Map<bigint, SnapInterval[]>();
    if (msg.version >= 4) {
      gapRemovedSnaps = r.map(
        (x) => x.s64(),
        (x) => x.list((y): SnapInterval => [y.u64(), y.u64()], 16),
        12,
      );
    }
    return { fsid, incrementalMaps, maps, oldestMap, newestMap, gapRemovedSnaps };
  },
});
