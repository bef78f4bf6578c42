/**
 * msgr2 connection states, with Ceph's names (src/msg/async/ProtocolV2.h) and the range
 * predicates Ceph's fault logic relies on.
 */
export type V2State =
  | 'NONE'
  | 'START_CONNECT'
  | 'BANNER_CONNECTING'
  | 'HELLO_CONNECTING'
  | 'AUTH_CONNECTING'
  | 'AUTH_CONNECTING_SIGN'
  | 'SESSION_CONNECTING'
  | 'SESSION_RECONNECTING'
  | 'START_ACCEPT'
  | 'BANNER_ACCEPTING'
  | 'HELLO_ACCEPTING'
  | 'AUTH_ACCEPTING'
  | 'AUTH_ACCEPTING_MORE'
  | 'AUTH_ACCEPTING_SIGN'
  | 'SESSION_ACCEPTING'
  | 'READY'
  | 'STANDBY'
  | 'WAIT'
  | 'CLOSED';

const CONNECTING: ReadonlySet<V2State> = new Set([
  'START_CONNECT',
  'BANNER_CONNECTING',
  'HELLO_CONNECTING',
  'AUTH_CONNECTING',
  'AUTH_CONNECTING_SIGN',
  'SESSION_CONNECTING',
  'SESSION_RECONNECTING',
]);
const ACCEPTING: ReadonlySet<V2State> = new Set([
  'START_ACCEPT',
  'BANNER_ACCEPTING',
  'HELLO_ACCEPTING',
  'AUTH_ACCEPTING',
  'AUTH_ACCEPTING_MORE',
  'AUTH_ACCEPTING_SIGN',
  'SESSION_ACCEPTING',
]);

/** START_CONNECT ..= SESSION_RECONNECTING */
export function isConnectingState(s: V2State): boolean {
  return CONNECTING.has(s);
}
/** START_ACCEPT ..= SESSION_ACCEPTING */
export function isAcceptingState(s: V2State): boolean {
  return ACCEPTING.has(s);
}
/** states in which frames are read from the socket */
export function readsFrames(s: V2State): boolean {
  return (CONNECTING.has(s) || ACCEPTING.has(s) || s === 'READY') && s !== 'START_CONNECT' && s !== 'START_ACCEPT';
}
