/**
 * msgr1 connection states with Ceph's names (src/msg/async/ProtocolV1.h) and the ranges Ceph's
 * fault logic tests. The message-reading sub-states of OPENED (THROTTLE_*, READ_*) are not
 * separate here: OPENED plus "a header is held / waiting for throttle" covers them.
 *
 *   connector: START_CONNECT → CONNECTING (TCP up, banner written)
 *              → CONNECTING_WAIT_BANNER_AND_IDENTIFY → CONNECTING_SEND_CONNECT_MSG → OPENED
 *   acceptor:  START_ACCEPT → ACCEPTING (banner written; reading the peer's banner + connect)
 *              → ACCEPTING_WAIT_CONNECT_MSG_AUTH (a connect is being handled / answered)
 *              → ACCEPTING_HANDLED_CONNECT_MSG (READY/SEQ sent; reading the le64 after SEQ) → OPENED
 */
export type V1State =
  | 'NONE'
  | 'START_CONNECT'
  | 'CONNECTING'
  | 'CONNECTING_WAIT_BANNER_AND_IDENTIFY'
  | 'CONNECTING_SEND_CONNECT_MSG'
  | 'START_ACCEPT'
  | 'ACCEPTING'
  | 'ACCEPTING_WAIT_CONNECT_MSG_AUTH'
  | 'ACCEPTING_HANDLED_CONNECT_MSG'
  | 'OPENED'
  | 'CLOSED'
  | 'WAIT'
  | 'STANDBY';

const CONNECTING: ReadonlySet<V1State> = new Set<V1State>([
  'START_CONNECT',
  'CONNECTING',
  'CONNECTING_WAIT_BANNER_AND_IDENTIFY',
  'CONNECTING_SEND_CONNECT_MSG',
]);
const HALF_ACCEPT: ReadonlySet<V1State> = new Set<V1State>(['START_ACCEPT', 'ACCEPTING', 'ACCEPTING_WAIT_CONNECT_MSG_AUTH']);

/** START_CONNECT ..= CONNECTING_SEND_CONNECT_MSG (Ceph backs off after a fault here). */
export function isConnectingState(s: V1State): boolean {
  return CONNECTING.has(s);
}
/** START_ACCEPT ..= ACCEPTING_WAIT_CONNECT_MSG_AUTH (Ceph's "half accept" range). */
export function isHalfAcceptState(s: V1State): boolean {
  return HALF_ACCEPT.has(s);
}
/** Any handshake state (the ready timeout applies). */
export function isHandshakeState(s: V1State): boolean {
  return CONNECTING.has(s) || HALF_ACCEPT.has(s) || s === 'ACCEPTING_HANDLED_CONNECT_MSG';
}
