/**
 * Pieces of a connection machine that are the same for msgr2 (ProtocolV2) and msgr1
 * (ProtocolV1): the breakpoint protocol of the interceptor, the read-side throttles taken for a
 * message before its payload is read (wire §8.8), and the connection timers (ready timeout,
 * idle timeout, keepalive interval/timeout, backoff wake-up; wire §8.7).
 */
import { MsgrError } from '../errors.ts';
import type { MsgrConfig } from './config.ts';
import type { Conn } from './conn.ts';
import type { CoreContext, ThrottleToken } from './context.ts';
import type { Breakpoint } from './interceptor.ts';

/** What the shared helpers need of a protocol object. */
export interface ProtoHost {
  readonly conn: Conn;
  readonly ctx: CoreContext;
  /** a BLOCK/STALL breakpoint parked the connection: what to run on unblock */
  blocked: (() => void) | undefined;
  readonly isClosed: boolean;
  fault(err: MsgrError, now?: number): void;
  log(level: number, text: () => string): void;
}

/**
 * Ceph's sequence check of an incoming message (both protocols): true = deliver it; false = an
 * old one (seq <= in_seq), dropped with its throttle units given back. A skipped seq is counted
 * and delivered. `ms_die_on_old_message` (when `dieOnOld`) and `ms_die_on_skipped_message` turn
 * those into ERR_FRAME_INVALID (units given back). No closure: this runs for every message.
 */
export function admitIncoming(p: ProtoHost, seq: bigint, token: ThrottleToken | undefined, dieOnOld: boolean): boolean {
  const c = p.conn;
  const s = c.session;
  const verdict = s.judgeIncoming(seq);
  if (verdict === 'ok') return true;
  if (verdict === 'old') {
    if (token) p.ctx.releaseThrottle(token);
    c.stats.duplicates++;
    p.log(0, () => ` got old message ${seq} <= ${s.inSeq}, discarding`);
    if (dieOnOld && p.ctx.config.ms_die_on_old_message) {
      throw new MsgrError('ERR_FRAME_INVALID', `old message seq ${seq} <= in_seq ${s.inSeq}`, { origin: 'remote' });
    }
    return false;
  }
  c.stats.skipped++;
  p.log(0, () => ` missed message? skipped from seq ${s.inSeq} to ${seq}`);
  if (p.ctx.config.ms_die_on_skipped_message) {
    if (token) p.ctx.releaseThrottle(token);
    throw new MsgrError('ERR_FRAME_INVALID', `skipped seq ${s.inSeq} -> ${seq}`, { origin: 'remote' });
  }
  return true;
}

/** A protocol that can be parked (breakpoint or injected delay) and resumed by unblock(). */
export interface ParkableHost extends ProtoHost {
  /** an injected internal delay ends at this time (0 = parked until unblock()) */
  blockedUntil: number;
  /** the transport closed while parked (null: it did not) */
  closedWhileBlocked: Error | undefined | null;
  onTransportClosed(err: Error | undefined, now: number): void;
  process(now: number): void;
}

/**
 * ms_inject_internal_delays: at a race-prone point, maybe park for a while (Ceph sleeps the
 * thread there). Returns true if the caller may go on now; otherwise `go` runs later.
 */
export function delayAt(p: ParkableHost, go: () => void): boolean {
  const d = p.ctx.internalDelayMs();
  if (d <= 0) return true;
  p.log(1, () => ` injecting internal delay of ${d} ms`);
  p.blocked = go;
  p.blockedUntil = p.ctx.now + d;
  return false;
}

/** Resume a parked protocol: run what was parked, then a close that came meanwhile, or the reads. */
export function unblockAt(p: ParkableHost, now: number): void {
  const k = p.blocked;
  if (!k) return;
  p.blocked = undefined;
  p.blockedUntil = 0;
  k();
  const cw = p.closedWhileBlocked;
  if (cw !== null) {
    p.closedWhileBlocked = null;
    p.onTransportClosed(cw, now);
    return;
  }
  p.process(now);
  p.ctx.markDirty(p.conn);
}

/**
 * Consult the interceptor at `bp`. Returns true if the caller may proceed now. FAULT runs the
 * fault path; BLOCK parks `resume` until unblock(); STALL runs `complete` (default `resume`),
 * then kills the socket and parks a fault for unblock().
 */
export function interceptAt(p: ProtoHost, bp: Breakpoint, resume: () => void, complete?: () => void): boolean {
  const ic = p.ctx.interceptor;
  if (!ic) return true;
  const a = ic.intercept(p.conn.id, bp);
  if (a === 'CONTINUE') return true;
  p.log(1, () => ` breakpoint ${bp} -> ${a}`);
  if (a === 'FAULT') {
    p.fault(new MsgrError('ERR_INJECTED', `injected fault at ${bp}`));
  } else if (a === 'BLOCK') {
    p.blocked = resume;
  } else {
    (complete ?? resume)();
    if (p.isClosed) return false;
    p.ctx.closeTransport(p.conn);
    p.blocked = () => p.fault(new MsgrError('ERR_INJECTED', `stalled at ${bp}`));
  }
  return false;
}

/**
 * The throttles of one incoming message (policy messages, policy bytes, messenger dispatch
 * bytes), taken all-or-nothing after the message header and before its payload. When one is
 * full the socket is paused and `onWake` runs once units are released.
 */
export class ReadThrottle {
  /** units held for the message being read */
  held: ThrottleToken | undefined;
  /** waiting for units (socket paused) */
  waiting = false;
  /** when the last wait ended (timers count the peer's silence from here, not from the pause) */
  resumedAt = 0;
  /** the release callback registered while waiting (stale ones are ignored) */
  private wake: (() => void) | undefined;

  /** `onWake` runs when a wait ends (the protocol resumes reads there) */
  constructor(
    private readonly conn: Conn,
    private readonly ctx: CoreContext,
    private readonly onWake: () => void,
  ) {}

  /**
   * Take units for a message of `bytes` payload bytes; false = wait (onWake runs later).
   * Per-message hot path: no closure unless it has to wait.
   */
  take(bytes: number): boolean {
    const set = this.ctx.throttlesFor(this.conn);
    const m = set.messages;
    const b = set.bytes;
    if (m !== undefined && !m.tryGet(1)) return this.park(m);
    if (b !== undefined && !b.tryGet(bytes)) {
      if (m !== undefined) m.put(1);
      return this.park(b);
    }
    if (!set.dispatch.tryGet(bytes)) {
      if (m !== undefined) m.put(1);
      if (b !== undefined) b.put(bytes);
      return this.park(set.dispatch);
    }
    this.held = { set, bytes, messages: m !== undefined ? 1 : 0 };
    return true;
  }

  private park(t: { onRelease(cb: () => void): void }): boolean {
    this.waiting = true;
    this.ctx.pauseTransport(this.conn);
    const wake = (): void => {
      if (this.wake !== wake) return;
      this.wake = undefined;
      this.waiting = false;
      // the pause was ours: the peer's silence is counted from now
      this.resumedAt = this.ctx.now;
      this.onWake();
    };
    this.wake = wake;
    t.onRelease(wake);
    return false;
  }

  /** Hand the held units over (to the dispatched message). */
  takeHeld(): ThrottleToken | undefined {
    const t = this.held;
    this.held = undefined;
    return t;
  }

  /** Give held units back and stop waiting (socket reset, message dropped). */
  release(): void {
    if (this.held) {
      this.ctx.releaseThrottle(this.held);
      this.held = undefined;
    }
    if (this.waiting) {
      this.waiting = false;
      this.wake = undefined;
    }
  }
}

/** Which timers apply: waiting to reconnect, handshaking, ready, or none. */
export type TimerPhase = 'backoff' | 'handshake' | 'ready' | 'none';

export interface TimerState {
  /** time to reopen a transport (backoff), 0 = none */
  wakeAt: number;
  lastKeepaliveSent: number;
  /** our own read throttle holds reads back (the silence is ours, not the peer's) */
  readonly readsPaused?: boolean;
  /** when our throttle last let reads go on (0 = never paused) */
  readonly readsResumedAt?: number;
}

/**
 * READY deadlines (absolute ms). Liveness is judged by bytes read: the idle timer counts reads
 * and writes (Ceph), except that a lossless session with unacknowledged messages is waiting for
 * its peer, so only reads count then (queueing, or writing into a black hole, never keeps a dead
 * session alive: bug #8). While our own throttle holds reads back, the idle and keepalive
 * timeouts are suspended (Ceph's throttle wait refreshes last_active every ms) but keepalives
 * still go out, so the peer keeps hearing us. A keepalive is due when nothing was *read* for an
 * interval (a side that only writes would otherwise never ask its peer for a sign of life).
 */
export function readyDeadlines(c: Conn, cfg: MsgrConfig, t: TimerState): { idle: number; keepalive: number; silent: number } {
  const paused = t.readsPaused === true;
  const waiting = !c.policy.lossy && c.session.sent.size > 0;
  const resumed = t.readsResumedAt ?? 0;
  // what the peer is judged by: bytes read, not counting the time our throttle kept us deaf
  const heard = Math.max(c.lastRead, resumed);
  const idle = cfg.ms_connection_idle_timeout * 1000;
  return {
    idle: idle > 0 && !paused ? (waiting ? heard : Math.max(c.lastActive, resumed)) + idle : Infinity,
    // (true reads only: a connection kept deaf by its throttle asks for a sign of life every interval)
    keepalive: cfg.ms_keepalive_interval > 0 ? Math.max(t.lastKeepaliveSent, c.lastRead) + cfg.ms_keepalive_interval * 1000 : Infinity,
    silent: cfg.ms_keepalive_timeout > 0 && !paused ? heard + cfg.ms_keepalive_timeout * 1000 : Infinity,
  };
}

/** The next deadline of a connection in a phase (ms), or undefined. */
export function connDeadline(phase: TimerPhase, c: Conn, cfg: MsgrConfig, t: TimerState): number | undefined {
  if (phase === 'backoff') return t.wakeAt;
  if (phase === 'handshake') return cfg.ms_connection_ready_timeout > 0 ? c.attemptStarted + cfg.ms_connection_ready_timeout * 1000 : undefined;
  if (phase !== 'ready') return undefined;
  const d = readyDeadlines(c, cfg, t);
  const m = Math.min(d.idle, d.keepalive, d.silent);
  return m === Infinity ? undefined : m;
}

export type TickAction = { kind: 'wake' } | { kind: 'fault'; error: MsgrError; why: string } | { kind: 'keepalive' } | undefined;

/**
 * What a timer tick at `now` asks for (the caller acts on it). Deadlines are compared exactly as
 * connDeadline computes them (`now >= deadline`): with fractional times, `now - start >= limit`
 * can miss a deadline that nextDeadline reports as due, and the timer would spin.
 */
export function connTick(phase: TimerPhase, c: Conn, cfg: MsgrConfig, t: TimerState, now: number, stateName: string): TickAction {
  if (phase === 'backoff') return now >= t.wakeAt ? { kind: 'wake' } : undefined;
  if (phase === 'handshake') {
    const lim = cfg.ms_connection_ready_timeout;
    if (lim > 0 && now >= c.attemptStarted + lim * 1000) {
      return {
        kind: 'fault',
        error: new MsgrError('ERR_HANDSHAKE_TIMEOUT', `not ready after ${lim}s in ${stateName}`),
        why: `no progress in ${lim}s while ${stateName}`,
      };
    }
    return undefined;
  }
  if (phase !== 'ready') return undefined;
  const d = readyDeadlines(c, cfg, t);
  if (now >= d.idle) {
    return {
      kind: 'fault',
      error: new MsgrError('ERR_IDLE_TIMEOUT', `idle for ${cfg.ms_connection_idle_timeout}s`),
      why: `idle for more than ${cfg.ms_connection_idle_timeout}s`,
    };
  }
  if (now >= d.silent) {
    return {
      kind: 'fault',
      error: new MsgrError('ERR_KEEPALIVE_TIMEOUT', `peer silent for ${cfg.ms_keepalive_timeout}s`),
      why: `nothing heard for ${cfg.ms_keepalive_timeout}s`,
    };
  }
  if (now >= d.keepalive) return { kind: 'keepalive' };
  return undefined;
}

/** A protocol with timers: parked-able, reconnecting, keeping alive (both msgr1 and msgr2). */
export interface TimedHost extends ProtoHost, TimerState {
  blockedUntil: number;
  readonly stateName: string;
  unblock(now: number): void;
  connect(now: number): void;
}

/** The next deadline of `p` in `phase` (a parked protocol: only the end of its delay). */
export function hostDeadline(p: TimedHost, phase: TimerPhase): number | undefined {
  if (p.blocked) return p.blockedUntil || undefined;
  return connDeadline(phase, p.conn, p.ctx.config, p);
}

/** A timer fired: end an injected delay, reconnect after the backoff, fault on a timeout, or keep alive. */
export function hostTick(p: TimedHost, phase: TimerPhase, now: number): void {
  if (p.blocked) {
    if (p.blockedUntil && now >= p.blockedUntil) p.unblock(now);
    return;
  }
  const a = connTick(phase, p.conn, p.ctx.config, p, now, p.stateName);
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
