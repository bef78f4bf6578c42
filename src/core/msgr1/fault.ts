/**
 * msgr1 session reset and fault procedure (Ceph's ProtocolV1::session_reset and ::fault, wire
 * §8.6). Where Ceph's V1 differs from its V2 this follows V1:
 *  - a lossy connection fails (closed + reset) on a fault anywhere but START_CONNECT /
 *    CONNECTING (TCP connect, banner write) — V2 retries the whole handshake;
 *  - the "half accept" close also requires that no session was ever opened (once_ready);
 *  - a fault while connecting (or after WAIT) backs off without touching connect_seq;
 *  - a fault of an open session reconnects at once with connect_seq + 1.
 */
import { Feature, hasFeature } from '../../encoding/types/features.ts';
import type { MsgrError } from '../../errors.ts';
import { randomU32 } from '../random.ts';
import { nextBackoff } from '../session/backoff.ts';
import type { ProtocolV1 } from './protocol.ts';
import { isConnectingState, isHalfAcceptState } from './states.ts';

/** Ceph's SEQ_MASK: a randomised out_seq stays below 2^31. */
const SEQ_MASK = 0x7fffffff;

/**
 * Ceph session_reset: discard queued and unacked messages, forget seqs and connect_seq, tell
 * the upper layer (remote reset). With MSG_AUTH, out_seq restarts at a random value < 2^31.
 */
export function sessionReset(p: ProtocolV1): void {
  const c = p.conn;
  const s = c.session;
  const pgs = s.peerGlobalSeq;
  const discarded = s.reset();
  s.peerGlobalSeq = pgs;
  if (hasFeature(s.features, Feature.MSG_AUTH)) s.outSeq = BigInt(randomU32(p.ctx.random) & SEQ_MASK);
  p.onceReady = false;
  c.stats.remoteResets++;
  p.log(1, () => ` session reset: ${discarded.length} messages discarded`);
  p.ctx.emit({ kind: 'remote-reset', conn: c.id, discarded: discarded.length });
}

/** Ceph ProtocolV1::fault. */
export function faultV1(p: ProtocolV1, err: MsgrError, now: number): void {
  const c = p.conn;
  const s = c.session;
  const st = p.state;
  if (st === 'CLOSED' || st === 'NONE') return;
  c.stats.faults++;
  p.log(1, () => ` fault ${err.code}: ${err.message}`);
  p.ctx.emit({ kind: 'fault', conn: c.id, error: err, state: st });
  if (c.policy.lossy && st !== 'START_CONNECT' && st !== 'CONNECTING') {
    p.log(1, () => ` on lossy channel, failing`);
    p.stopWithReset(err);
    return;
  }
  p.isResetFromPeer = false;
  s.requeueSent();
  if (!p.onceReady && !s.hasQueued && isHalfAcceptState(st) && !p.replacing) {
    p.log(10, () => ` with nothing to send and in the half accept state just closed`);
    p.stopWithReset(err);
    return;
  }
  p.replacing = false;
  p.ctx.closeTransport(c);
  p.resetSocketState();
  if (c.policy.standby && !s.hasQueued && !s.keepalivePending && st !== 'WAIT') {
    p.log(10, () => ` with nothing to send, going to standby`);
    p.setState('STANDBY');
    return;
  }
  if (isConnectingState(st) || st === 'WAIT') {
    const cfg = p.ctx.config;
    p.backoffMs = nextBackoff(p.backoffMs, { initialMs: cfg.ms_initial_backoff * 1000, maxMs: cfg.ms_max_backoff * 1000 }, st === 'WAIT');
    p.setState('START_CONNECT');
    p.wakeAt = now + p.backoffMs;
    p.log(10, () => ` waiting ${p.backoffMs} ms`);
    return;
  }
  p.backoffMs = 0;
  if (c.policy.server || !c.targetAddr || c.targetAddr.port === 0) {
    p.log(1, () => ` server, going to standby`);
    p.setState('STANDBY');
    return;
  }
  p.log(1, () => ` initiating reconnect`);
  s.connectSeq++;
  p.connect(now);
}
