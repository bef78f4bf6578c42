/**
 * msgr1 for the messenger core: importing this module registers ProtocolV1 as the wire protocol
 * of version 1 (connections to peers that only offer a v1 address, or with ms_connect_msgr1, and
 * sockets accepted on v1 listeners). The Node shell imports it; so can a simulator or a test.
 */
import { registerProtocol } from '../messenger-core.ts';
import { ProtocolV1 } from './protocol.ts';

registerProtocol(1, (c, ctx) => new ProtocolV1(c, ctx));

export { ProtocolV1 } from './protocol.ts';
export type { V1State } from './states.ts';
