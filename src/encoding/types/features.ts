/**
 * Ceph feature bits (CEPH_FEATURE_*) as bigint masks, and msgr2 banner feature bits.
 * A recycled bit's mask includes its incarnation marker (inc 2 = bit 57, inc 3 = bits 57|28):
 * test with hasFeature(features, mask) = (features & mask) === mask.
 */
const bit = (n: number): bigint => 1n << BigInt(n);
const INC2 = bit(57);
const INC3 = bit(57) | bit(28);

export const Feature = {
  UID: bit(0),
  NOSRCADDR: bit(1),
  SERVER_NAUTILUS: bit(2) | INC3,
  FLOCK: bit(3),
  SUBSCRIBE2: bit(4),
  MONNAMES: bit(5),
  RECONNECT_SEQ: bit(6),
  DIRLAYOUTHASH: bit(7),
  OBJECTLOCATOR: bit(8),
  PGID64: bit(9),
  INCSUBOSDMAP: bit(10),
  PGPOOL3: bit(11),
  OSDREPLYMUX: bit(12),
  OSDENC: bit(13),
  SERVER_KRAKEN: bit(14) | INC2,
  MONENC: bit(15),
  SERVER_OCTOPUS: bit(16) | INC3,
  CRUSH_TUNABLES: bit(18),
  SERVER_PACIFIC: bit(20) | INC3,
  SERVER_LUMINOUS: bit(21) | INC2,
  MSG_AUTH: bit(23),
  CRUSH_TUNABLES2: bit(25),
  SERVER_MIMIC: bit(28) | INC2,
  OSDHASHPSPOOL: bit(30),
  CRUSH_TUNABLES3: bit(41),
  MSGR_KEEPALIVE2: bit(42),
  CRUSH_V4: bit(48),
  MON_STATEFUL_SUB: bit(57),
  CRUSH_TUNABLES5: bit(58),
  MSG_ADDR2: bit(59),
  CEPHX_V2: bit(61),
} as const;

/** CEPH_FEATURES_ALL of Pacific 16.2.7. */
export const FEATURES_ALL_PACIFIC = 0x3f01cfb9fffdffffn;
/** What a 16.2.15 daemon advertises (adds RANGE_BLOCKLIST, bit 34). */
export const FEATURES_ALL_16_2_15 = 0x3f01cfbdfffdffffn;
/** ceph-msgr advertises the 16.2.7 set by default. */
export const DEFAULT_FEATURES = FEATURES_ALL_PACIFIC;
/** msgr2 always requires MSG_ADDR2 of its peers. */
export const MSGR2_REQUIRED = Feature.MSG_ADDR2;
/** Encoding assumptions for msgr2 frames: MSG_ADDR2 + SERVER_NAUTILUS. */
export const MSGR2_FRAME_ASSUMED = 0x0a00000010000004n;

export function hasFeature(features: bigint, mask: bigint): boolean {
  return (features & mask) === mask;
}

/** msgr2 banner feature bits. */
export const Msgr2Feature = {
  REVISION_1: 1n,
  COMPRESSION: 2n,
} as const;

export function formatFeatures(f: bigint): string {
  return '0x' + f.toString(16);
}
