/**
 * The msgr2 connection's timers (backoff before a reconnect, handshake and ready timeouts,
 * keepalives): which apply in which state, the next deadline, and what a tick does. The rules
 * themselves are shared with msgr1 (proto-common.ts: connDeadline / connTick).
 */
import { connDeadline, connTick, type TimerPhase } from '../proto-common.ts';
import { isAcceptingState, isConnectingState } from './states.ts';
import type { ProtocolV2 } from './protocol.ts';

/** Which timers apply now. */
function timerPhase(p: ProtocolV2): TimerPhase {
  if (p.state === 'START_CONNECT' && p.wakeAt > 0) return 'backoff';
  if (isConnectingState(p.state) || isAcceptingState(p.state)) return 'handshake';
  return p.state === 'READY' ? 'ready' : 'none';
}

export function nextDeadline(p: ProtocolV2): number | undefined {
  if (p.blocked) return p.blockedUntil || undefined;
  return connDeadline(timerPhase(p), p.conn, p.ctx.config, p);
}

export function onTick(p: ProtocolV2, now: number): void {
  if (p.blocked) {
    if (p.blockedUntil && now >= p.blockedUntil) p.unblock(now);
    return;
  }
  const a = connTick(timerPhase(p), p.conn, p.ctx.config, p, now, p.state);
  if (!a) return;
  if (a.kind === 'wake') p.connect(now);
  else if (a.kind === 'fault') {
    p.log(1, () => ` ${a.why}, fault`);
    p.fault(a.error, now);
  } else {
    p.conn.session.keepalivePending = true;
    p.lastKeepaliveSent = now;
    p.ctx.markDirty(p.conn);
  }
}
