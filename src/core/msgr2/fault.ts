/**
 * Ceph's ProtocolV2::_fault for the msgr2 machine: what a connection does after its socket
 * failed — close (lossy), requeue and reconnect at once or after a backoff (lossless client),
 * or wait in STANDBY for the peer (server side, or nothing to send).
 */
import type { MsgrError } from '../../errors.ts';
import { nextBackoff } from '../session/backoff.ts';
import { isAcceptingState, isConnectingState } from './states.ts';
import type { ProtocolV2 } from './protocol.ts';

/** Ceph ProtocolV2::_fault. */
export function fault(p: ProtocolV2, err: MsgrError, now: number): void {
  const c = p.conn;
  const st = p.state;
  if (st === 'CLOSED' || st === 'NONE') return;
  c.stats.faults++;
  p.log(1, () => ` fault ${err.code}: ${err.message}`);
  p.ctx.emit({ kind: 'fault', conn: c.id, error: err, state: st });
  // (a lossy connector told to WAIT lost a connect race: the peer's connection will adopt it,
  // so back off like a lossless one instead of closing — see acceptor.ts raceExisting)
  if (c.policy.lossy && !isConnectingState(st) && st !== 'WAIT') {
    p.stopWithReset(err);
    return;
  }
  c.session.requeueSent();
  if (!c.session.hasQueued && isAcceptingState(st) && !p.replacing) {
    p.log(2, () => ` with nothing to send and in the half accept state just closed`);
    p.stopWithReset(err);
    return;
  }
  p.replacing = false;
  p.ctx.closeTransport(c);
  p.resetSocketState();
  p.reconnecting = false;
  if (c.policy.standby && !c.session.hasQueued && !c.session.keepalivePending && st !== 'WAIT') {
    p.log(1, () => ` with nothing to send, going to standby`);
    p.setState('STANDBY');
    return;
  }
  if (c.policy.server || !c.targetAddr || c.targetAddr.port === 0) {
    p.log(1, () => ` server, going to standby`);
    p.setState('STANDBY');
    return;
  }
  if (!isConnectingState(st) && st !== 'WAIT' && st !== 'SESSION_ACCEPTING') {
    p.log(1, () => ` initiating reconnect`);
    c.session.connectSeq++;
    c.session.globalSeq = p.ctx.nextGlobalSeq();
    p.backoffMs = 0;
    p.connect(now);
    return;
  }
  p.backoffMs = nextBackoff(
    p.backoffMs,
    { initialMs: p.ctx.config.ms_initial_backoff * 1000, maxMs: p.ctx.config.ms_max_backoff * 1000 },
    st === 'WAIT',
  );
  if (c.session.serverCookie) c.session.connectSeq++;
  c.session.globalSeq = p.ctx.nextGlobalSeq();
  p.setState('START_CONNECT');
  p.wakeAt = now + p.backoffMs;
  p.log(1, () => ` waiting ${p.backoffMs} ms`);
}
