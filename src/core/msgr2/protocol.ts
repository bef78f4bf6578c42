/**
 * The msgr2 connection machine (Ceph's ProtocolV2), sans-IO. One instance per logical
 * connection; it survives socket faults (per-socket state is reset on each new transport) and
 * may be handed a socket accepted by another connection (reuse on race / reconnect).
 *
 * This file holds the machine's state, breakpoints, transport events, timers and lifecycle. The
 * rest are functions of it: the read loop (read-loop.ts), the READY receive path (ready-rx.ts),
 * transmit building (ready-tx.ts), the fault procedure (fault.ts), and the handshake handlers of
 * each role (connector.ts, acceptor.ts).
 */
import { Buffer } from 'node:buffer';
import { ByteQueue } from '../../encoding/byte-queue.ts';
import { formatAddr, formatAddrVec, type EntityAddr } from '../../encoding/types/entity-addr.ts';
import { formatEntityNameT } from '../../encoding/types/entity-name.ts';
import { MsgrError, isMsgrError, toMsgrError } from '../../errors.ts';
import type { Message } from '../../messages/message.ts';
import type { Conn, WireProtocol } from '../conn.ts';
import type { CoreContext } from '../context.ts';
import type { Breakpoint } from '../interceptor.ts';
import { TRACE } from '../log.ts';
import { ReadThrottle, delayAt, hostDeadline, hostTick, interceptAt, unblockAt } from '../proto-common.ts';
import { encodeBanner } from './banner.ts';
import type { FrameDecoder } from './frame-decoder.ts';
import type { FrameEncoder } from './frame-encoder.ts';
import type { MsgHeader2 } from './header2.ts';
import { TxBatch } from './tx-batch.ts';
import { tagName } from './tags.ts';
import type { V2State } from './states.ts';
import { startClientBanner } from './connector.ts';
import { freshAuth, type AuthMeta } from './auth-meta.ts';
import { readLoop } from './read-loop.ts';
import { handleAck } from './ready-rx.ts';
import { encodeMessage, takeTransmit } from './ready-tx.ts';
import { fault } from './fault.ts';
import { timerPhase } from './timers.ts';

export { sigEquals, type AuthMeta } from './auth-meta.ts';

export class ProtocolV2 implements WireProtocol {
  readonly version = 2 as const;
  state: V2State = 'NONE';
  // ---- per-socket state (reset for every transport) ----
  rx = new ByteQueue();
  enc: FrameEncoder | undefined;
  dec: FrameDecoder | undefined;
  rev1 = false;
  /** pre-auth transcripts for AUTH_SIGNATURE (null once auth is done) */
  txRecord: Buffer[] | null = null;
  rxRecord: Buffer[] | null = null;
  auth: AuthMeta = freshAuth();
  /** encoded frames waiting to be written (handshake frames) */
  pending: Buffer[] = [];
  /** the transmit batch (slab reused across writes) */
  readonly batch = new TxBatch();
  /** scratch header for outgoing messages */
  readonly txHeader: MsgHeader2 = {
    seq: 0n,
    tid: 0n,
    type: 0,
    priority: 0,
    version: 0,
    dataPrePaddingLen: 0,
    dataOff: 0,
    ackSeq: 0n,
    flags: 3,
    compatVersion: 0,
    reserved: 0,
  };
  pendingBytes = 0;
  /** features offered by the peer in CLIENT_IDENT ∩ ours (acceptor), applied on reuse */
  connectionFeatures = 0n;
  // ---- connection-level state ----
  replacing = false;
  reconnecting = false;
  backoffMs = 0;
  /** time to (re)open a transport (backoff), or 0 */
  wakeAt = 0;
  /** a BLOCK/STALL breakpoint (or an injected delay) parked this connection: what to do on unblock */
  blocked: (() => void) | undefined;
  /** an injected internal delay ends at this time (0 = parked until unblock()) */
  blockedUntil = 0;
  /** read throttle: units for the current MESSAGE are taken after its preamble (shared with msgr1) */
  readonly throttle: ReadThrottle;
  lastKeepaliveSent = 0;
  /** the transport closed while blocked */
  /** the transport closed while parked (null: it did not) */
  closedWhileBlocked: Error | undefined | null = null;

  constructor(
    readonly conn: Conn,
    readonly ctx: CoreContext,
  ) {
    this.throttle = new ReadThrottle(conn, ctx, () => this.onThrottleWake());
  }

  get stateName(): string {
    return this.state;
  }
  get isReady(): boolean {
    return this.state === 'READY';
  }
  get isClosed(): boolean {
    return this.state === 'CLOSED';
  }

  // ------------------------------------------------------------------ logging

  prefix(): string {
    const c = this.conn;
    const s = c.session;
    return (
      `--2- ${formatAddrVec(this.ctx.myAddrs())} >> ${formatAddrVec(c.peerAddrs)} conn(${c.id} ` +
      `${this.auth.conMode === 2 ? 'secure' : this.auth.conMode === 1 ? 'crc' : 'unknown'} ` +
      `:${c.role === 'acceptor' ? (c.localAddr?.port ?? -1) : -1} ` +
      `s=${this.state} pgs=${s.peerGlobalSeq} cs=${s.connectSeq} l=${c.policy.lossy ? 1 : 0} ` +
      `rev1=${this.rev1 ? 1 : 0} in_seq=${s.inSeq} out_seq=${s.outSeq}).`
    );
  }
  log(level: number, text: () => string): void {
    if (this.ctx.log.level >= level) this.ctx.log.write(level, this.prefix() + text());
  }

  setState(s: V2State): void {
    if (this.state !== s) {
      this.log(10, () => ` state ${this.state} -> ${s}`);
      if (TRACE.state) TRACE.state(this.ctx, this.conn, this.state, s);
      this.state = s;
    }
  }

  // ------------------------------------------------------------------ breakpoints

  /**
   * Consult the interceptor. Returns true if the caller may proceed now. FAULT runs the fault
   * path; BLOCK parks `resume` until unblock(); STALL runs `complete`, then kills the socket and
   * parks a fault.
   */
  intercept(bp: Breakpoint, resume: () => void, complete?: () => void): boolean {
    return interceptAt(this, bp, resume, complete);
  }

  /**
   * ms_inject_internal_delays: at a race-prone point, maybe park for a while (Ceph sleeps the
   * thread there). Returns true if the caller may go on now; otherwise `go` runs later.
   */
  delayPoint(go: () => void): boolean {
    return delayAt(this, go);
  }

  unblock(now: number): void {
    unblockAt(this, now);
  }

  // ------------------------------------------------------------------ sending

  /** Record + queue raw bytes (banner). */
  sendRaw(b: Buffer): void {
    if (this.txRecord) this.txRecord.push(b);
    this.pending.push(b);
    this.pendingBytes += b.length;
    this.ctx.markDirty(this.conn);
  }

  /**
   * Encode and queue one control frame (recorded while pre-auth). `next` runs after the frame
   * is queued (Ceph's WRITE continuation). Breakpoint `TAG:w` is consulted first.
   */
  send(tag: number, payload: Buffer, next?: () => void): void {
    const doWrite = (): void => {
      const bufs = this.enc!.encode(tag, [payload]);
      for (const b of bufs) {
        this.pending.push(b);
        this.pendingBytes += b.length;
      }
      if (this.txRecord) this.txRecord.push(bufs.length === 1 ? bufs[0]! : Buffer.concat(bufs));
      this.log(5, () => ` >> ${tagName(tag)} len=${payload.length}`);
      if (TRACE.frame) TRACE.frame(this.ctx, this.conn, 'tx', tag, payload.length);
      this.ctx.markDirty(this.conn);
    };
    const go = (): void => {
      doWrite();
      if (next) next();
    };
    // STALL: the frame is written, then the socket dies and the protocol freezes before its
    // continuation (crimson's stale connection: it did its step, it never gets further)
    if (this.intercept(`${tagName(tag)}:w`, go, doWrite)) go();
  }

  // ------------------------------------------------------------------ transport events

  connect(now: number): void {
    const c = this.conn;
    if (this.state === 'CLOSED') return;
    this.setState('START_CONNECT');
    this.wakeAt = 0;
    c.attemptStarted = now;
    c.stats.connectAttempts++;
    const open = (): void => this.ctx.openTransport(c);
    if (this.intercept('SOCKET_CONNECTING', open)) open();
  }

  onConnected(localAddr: EntityAddr | undefined, now: number): void {
    if (this.state !== 'START_CONNECT') return;
    this.conn.localAddr = localAddr;
    this.conn.lastActive = now;
    this.conn.lastRead = now;
    startClientBanner(this, now);
  }

  onAccepted(now: number): void {
    const c = this.conn;
    this.setState('START_ACCEPT');
    c.attemptStarted = now;
    c.lastActive = now;
    c.lastRead = now;
    c.stats.acceptAttempts++;
    const go = (): void => {
      this.resetSocketState();
      this.setState('BANNER_ACCEPTING');
      this.sendBanner();
    };
    if (this.intercept('SOCKET_ACCEPTED', go)) go();
  }

  sendBanner(): void {
    this.txRecord = [];
    this.rxRecord = [];
    const go = (): void => this.sendRaw(encodeBanner(this.ctx.config.ms_msgr2_rev1 ? 1n : 0n, 0n));
    if (this.intercept('BANNER_WRITE', go, go)) go();
  }

  onBytes(chunk: Buffer, now: number): void {
    const c = this.conn;
    c.lastActive = now;
    c.lastRead = now;
    c.stats.bytesIn += chunk.length;
    this.rx.push(chunk);
    if (this.blocked) return;
    this.process(now);
  }

  onTransportClosed(err: Error | undefined, now: number): void {
    if (this.blocked) {
      this.closedWhileBlocked = err;
      return;
    }
    if (this.state === 'CLOSED' || this.state === 'STANDBY' || this.state === 'NONE') return;
    if (this.state === 'START_CONNECT' && this.conn.tid === undefined && this.wakeAt > 0) return;
    this.fault(toMsgrError(err ?? new MsgrError('ERR_CONNECTION_CLOSED', 'connection closed by peer')), now);
  }

  /** Reset everything tied to one socket (Ceph reset_recv_state + per-attempt auth). */
  resetSocketState(): void {
    this.rx.clear();
    this.enc = undefined;
    this.dec = undefined;
    this.rev1 = false;
    this.txRecord = null;
    this.rxRecord = null;
    this.auth = freshAuth();
    this.pending = [];
    this.pendingBytes = 0;
    this.releaseHeld();
  }

  // ------------------------------------------------------------------ read loop

  /** Consume whatever complete units the rx queue holds. */
  process(now: number): void {
    try {
      readLoop(this, now);
    } catch (e) {
      if (!isMsgrError(e)) throw e;
      this.log(1, () => ` ${e.code}: ${e.message}`);
      this.fault(e, now);
    }
  }

  expectReady(tag: number): void {
    if (this.state !== 'READY') {
      throw new MsgrError('ERR_FRAME_UNEXPECTED', `${tagName(tag)} in state ${this.state}`, { origin: 'remote' });
    }
  }

  // ------------------------------------------------------------------ READY: messages

  private onThrottleWake(): void {
    if (this.state !== 'READY') return;
    this.ctx.resumeTransport(this.conn);
    this.process(this.ctx.now);
  }

  releaseHeld(): void {
    this.throttle.release();
  }

  handleAck(seq: bigint): void {
    handleAck(this, seq);
  }

  // ------------------------------------------------------------------ transmit

  wantsWrite(): boolean {
    if (this.blocked) return false;
    if (this.pending.length) return true;
    if (this.state !== 'READY' || this.replacing) return false;
    const s = this.conn.session;
    return s.hasQueued || s.ackLeft > 0 || s.keepalivePending || s.keepaliveAcks.length > 0;
  }

  takeTransmit(now: number, maxBytes: number): Buffer[] | undefined {
    return takeTransmit(this, now, maxBytes);
  }

  encodeMessage(m: Message, ackSeq: bigint): Buffer[] {
    return encodeMessage(this, m, ackSeq);
  }

  // ------------------------------------------------------------------ queue / keepalive

  onQueued(now: number): void {
    const c = this.conn;
    if (this.state === 'STANDBY' && !c.policy.server && c.session.hasQueued) {
      this.log(10, () => ` standby: something to send, reconnecting`);
      if (c.session.serverCookie) c.session.connectSeq++;
      c.session.globalSeq = this.ctx.nextGlobalSeq();
      this.connect(now);
      return;
    }
    if (this.state === 'READY') this.ctx.markDirty(c);
  }

  // ------------------------------------------------------------------ timers

  /** Our own read throttle holds reads back (timers: the silence is ours, not the peer's). */
  get readsPaused(): boolean {
    return this.throttle.waiting;
  }
  /** when our throttle last let reads go on (the peer's silence counts from here) */
  get readsResumedAt(): number {
    return this.throttle.resumedAt;
  }

  nextDeadline(): number | undefined {
    return hostDeadline(this, timerPhase(this));
  }

  onTick(now: number): void {
    hostTick(this, timerPhase(this), now);
  }

  // ------------------------------------------------------------------ lifecycle

  ready(now: number): void {
    this.reconnecting = false;
    this.replacing = false;
    this.conn.lastActive = now;
    this.lastKeepaliveSent = now;
    this.setState('READY');
    this.log(1, () => ` ready entity=${formatEntityNameT(this.conn.peerName)} client_cookie=${this.conn.session.clientCookie.toString(16)} server_cookie=${this.conn.session.serverCookie.toString(16)}`);
    this.ctx.emit({ kind: 'step', conn: this.conn.id, step: 'READY' });
    this.ctx.markDirty(this.conn);
    // bytes that arrived together with the last handshake frame
    if (this.rx.length) this.process(now);
  }

  /** Local close (mark_down): no reset event. */
  stop(): void {
    if (this.state === 'CLOSED') return;
    this.log(1, () => ` stop`);
    this.blocked = undefined;
    this.blockedUntil = 0;
    this.releaseHeld();
    this.setState('CLOSED');
    this.ctx.closeTransport(this.conn);
    this.resetSocketState();
    this.ctx.stopped(this.conn);
  }

  /** Close and tell the upper layer (queue_reset), if it ever knew about this connection. */
  stopWithReset(error?: MsgrError): void {
    const announced = this.conn.announced;
    this.stop();
    if (announced) {
      this.conn.stats.localResets++;
      this.ctx.emit({ kind: 'reset', conn: this.conn.id, ...(error ? { error } : {}) });
    }
  }

  /** Give up for good (refused by the peer): close with a reset and a final refused event. */
  abort(error: MsgrError): void {
    this.ctx.emit({ kind: 'refused', conn: this.conn.id, error, final: true });
    this.stopWithReset(error);
  }

  /** Ceph reset_session: the session is gone; queued messages are discarded. */
  resetSession(): void {
    const discarded = this.conn.session.reset();
    this.conn.stats.remoteResets++;
    this.ctx.emit({ kind: 'remote-reset', conn: this.conn.id, discarded: discarded.length });
  }

  fault(err: MsgrError, now = this.ctx.now): void {
    fault(this, err, now);
  }

  describe(): string {
    const c = this.conn;
    return `${c.id} ${this.state} peer=${formatEntityNameT(c.peerName)} ${c.targetAddr ? formatAddr(c.targetAddr) : '-'}`;
  }
}
