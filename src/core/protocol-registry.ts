/**
 * The wire protocols a messenger core can speak, and which one (and which of a peer's
 * addresses) to use when dialing: msgr2 is built in, msgr1 registers itself when its module is
 * loaded.
 */
import { AddrType, formatAddrVec, pickAddr, type EntityAddr } from '../encoding/types/entity-addr.ts';
import { MsgrError } from '../errors.ts';
import type { Conn, WireProtocol } from './conn.ts';
import type { CoreContext } from './context.ts';
import { ProtocolV2 } from './msgr2/protocol.ts';

/** Builds the wire protocol object of a connection (msgr2 built in; msgr1 registered by its module). */
export type ProtocolFactory = (c: Conn, ctx: CoreContext) => WireProtocol;

const protocolFactories: Partial<Record<1 | 2, ProtocolFactory>> = {
  2: (c, ctx) => new ProtocolV2(c, ctx),
};

/** Make a wire protocol available to every messenger core (msgr1 registers itself here). */
export function registerProtocol(version: 1 | 2, f: ProtocolFactory): void {
  protocolFactories[version] = f;
}

/** The factory of a protocol version; throws if that version is not available. */
export function protocolFactory(version: 1 | 2): ProtocolFactory {
  const f = protocolFactories[version];
  if (!f) throw new MsgrError('ERR_INVALID_ARG', `msgr${version} is not available`);
  return f;
}

/**
 * Which of the peer's addresses to dial and with which protocol: msgr2 when the peer offers a
 * v2 (or any:) address, msgr1 when it only offers v1 (or when v2 is not available to us).
 * `preferV1` is ms_connect_msgr1.
 */
export function pickTarget(addrs: readonly EntityAddr[], preferV1: boolean): { addr: EntityAddr; version: 1 | 2 } {
  const v2 = pickAddr(addrs, AddrType.MSGR2) ?? pickAddr(addrs, AddrType.ANY);
  const v1 = pickAddr(addrs, AddrType.LEGACY);
  if (v1 && protocolFactories[1] && (preferV1 || !v2)) return { addr: v1, version: 1 };
  if (v2 && protocolFactories[2] && !preferV1) return { addr: v2, version: 2 };
  if (v2 && protocolFactories[2]) return { addr: v2, version: 2 };
  throw new MsgrError(
    'ERR_INVALID_ARG',
    `no usable address in ${formatAddrVec(addrs)} (${v1 ? 'msgr1 is not available' : 'no v2/v1 address'})`,
  );
}
