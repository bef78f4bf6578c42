/**
 * The msgr1 connection machine (Ceph's ProtocolV1, wire §5), sans-IO. One instance per logical
 * connection; it outlives sockets (per-socket state is reset on each transport) and may adopt a
 * socket accepted by another connection (Ceph's `replace`).
 *
 * This file: state, the read loop, lifecycle (stop / reset / fault = Ceph's ProtocolV1::fault),
 * timers. The handshake lives in connector.ts (client) and acceptor.ts (server); the READY data
 * path (records in, records out) in data-path.ts.
 *
 * Interceptor breakpoints (msgr1 names): SOCKET_CONNECTING, SOCKET_ACCEPTED, BANNER_WRITE,
 * BANNER_READ (whole peer hello read), CONNECT:w / CONNECT:r (ceph_msg_connect + authorizer),
 * CONNECT_REPLY:w / CONNECT_REPLY:r (reply + authorizer; on the server the le64 after a SEQ
 * reply goes out with it), SEQ:w / SEQ:r (the bare le64 in_seq of the SEQ exchange: client
 * writes, server reads; the client reads the server's), and per record tag MSG, ACK, KEEPALIVE,
 * KEEPALIVE2, KEEPALIVE2_ACK, CLOSE with :r / :w.
 */
import { Buffer } from 'node:buffer';
import { ByteQueue } from '../../encoding/byte-queue.ts';
import { formatAddrVec, type EntityAddr } from '../../encoding/types/entity-addr.ts';
import { Feature, hasFeature } from '../../encoding/types/features.ts';
import { MsgrError, isMsgrError, toMsgrError } from '../../errors.ts';
import { AuthMethod } from '../auth/types.ts';
import { freshAuth, type V1Auth } from './auth-state.ts';
import type { Conn, WireProtocol } from '../conn.ts';
import type { CoreContext } from '../context.ts';
import type { Breakpoint } from '../interceptor.ts';
import { TRACE } from '../log.ts';
import { ReadThrottle, delayAt, hostDeadline, hostTick, interceptAt, unblockAt, type ProtoHost, type TimerPhase } from '../proto-common.ts';
import { readMsgr1ClientHello, readMsgr1ServerHello } from './banner.ts';
import { MSGR1_MAX_AUTHORIZER_LEN, readMsgr1Connect, readMsgr1ConnectReply, type Msgr1Connect, type Msgr1ConnectReply } from './connect.ts';
import { readMsgr1Seq } from './records.ts';
import type { Msgr1RecordDecoder } from './record-decoder.ts';
import { type V1State, isHandshakeState } from './states.ts';
import { faultV1, sessionReset } from './fault.ts';
import { handleAckSeq, handleConnectReply, handleServerHello, startClient } from './connector.ts';
import { handleClientHello, handleConnect, handleClientSeq, startServer } from './acceptor.ts';
import { readRecord, takeTransmit, wantsRecords } from './data-path.ts';

/** Ceph asserts a connect reply's authorizer is shorter than 4096 bytes. */
const MAX_REPLY_AUTHORIZER = 4096;

export class ProtocolV1 implements WireProtocol, ProtoHost {
  readonly version = 1 as const;
  state: V1State = 'NONE';
  // ---- per-socket state ----
  rx = new ByteQueue();
  /** encoded handshake bytes waiting to be written */
  pending: Buffer[] = [];
  pendingBytes = 0;
  /** record decoder, created when the connection opens (footer size depends on MSG_AUTH) */
  dec: Msgr1RecordDecoder | undefined;
  auth: V1Auth = freshAuth();
  /** cephx message signatures of the open session */
  signing: { key: Buffer; v2: boolean } | undefined;
  /** acceptor: the client's banner + address were read */
  gotPeerHello = false;
  /** acceptor: the connect being handled (its features shape every reply) */
  connectMsg: Msgr1Connect | undefined;
  /** acceptor: replied SEQ, the client's le64 in_seq comes next */
  waitForSeq = false;
  /** connector: replied SEQ, the server's le64 in_seq comes next */
  awaitingSeq = false;
  /** connector: the READY/SEQ reply being completed */
  reply: Msgr1ConnectReply | undefined;
  // ---- connection-level state ----
  replacing = false;
  /** Ceph once_ready: a session was opened since the last session reset */
  onceReady = false;
  /** acceptor: this connect is a peer restart (connect_seq 0 against an existing session) */
  isResetFromPeer = false;
  backoffMs = 0;
  wakeAt = 0;
  lastKeepaliveSent = 0;
  blocked: (() => void) | undefined;
  /** an injected internal delay ends at this time (0 = parked until unblock()) */
  blockedUntil = 0;
  readonly throttle: ReadThrottle;
  /** the transport closed while parked (null: it did not) */
  closedWhileBlocked: Error | undefined | null = null;

  constructor(
    readonly conn: Conn,
    readonly ctx: CoreContext,
  ) {
    this.throttle = new ReadThrottle(conn, ctx, () => this.onThrottleWake(this.ctx.now));
  }

  get stateName(): string {
    return this.state;
  }
  get isReady(): boolean {
    return this.state === 'OPENED';
  }
  get isClosed(): boolean {
    return this.state === 'CLOSED';
  }

  // ------------------------------------------------------------------ logging

  /** Ceph's `--1- myaddrs >> peeraddrs conn(… s=STATE pgs= cs= l=).` */
  prefix(): string {
    const c = this.conn;
    const s = c.session;
    return (
      `--1- ${formatAddrVec(this.ctx.myAddrs())} >> ${formatAddrVec(c.peerAddrs)} conn(${c.id} ` +
      `:${c.localAddr?.port ?? 0} s=${this.state} pgs=${s.peerGlobalSeq} cs=${s.connectSeq} l=${c.policy.lossy ? 1 : 0} ` +
      `in_seq=${s.inSeq} out_seq=${s.outSeq}).`
    );
  }
  log(level: number, text: () => string): void {
    if (this.ctx.log.level >= level) this.ctx.log.write(level, this.prefix() + text());
  }

  setState(s: V1State): void {
    if (this.state !== s) {
      this.log(10, () => ` state ${this.state} -> ${s}`);
      if (TRACE.state) TRACE.state(this.ctx, this.conn, this.state, s);
      this.state = s;
    }
  }

  // ------------------------------------------------------------------ breakpoints / sending

  intercept(bp: Breakpoint, resume: () => void, complete?: () => void): boolean {
    return interceptAt(this, bp, resume, complete);
  }

  /**
   * ms_inject_internal_delays: at a race-prone point, maybe park for a while (Ceph's
   * inject_delay). Returns true if the caller may go on now; otherwise `go` runs later.
   */
  delayPoint(go: () => void): boolean {
    return delayAt(this, go);
  }

  unblock(now: number): void {
    unblockAt(this, now);
  }

  /** Queue raw bytes (no breakpoint). */
  sendRaw(bufs: Buffer[]): void {
    for (const b of bufs) {
      this.pending.push(b);
      this.pendingBytes += b.length;
    }
    this.ctx.markDirty(this.conn);
  }

  /** Queue handshake bytes behind breakpoint `bp`; `next` runs once they are queued. */
  sendAt(bp: Breakpoint, bufs: Buffer[], next?: () => void): void {
    const go = (): void => {
      this.sendRaw(bufs);
      if (next) next();
    };
    if (this.intercept(bp, go, go)) go();
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
    startClient(this);
  }

  onAccepted(now: number): void {
    const c = this.conn;
    this.setState('START_ACCEPT');
    c.attemptStarted = now;
    c.lastActive = now;
    c.lastRead = now;
    c.stats.acceptAttempts++;
    const go = (): void => startServer(this);
    if (this.intercept('SOCKET_ACCEPTED', go)) go();
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

  /** Forget everything tied to one socket (Ceph reset_recv_state + AsyncConnection::fault). */
  resetSocketState(): void {
    this.rx.clear();
    this.pending = [];
    this.pendingBytes = 0;
    this.dec = undefined;
    this.auth = freshAuth();
    this.signing = undefined;
    this.gotPeerHello = false;
    this.connectMsg = undefined;
    this.waitForSeq = false;
    this.awaitingSeq = false;
    this.reply = undefined;
    this.throttle.release();
  }

  // ------------------------------------------------------------------ read loop

  process(now: number): void {
    try {
      this.processInner(now);
    } catch (e) {
      if (!isMsgrError(e)) throw e;
      this.log(1, () => ` ${e.code}: ${e.message}`);
      this.fault(e, now);
    }
  }

  /** Read one unit of `read()` behind breakpoint `bp` and handle it; false = stop the loop. */
  private step<T>(value: T | undefined, bp: Breakpoint, handle: (v: T) => void): boolean {
    if (value === undefined) return false;
    const go = (): void => handle(value);
    if (!this.intercept(bp, go, go)) return false;
    go();
    return true;
  }

  private processInner(now: number): void {
    const rx = this.rx;
    for (;;) {
      if (this.blocked || this.throttle.waiting) return;
      let more: boolean;
      switch (this.state) {
        case 'CONNECTING_WAIT_BANNER_AND_IDENTIFY':
          more = this.step(readMsgr1ServerHello(rx), 'BANNER_READ', (h) => handleServerHello(this, h));
          break;
        case 'CONNECTING_SEND_CONNECT_MSG':
          more = this.awaitingSeq
            ? this.step(readMsgr1Seq(rx), 'SEQ:r', (s) => handleAckSeq(this, s, now))
            : this.step(readMsgr1ConnectReply(rx, { maxAuthorizerLen: MAX_REPLY_AUTHORIZER }), 'CONNECT_REPLY:r', (r) =>
                handleConnectReply(this, r, now),
              );
          break;
        case 'ACCEPTING':
        case 'ACCEPTING_WAIT_CONNECT_MSG_AUTH':
          more = !this.gotPeerHello
            ? this.step(readMsgr1ClientHello(rx), 'BANNER_READ', (h) => handleClientHello(this, h))
            : this.step(readMsgr1Connect(rx, { maxAuthorizerLen: MSGR1_MAX_AUTHORIZER_LEN }), 'CONNECT:r', (m) =>
                handleConnect(this, m, now),
              );
          break;
        case 'ACCEPTING_HANDLED_CONNECT_MSG':
          more = this.waitForSeq && this.step(readMsgr1Seq(rx), 'SEQ:r', (s) => handleClientSeq(this, s, now));
          break;
        case 'OPENED':
          more = readRecord(this, now);
          break;
        default:
          more = false;
      }
      if (!more) return;
    }
  }

  /** Throttle units became available: resume reading. */
  onThrottleWake(now: number): void {
    if (this.state !== 'OPENED') return;
    this.ctx.resumeTransport(this.conn);
    this.process(now);
  }

  // ------------------------------------------------------------------ transmit

  wantsWrite(): boolean {
    if (this.blocked) return false;
    if (this.pending.length) return true;
    return this.state === 'OPENED' && !this.replacing && wantsRecords(this);
  }

  takeTransmit(now: number, maxBytes: number): Buffer[] | undefined {
    if (this.blocked) return undefined;
    return takeTransmit(this, now, maxBytes);
  }

  onQueued(now: number): void {
    const c = this.conn;
    if (this.state === 'STANDBY' && !c.policy.server && c.session.hasQueued) {
      // Ceph write_event: a standby connection with something to send reconnects (same cs)
      this.log(10, () => ` standby: something to send, reconnecting`);
      this.connect(now);
      return;
    }
    if (this.state === 'OPENED') this.ctx.markDirty(c);
  }

  // ------------------------------------------------------------------ timers

  /** Our own read throttle holds reads back (timers: the silence is ours, not the peer's). */
  get readsPaused(): boolean {
    return this.throttle.waiting;
  }
  get readsResumedAt(): number {
    return this.throttle.resumedAt;
  }

  private phase(): TimerPhase {
    if (this.blocked) return 'none';
    if (this.state === 'START_CONNECT' && this.wakeAt > 0) return 'backoff';
    if (isHandshakeState(this.state)) return 'handshake';
    return this.state === 'OPENED' ? 'ready' : 'none';
  }

  nextDeadline(): number | undefined {
    return hostDeadline(this, this.phase());
  }

  onTick(now: number): void {
    hostTick(this, this.phase(), now);
  }

  // ------------------------------------------------------------------ lifecycle

  /** The session is open: set up signatures and the record decoder, then read records. */
  ready(now: number, dec: Msgr1RecordDecoder): void {
    const c = this.conn;
    const s = c.session;
    this.replacing = false;
    this.backoffMs = 0;
    this.dec = dec;
    const key = this.auth.sessionKey;
    this.signing =
      key && this.auth.method === AuthMethod.CEPHX && hasFeature(s.features, Feature.MSG_AUTH)
        ? { key, v2: hasFeature(s.features, Feature.CEPHX_V2) }
        : undefined;
    c.lastActive = now;
    this.lastKeepaliveSent = now;
    this.setState('OPENED');
    this.log(1, () => ` ready features=0x${s.features.toString(16)} signing=${this.signing ? (this.signing.v2 ? 'v2' : 'v1') : 'off'}`);
    this.ctx.emit({ kind: 'step', conn: c.id, step: 'READY' });
    this.ctx.markDirty(c);
  }

  /** Local close (mark_down): no reset event. */
  stop(): void {
    if (this.state === 'CLOSED') return;
    this.log(1, () => ` stop`);
    this.blocked = undefined;
    this.blockedUntil = 0;
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

  /** The peer refused us: tell the upper layer (final when the fault will close us), then fault. */
  refuse(error: MsgrError, now: number): void {
    const final = this.conn.policy.lossy;
    this.ctx.emit({ kind: 'refused', conn: this.conn.id, error, final });
    this.fault(error, now);
  }

  /** Ceph session_reset (see fault.ts). */
  sessionReset(): void {
    sessionReset(this);
  }

  /** Ceph ProtocolV1::fault (see fault.ts). */
  fault(err: MsgrError, now = this.ctx.now): void {
    faultV1(this, err, now);
  }
}
