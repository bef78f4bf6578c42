/**
 * Which of our addresses msgr1 shows to a peer (Ceph's entity_addrvec_t::legacy_addr and
 * as_legacy_addr, wire §5.1), and the legacy view of an address used to compare them.
 */
import { AddrType, BLANK_ADDR, type EntityAddr } from '../../encoding/types/entity-addr.ts';

/** The same address typed LEGACY (the legacy wire form carries no type). */
export function asLegacy(a: EntityAddr): EntityAddr {
  return a.type === AddrType.LEGACY ? a : { ...a, type: AddrType.LEGACY };
}

/**
 * Ceph `as_legacy_addr()` (what a connector sends after the banner and what races compare):
 * the first v1 address, else the first any: address, else the first address — typed LEGACY.
 */
export function asLegacyAddr(addrs: readonly EntityAddr[]): EntityAddr {
  const v1 = addrs.find((a) => a.type === AddrType.LEGACY);
  if (v1) return v1;
  const any = addrs.find((a) => a.type === AddrType.ANY);
  if (any) return asLegacy(any);
  const first = addrs[0];
  return first ? asLegacy(first) : { ...BLANK_ADDR, type: AddrType.LEGACY };
}

/** Ceph `legacy_addr()` (what an acceptor puts in its banner): the first v1 address, if any. */
export function legacyAddrOf(addrs: readonly EntityAddr[]): EntityAddr | undefined {
  return addrs.find((a) => a.type === AddrType.LEGACY);
}
