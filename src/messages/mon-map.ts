/**
 * MonMap (wire §7.3) and MMonMap (type 4, payload = blob holding an encoded MonMap).
 *
 * Decoding follows Ceph's DECODE_START_LEGACY_COMPAT_LEN_16(9, 3, 3): struct_v 1 and 2 are a bare
 * le16 version with no compat/length (the body runs to the end), v3+ is a normal envelope.
 *   v1: fsid, epoch, vector<entity_inst_t> (names become '0', '1', …), last_changed, created
 *   v2..v5: fsid, epoch, map<string, entity_addr_t> mon_addr, last_changed, created
 *   v4+: persistent/optional mon_feature_t;  v5+: map<string, mon_info_t> (else built from mon_addr)
 *   v6+: no mon_addr; vector<string> ranks (else computed like calc_legacy_ranks)
 *   v7+: u8 min_mon_release (else inferred from the persistent mon features)
 *   v8+: set<s32> removed_ranks, u8 election strategy, set<string> disallowed_leaders
 *   v9+: bool stretch_mode_enabled, string tiebreaker_mon, set<string> stretch_marked_down_mons
 * Unknown trailing fields of newer versions are skipped; struct_compat > 9 → ERR_DECODE_VERSION.
 *
 * Encoding picks Ceph's layout from the peer's features: no MONNAMES → v1; no MONENC → v2;
 * no SERVER_NAUTILUS → ENCODE_START(5, 3) with mon_info_t v2; otherwise ENCODE_START(9, 6).
 * Addresses follow MSG_ADDR2 (legacy 136-byte form without it).
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../errors.ts';
import { Reader } from '../encoding/reader.ts';
import { encode, type Writer } from '../encoding/writer.ts';
import { compareAddr, decodeEntityAddr, type EntityAddr } from '../encoding/types/entity-addr.ts';
import { decodeEntityNameT, encodeEntityNameT, EntityType } from '../encoding/types/entity-name.ts';
import { Feature, hasFeature } from '../encoding/types/features.ts';
import { decodeUTime, encodeUTime, type UTime } from '../encoding/types/utime.ts';
import { decodeUuid, encodeUuid } from '../encoding/types/uuid.ts';
import { compareStringBytes, defineCodec, sortedByKey, sortedInts, sortedStrings } from './define-codec.ts';
import {
  decodeMonFeatures,
  decodeMonInfo,
  encodeAddrFeatured,
  encodeMonFeatures,
  encodeMonInfo,
  inferReleaseFromMonFeatures,
  legacyAddr,
  legacyOrFrontAddr,
  type MonInfo,
} from './mon-info.ts';
import { MsgType } from './msg-types.ts';

export type { MonInfo } from './mon-info.ts';

export const ElectionStrategy = { CLASSIC: 1, DISALLOW: 2, CONNECTIVITY: 3 } as const;

export interface MonMap {
  fsid: string;
  epoch: number;
  lastChanged: UTime;
  created: UTime;
  persistentFeatures: bigint;
  optionalFeatures: bigint;
  /** name → mon_info_t (encoded in name order) */
  mons: Map<string, MonInfo>;
  /** rank → name */
  ranks: string[];
  minMonRelease: number;
  removedRanks: number[];
  electionStrategy: number;
  disallowedLeaders: string[];
  stretchModeEnabled: boolean;
  tiebreakerMon: string;
  stretchMarkedDownMons: string[];
  /** struct_v the map was decoded from (informational; encoders ignore it) */
  structV?: number;
}

const MONMAP_V = 9;
const MONMAP_COMPAT = 6;

// ---------------------------------------------------------------- decode

export function decodeMonMap(input: Uint8Array | Reader): MonMap {
  const r = input instanceof Reader ? input : new Reader(input);
  const structV = r.u8();
  if (structV >= 3) {
    const compat = r.u8();
    if (compat > MONMAP_V) {
      throw new MsgrError('ERR_DECODE_VERSION', `MonMap: struct_compat ${compat} > supported ${MONMAP_V}`, {
        origin: 'remote',
      });
    }
    const len = r.u32();
    const body = r.sub(len);
    return decodeMonMapBody(body, structV);
  }
  r.skip(1); // high byte of the le16 version of v1/v2 maps
  return decodeMonMapBody(r, structV);
}

function decodeMonMapBody(r: Reader, v: number): MonMap {
  const fsid = decodeUuid(r);
  const epoch = r.u32();
  let monAddr: Map<string, EntityAddr> | undefined;
  if (v === 1) {
    const insts = r.list((x) => {
      decodeEntityNameT(x);
      return decodeEntityAddr(x);
    }, 9 + 1);
    monAddr = new Map(insts.map((a, i) => [String.fromCharCode((48 + i) & 0xff), a]));
  } else if (v < 6) {
    monAddr = r.map(
      (x) => x.string(),
      (x) => decodeEntityAddr(x),
      4 + 1,
    );
  }
  const lastChanged = decodeUTime(r);
  const created = decodeUTime(r);
  let persistentFeatures = 0n;
  let optionalFeatures = 0n;
  if (v >= 4) {
    persistentFeatures = decodeMonFeatures(r);
    optionalFeatures = decodeMonFeatures(r);
  }
  let mons: Map<string, MonInfo>;
  if (v < 5) {
    mons = new Map();
    for (const [name, addr] of monAddr ?? []) {
      mons.set(name, { name, publicAddrs: [addr], priority: 0, weight: 0, crushLoc: new Map() });
    }
  } else {
    mons = r.map(
      (x) => x.string(),
      (x) => decodeMonInfo(x),
      4 + 6,
    );
  }
  const ranks = v < 6 ? legacyRanks(mons) : r.stringList();
  const minMonRelease = v >= 7 ? r.u8() : inferReleaseFromMonFeatures(persistentFeatures);
  let removedRanks: number[] = [];
  let electionStrategy: number = ElectionStrategy.CLASSIC;
  let disallowedLeaders: string[] = [];
  if (v >= 8) {
    removedRanks = r.list((x) => x.s32(), 4);
    electionStrategy = r.u8();
    disallowedLeaders = r.stringList();
  }
  let stretchModeEnabled = false;
  let tiebreakerMon = '';
  let stretchMarkedDownMons: string[] = [];
  if (v >= 9) {
    stretchModeEnabled = r.bool();
    tiebreakerMon = r.string();
    stretchMarkedDownMons = r.stringList();
  }
  return {
    fsid,
    epoch,
    lastChanged,
    created,
    persistentFeatures,
    optionalFeatures,
    mons,
    ranks,
    minMonRelease,
    removedRanks,
    electionStrategy,
    disallowedLeaders,
    stretchModeEnabled,
    tiebreakerMon,
    stretchMarkedDownMons,
    structV: v,
  };
}

/** calc_legacy_ranks: mons ordered by legacy-or-front address (memcmp), then name. */
export function legacyRanks(mons: ReadonlyMap<string, MonInfo>): string[] {
  return [...mons.values()]
    .sort((a, b) => compareAddr(legacyOrFrontAddr(a.publicAddrs), legacyOrFrontAddr(b.publicAddrs)) || compareStringBytes(a.name, b.name))
    .map((m) => m.name);
}

// ---------------------------------------------------------------- encode

/** Encode a MonMap for a peer with `features` (see the header comment for the layouts). */
export function encodeMonMap(m: MonMap, features: bigint): Buffer {
  return encode((w) => writeMonMap(w, m, features), 256);
}

export function writeMonMap(w: Writer, m: MonMap, features: bigint): void {
  if (!hasFeature(features, Feature.MONNAMES)) {
    w.u16(1);
    encodeUuid(w, m.fsid);
    w.u32(m.epoch);
    w.u32(m.ranks.length);
    m.ranks.forEach((name, n) => {
      encodeEntityNameT(w, { type: EntityType.MON, num: BigInt(n) });
      encodeAddrFeatured(w, legacyAddr(m.mons.get(name)?.publicAddrs ?? []), features);
    });
    encodeUTime(w, m.lastChanged);
    encodeUTime(w, m.created);
    return;
  }
  const legacyMonAddr = (x: Writer): void => {
    x.map(
      sortedByKey(m.mons),
      (y, k) => y.string(k),
      (y, info) => encodeAddrFeatured(y, legacyAddr(info.publicAddrs), features),
    );
  };
  if (!hasFeature(features, Feature.MONENC)) {
    w.u16(2);
    encodeUuid(w, m.fsid);
    w.u32(m.epoch);
    legacyMonAddr(w);
    encodeUTime(w, m.lastChanged);
    encodeUTime(w, m.created);
    return;
  }
  const monInfo = (x: Writer): void => {
    x.map(
      sortedByKey(m.mons),
      (y, k) => y.string(k),
      (y, info) => encodeMonInfo(y, info, features),
    );
  };
  if (!hasFeature(features, Feature.SERVER_NAUTILUS)) {
    w.versioned(5, 3, (x) => {
      encodeUuid(x, m.fsid);
      x.u32(m.epoch);
      legacyMonAddr(x);
      encodeUTime(x, m.lastChanged);
      encodeUTime(x, m.created);
      encodeMonFeatures(x, m.persistentFeatures);
      encodeMonFeatures(x, m.optionalFeatures);
      monInfo(x);
    });
    return;
  }
  w.versioned(MONMAP_V, MONMAP_COMPAT, (x) => {
    encodeUuid(x, m.fsid);
    x.u32(m.epoch);
    encodeUTime(x, m.lastChanged);
    encodeUTime(x, m.created);
    encodeMonFeatures(x, m.persistentFeatures);
    encodeMonFeatures(x, m.optionalFeatures);
    monInfo(x);
    x.stringList(m.ranks);
    x.u8(m.minMonRelease);
    x.list(sortedInts(m.removedRanks), (y, n) => y.s32(n));
    x.u8(m.electionStrategy);
    x.stringList(sortedStrings(m.disallowedLeaders));
    x.bool(m.stretchModeEnabled);
    x.string(m.tiebreakerMon);
    x.stringList(sortedStrings(m.stretchMarkedDownMons));
  });
}

// ---------------------------------------------------------------- helpers

export interface MonAddrEntry {
  name: string;
  rank: number;
  addrs: EntityAddr[];
}

/** The mons in rank order with their public addresses (a rank naming no mon gets no addrs). */
export function monAddrs(m: MonMap): MonAddrEntry[] {
  return m.ranks.map((name, rank) => ({ name, rank, addrs: m.mons.get(name)?.publicAddrs ?? [] }));
}

// ---------------------------------------------------------------- MMonMap

/**
 * MMonMap body. On decode both fields are set (the blob as a view, and its decoded MonMap; a
 * blob that does not decode makes the message undecodable). On encode the blob is sent as is when
 * given — re-encoded through decode + encode for peers lacking MONENC or MSG_ADDR2, as Ceph does —
 * otherwise `monmap` is encoded for the peer's features.
 */
export interface MMonMap {
  monmapBl?: Buffer;
  monmap?: MonMap;
}

export const MMonMapCodec = defineCodec<MMonMap>({
  type: MsgType.MON_MAP,
  name: 'MMonMap',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body, features) {
    let bl: Buffer;
    if (body.monmapBl !== undefined) {
      bl =
        hasFeature(features, Feature.MONENC) && hasFeature(features, Feature.MSG_ADDR2)
          ? body.monmapBl
          : encodeMonMap(decodeMonMap(body.monmapBl), features);
    } else if (body.monmap !== undefined) {
      bl = encodeMonMap(body.monmap, features);
    } else {
      throw new MsgrError('ERR_ENCODE_INVALID', 'MMonMap needs monmapBl or monmap');
    }
    const front = Buffer.allocUnsafe(4 + bl.length);
    front.writeUInt32LE(bl.length, 0);
    front.set(bl, 4);
    return { front };
  },
  decodePayload(msg) {
    const r = new Reader(msg.front);
    const monmapBl = r.blob();
    return { monmapBl, monmap: decodeMonMap(monmapBl) };
  },
});
