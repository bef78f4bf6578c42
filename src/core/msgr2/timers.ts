/**
 * Which of the connection timers (backoff before a reconnect, handshake and ready timeouts,
 * keepalives) apply to a msgr2 connection in its current state. The deadlines and what a tick
 * does are shared with msgr1 (proto-common.ts: hostDeadline / hostTick).
 */
import type { TimerPhase } from '../proto-common.ts';
import { isAcceptingState, isConnectingState } from './states.ts';
import type { ProtocolV2 } from './protocol.ts';

export function timerPhase(p: ProtocolV2): TimerPhase {
  if (p.state === 'START_CONNECT' && p.wakeAt > 0) return 'backoff';
  if (isConnectingState(p.state) || isAcceptingState(p.state)) return 'handshake';
  return p.state === 'READY' ? 'ready' : 'none';
}
