/**
 * Pieces of the MonMap (wire §7.3): mon_info_t, mon_feature_t, and the feature-dependent
 * address encodings MonMap needs for old peers.
 *
 * mon_info_t = ENCODE_START(5, 1): string name; entity_addrvec_t public_addrs; le16 priority;
 * le16 weight (v4+); map<string,string> crush_loc (v5+). Towards peers without SERVER_NAUTILUS
 * Ceph writes v2: name, the vector's legacy address (entity_addr_t), priority.
 */
import { MsgrError } from '../errors.ts';
import type { Reader } from '../encoding/reader.ts';
import type { Writer } from '../encoding/writer.ts';
import {
  AddrType,
  BLANK_ADDR,
  decodeEntityAddrVec,
  encodeEntityAddr,
  encodeEntityAddrLegacy,
  type EntityAddr,
  type EntityAddrVec,
} from '../encoding/types/entity-addr.ts';
import { Feature, hasFeature } from '../encoding/types/features.ts';
import { sortedByKey } from './define-codec.ts';

export interface MonInfo {
  name: string;
  publicAddrs: EntityAddr[];
  priority: number;
  weight: number;
  /** crush location (stretch mode), e.g. datacenter → dc1 */
  crushLoc: Map<string, string>;
}

/** ceph::features::mon bits (mon_feature_t) as Pacific knows them. */
export const MonFeature = {
  KRAKEN: 1n << 0n,
  LUMINOUS: 1n << 1n,
  MIMIC: 1n << 2n,
  OSDMAP_PRUNE: 1n << 3n,
  NAUTILUS: 1n << 4n,
  OCTOPUS: 1n << 5n,
  PACIFIC: 1n << 6n,
  PINGING: 1n << 7n,
} as const;

/** ceph_release_t values. */
export const CephRelease = {
  UNKNOWN: 0,
  KRAKEN: 11,
  LUMINOUS: 12,
  MIMIC: 13,
  NAUTILUS: 14,
  OCTOPUS: 15,
  PACIFIC: 16,
  QUINCY: 17,
  REEF: 18,
} as const;

/** What a pre-v7 MonMap implies for min_mon_release (the newest release feature present). */
export function inferReleaseFromMonFeatures(f: bigint): number {
  if (f & MonFeature.PACIFIC) return CephRelease.PACIFIC;
  if (f & MonFeature.OCTOPUS) return CephRelease.OCTOPUS;
  if (f & MonFeature.NAUTILUS) return CephRelease.NAUTILUS;
  if (f & MonFeature.MIMIC) return CephRelease.MIMIC;
  if (f & MonFeature.LUMINOUS) return CephRelease.LUMINOUS;
  if (f & MonFeature.KRAKEN) return CephRelease.KRAKEN;
  return CephRelease.UNKNOWN;
}

/** mon_feature_t: ENCODE_START(1, 1) + le64. */
export function encodeMonFeatures(w: Writer, f: bigint): void {
  w.versioned(1, 1, (x) => x.u64(f));
}
export function decodeMonFeatures(r: Reader): bigint {
  return r.versioned(1, (s) => s.u64(), 'mon_feature_t');
}

// ---------------------------------------------------------------- feature-dependent addresses

/** entity_addrvec_t::legacy_addr(): the first v1 address, or a blank one. */
export function legacyAddr(v: EntityAddrVec): EntityAddr {
  return v.find((a) => a.type === AddrType.LEGACY) ?? BLANK_ADDR;
}

/** entity_addrvec_t::legacy_or_front_addr(): the first v1 address, else the first, else blank. */
export function legacyOrFrontAddr(v: EntityAddrVec): EntityAddr {
  return v.find((a) => a.type === AddrType.LEGACY) ?? v[0] ?? BLANK_ADDR;
}

/** entity_addr_t::encode(bl, features): legacy 136 bytes without MSG_ADDR2; any→v1 before Nautilus. */
export function encodeAddrFeatured(w: Writer, a: EntityAddr, features: bigint): void {
  if (!hasFeature(features, Feature.MSG_ADDR2)) {
    encodeEntityAddrLegacy(w, a);
    return;
  }
  if (!hasFeature(features, Feature.SERVER_NAUTILUS) && a.type === AddrType.ANY) {
    encodeEntityAddr(w, { ...a, type: AddrType.LEGACY });
    return;
  }
  encodeEntityAddr(w, a);
}

/** entity_addrvec_t::encode(bl, features): just the legacy address without MSG_ADDR2. */
export function encodeAddrVecFeatured(w: Writer, v: EntityAddrVec, features: bigint): void {
  if (!hasFeature(features, Feature.MSG_ADDR2)) {
    encodeEntityAddrLegacy(w, legacyAddr(v));
    return;
  }
  w.u8(2).u32(v.length);
  for (const a of v) encodeAddrFeatured(w, a, features);
}

// ---------------------------------------------------------------- mon_info_t

export function encodeMonInfo(w: Writer, m: MonInfo, features: bigint): void {
  const v = hasFeature(features, Feature.SERVER_NAUTILUS) ? 5 : 2;
  if (m.priority < 0 || m.priority > 0xffff || m.weight < 0 || m.weight > 0xffff) {
    throw new MsgrError('ERR_ENCODE_INVALID', `mon.${m.name}: priority/weight out of u16 range`);
  }
  w.versioned(v, 1, (x) => {
    x.string(m.name);
    if (v < 3) encodeAddrFeatured(x, legacyAddr(m.publicAddrs), features);
    else encodeAddrVecFeatured(x, m.publicAddrs, features);
    x.u16(m.priority);
    if (v >= 4) x.u16(m.weight);
    if (v >= 5) {
      x.map(
        sortedByKey(m.crushLoc),
        (y, k) => y.string(k),
        (y, val) => y.string(val),
      );
    }
  });
}

export function decodeMonInfo(r: Reader): MonInfo {
  return r.versioned(
    5,
    (s, v) => {
      const name = s.string();
      const publicAddrs = decodeEntityAddrVec(s);
      const priority = v >= 2 ? s.u16() : 0;
      const weight = v >= 4 ? s.u16() : 0;
      const crushLoc =
        v >= 5
          ? s.map(
              (x) => x.string(),
              (x) => x.string(),
              8,
            )
          : new Map<string, string>();
      return { name, publicAddrs, priority, weight, crushLoc };
    },
    'mon_info_t',
  );
}
