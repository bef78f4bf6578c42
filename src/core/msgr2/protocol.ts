/**
 * The msgr2 connection machine (Ceph's ProtocolV2), sans-IO. One instance per logical
 * connection; it survives socket faults (per-socket state is reset on each new transport) and
 * may be handed a socket accepted by another connection (reuse on race / reconnect).
 *
 * This file holds the machine's state, the read loop, the READY data path (messages, acks,
 * keepalives), transmit building and the fault procedure. The handshake handlers live in
 * connector.ts (client role) and acceptor.ts (server role).
 */
import { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import { ByteQueue } from '../../encoding/byte-queue.ts';
import { formatAddr, formatAddrVec, type EntityAddr } from '../../encoding/types/entity-addr.ts';
import { formatEntityNameT } from '../../encoding/types/entity-name.ts';
import { utimeFromMs, utimeToMs } from '../../encoding/types/utime.ts';
import { MsgrError, isMsgrError, toMsgrError } from '../../errors.ts';
import { Message } from '../../messages/message.ts';
import type { AuthClientHandler, AuthServerHandler } from '../auth/types.ts';
import type { Conn, WireProtocol } from '../conn.ts';
import type { CoreContext, ThrottleToken } from '../context.ts';
import type { Breakpoint } from '../interceptor.ts';
import { TRACE } from '../log.ts';
import { ReadThrottle, connDeadline, connTick, interceptAt, type TimerPhase } from '../proto-common.ts';
import { nextBackoff } from '../session/backoff.ts';
import { tryDecodeBanner, encodeBanner } from './banner.ts';
import { FrameDecoder, type Frame, type Preamble } from './frame-decoder.ts';
import { FrameEncoder } from './frame-encoder.ts';
import * as F from './frames.ts';
import { HEADER2_LEN, decodeHeader2, encodeHeader2, type MsgHeader2 } from './header2.ts';
import { TxBatch } from './tx-batch.ts';
import { Tag, tagName } from './tags.ts';
import { type V2State, isAcceptingState, isConnectingState, readsFrames } from './states.ts';
import { handleConnectorFrame, startClientBanner } from './connector.ts';
import { handleAcceptorFrame } from './acceptor.ts';

/** Constant-time comparison of two AUTH_SIGNATUREs. */
export function sigEquals(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

const EMPTY = Buffer.alloc(0);
/** the "operation" a STALL at a read breakpoint completes: the bytes were already consumed */
const STALLED_READ = (): void => {};
const MSG_ALIGN = [8, 8, 8, 4096] as const;

/** Auth material of the current socket. */
export interface AuthMeta {
  method: number;
  conMode: number;
  sessionKey: Buffer | undefined;
  connectionSecret: Buffer | undefined;
  client: AuthClientHandler | undefined;
  server: AuthServerHandler | undefined;
  /** methods the server rejected on this connection attempt */
  rejected: Set<number>;
  /** signature we expect from the peer (HMAC of our own pre-auth bytes) */
  expectedPeerSig: Buffer | undefined;
}

function freshAuth(): AuthMeta {
  return {
    method: 0,
    conMode: 0,
    sessionKey: undefined,
    connectionSecret: undefined,
    client: undefined,
    server: undefined,
    rejected: new Set(),
    expectedPeerSig: undefined,
  };
}

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
  private readonly txHeader: MsgHeader2 = {
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
  private closedWhileBlocked: Error | undefined | null = null;

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
    const d = this.ctx.internalDelayMs();
    if (d <= 0) return true;
    this.log(1, () => ` injecting internal delay of ${d} ms`);
    this.blocked = go;
    this.blockedUntil = this.ctx.now + d;
    return false;
  }

  unblock(now: number): void {
    const k = this.blocked;
    if (!k) return;
    this.blocked = undefined;
    this.blockedUntil = 0;
    k();
    const cw = this.closedWhileBlocked;
    if (cw !== null) {
      this.closedWhileBlocked = null;
      this.onTransportClosed(cw, now);
      return;
    }
    this.process(now);
    this.ctx.markDirty(this.conn);
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
      this.processInner(now);
    } catch (e) {
      if (!isMsgrError(e)) throw e;
      this.log(1, () => ` ${e.code}: ${e.message}`);
      this.fault(e, now);
    }
  }

  private processInner(now: number): void {
    for (;;) {
      if (this.blocked || this.throttle.waiting) return;
      const st = this.state;
      if (st === 'BANNER_CONNECTING' || st === 'BANNER_ACCEPTING') {
        const b = tryDecodeBanner(this.rx);
        if (!b) return;
        if (this.rxRecord) this.rxRecord.push(b.raw);
        const handle = (): void => this.handleBanner(b.supported, b.required, now);
        // STALL on a read: the bytes were read; the frozen protocol never handles them
        if (!this.intercept('BANNER_READ', handle, STALLED_READ)) return;
        if (!this.intercept('BANNER_PAYLOAD_READ', handle, STALLED_READ)) return;
        handle();
        continue;
      }
      const dec = this.dec;
      if (dec === undefined || !readsFrames(st)) return;
      if (st === 'READY' && this.throttle.held === undefined) {
        const pre = dec.readPreamble(this.rx);
        if (!pre) return;
        if (pre.tag === Tag.MESSAGE && !this.takeThrottles(pre)) return;
      }
      const frame = dec.readFrame(this.rx);
      if (!frame) return;
      if (this.rxRecord && frame.raw) this.rxRecord.push(frame.raw);
      // per-frame hot path: no closure unless a test interceptor is installed
      if (this.ctx.interceptor !== undefined && !this.interceptRx(frame, now)) return;
      this.handleFrame(frame, now);
    }
  }

  /** Breakpoint `TAG:r` for a frame just read; true = handle it now. */
  private interceptRx(frame: Frame, now: number): boolean {
    const handle = (): void => this.handleFrame(frame, now);
    return this.intercept(`${tagName(frame.tag)}:r`, handle, STALLED_READ);
  }

  private handleBanner(supported: bigint, required: bigint, now: number): void {
    const ours = this.ctx.config.ms_msgr2_rev1 ? 1n : 0n;
    if ((required & ours) !== required) {
      this.abort(new MsgrError('ERR_BANNER', `peer requires msgr2 features 0x${required.toString(16)}`, { origin: 'remote' }));
      return;
    }
    this.rev1 = (supported & 1n) !== 0n && ours === 1n;
    this.enc = new FrameEncoder({ rev1: this.rev1 });
    this.dec = new FrameDecoder({ rev1: this.rev1, maxSegmentLength: this.ctx.config.ms_max_message_size });
    this.dec.recording = true;
    this.log(1, () => ` banner ok: peer supported=0x${supported.toString(16)} required=0x${required.toString(16)} rev1=${this.rev1}`);
    const c = this.conn;
    if (this.state === 'BANNER_CONNECTING') {
      this.setState('HELLO_CONNECTING');
      this.send(Tag.HELLO, F.encodeHello({ entityType: this.ctx.myName.type, peerAddr: c.targetAddr! }));
    } else {
      this.setState('HELLO_ACCEPTING');
      const seen = c.socketPeerAddr ?? c.peerAddrs[0];
      const peerAddr: EntityAddr = seen ? { ...seen, type: 2, nonce: 0 } : { type: 2, nonce: 0, family: 0, ip: '', port: 0 };
      this.send(Tag.HELLO, F.encodeHello({ entityType: this.ctx.myName.type, peerAddr }));
    }
    void now;
  }

  private handleFrame(frame: Frame, now: number): void {
    const tag = frame.tag;
    const seg0 = frame.segments[0] ?? EMPTY;
    if (this.ctx.log.level >= 5) this.log(5, () => ` << ${tagName(tag)} len=${seg0.length}`);
    if (TRACE.frame) TRACE.frame(this.ctx, this.conn, 'rx', tag, frame.segments.reduce((n, b) => n + b.length, 0));
    switch (tag) {
      case Tag.MESSAGE:
        return this.handleMessage(frame, now);
      case Tag.ACK:
        this.expectReady(tag);
        this.handleAck(F.decodeAck(seg0).seq);
        return;
      case Tag.KEEPALIVE2: {
        this.expectReady(tag);
        const k = F.decodeKeepalive2(seg0);
        const acks = this.conn.session.keepaliveAcks;
        // bounded while our writes are stalled: a flood of KEEPALIVE2 keeps the newest 64 stamps
        if (acks.length >= 64) acks.shift();
        acks.push(k.stamp);
        this.ctx.markDirty(this.conn);
        return;
      }
      case Tag.KEEPALIVE2_ACK: {
        this.expectReady(tag);
        const k = F.decodeKeepalive2Ack(seg0);
        this.ctx.emit({ kind: 'keepalive-ack', conn: this.conn.id, stampMs: utimeToMs(k.stamp) });
        return;
      }
      default:
        if (isAcceptingState(this.state)) return handleAcceptorFrame(this, frame, now);
        if (isConnectingState(this.state)) return handleConnectorFrame(this, frame, now);
        throw new MsgrError('ERR_FRAME_UNEXPECTED', `${tagName(tag)} in state ${this.state}`, { origin: 'remote' });
    }
  }

  expectReady(tag: number): void {
    if (this.state !== 'READY') {
      throw new MsgrError('ERR_FRAME_UNEXPECTED', `${tagName(tag)} in state ${this.state}`, { origin: 'remote' });
    }
  }

  // ------------------------------------------------------------------ READY: messages

  private takeThrottles(pre: Preamble): boolean {
    if (this.state !== 'READY') {
      throw new MsgrError('ERR_FRAME_UNEXPECTED', `MESSAGE in state ${this.state}`, { origin: 'remote' });
    }
    let bytes = 0;
    for (let i = 1; i < pre.numSegments; i++) bytes += pre.lengths[i]!;
    if (this.throttle.take(bytes)) return true;
    if (this.ctx.log.level >= 10) this.log(10, () => ` throttle full, pausing reads`);
    return false;
  }

  private onThrottleWake(): void {
    if (this.state !== 'READY') return;
    this.ctx.resumeTransport(this.conn);
    this.process(this.ctx.now);
  }

  releaseHeld(): void {
    this.throttle.release();
  }

  private handleMessage(frame: Frame, now: number): void {
    this.expectReady(Tag.MESSAGE);
    const segs = frame.segments;
    const h = decodeHeader2(segs[0] ?? EMPTY);
    const token = this.throttle.takeHeld();
    const c = this.conn;
    const s = c.session;
    const verdict = s.judgeIncoming(h.seq);
    if (verdict === 'old') {
      if (token) this.ctx.releaseThrottle(token);
      c.stats.duplicates++;
      this.log(0, () => ` got old message ${h.seq} <= ${s.inSeq}, discarding`);
      if (this.ctx.config.ms_die_on_old_message) {
        throw new MsgrError('ERR_FRAME_INVALID', `old message seq ${h.seq} <= in_seq ${s.inSeq}`, { origin: 'remote' });
      }
      return;
    }
    if (verdict === 'skipped') {
      c.stats.skipped++;
      this.log(0, () => ` missed message? skipped from seq ${s.inSeq} to ${h.seq}`);
      if (this.ctx.config.ms_die_on_skipped_message) {
        if (token) this.ctx.releaseThrottle(token);
        throw new MsgrError('ERR_FRAME_INVALID', `skipped seq ${s.inSeq} -> ${h.seq}`, { origin: 'remote' });
      }
    }
    const msg = new Message({
      type: h.type,
      priority: h.priority,
      version: h.version,
      compatVersion: h.compatVersion,
      tid: h.tid,
      front: segs[1] ?? EMPTY,
      middle: segs[2] ?? EMPTY,
      data: segs[3] ?? EMPTY,
      dataOff: h.dataOff,
    });
    msg.seq = h.seq;
    msg.src = c.peerName;
    msg.flags = h.flags;
    s.accept(h.seq, c.policy.lossy);
    c.stats.msgsIn++;
    if (this.ctx.log.level >= 5) this.log(5, () => ` received message seq=${h.seq} type=${h.type} ${msg.payloadLength} bytes`);
    this.ctx.emit({ kind: 'dispatch', conn: c.id, msg, throttle: token });
    this.handleAck(h.ackSeq);
    if (!c.policy.lossy) this.ctx.markDirty(c);
    void now;
  }

  handleAck(seq: bigint): void {
    const c = this.conn;
    if (c.policy.lossy) return;
    const n = c.session.handleAck(seq);
    if (n > 0) this.ctx.emit({ kind: 'acked', conn: c.id, count: n });
  }

  // ------------------------------------------------------------------ transmit

  wantsWrite(): boolean {
    if (this.blocked) return false;
    if (this.pending.length) return true;
    if (this.state !== 'READY' || this.replacing) return false;
    const s = this.conn.session;
    return s.hasQueued || s.ackLeft > 0 || s.keepalivePending || s.keepaliveAcks.length > 0;
  }

  /**
   * Bytes to write now: handshake frames queued by send(), then (READY) keepalive acks, a
   * keepalive, messages (seq assigned as they are written) up to `maxBytes`, and an ACK when
   * messages arrived that no outgoing header acknowledged. Frames go into one TxBatch (small
   * pieces in a slab, large payloads referenced), so a run of small messages is one buffer.
   */
  takeTransmit(now: number, maxBytes: number): Buffer[] | undefined {
    if (this.blocked) return undefined;
    const b = this.batch;
    if (this.pending.length) {
      b.refs(this.pending);
      this.pending = [];
      this.pendingBytes = 0;
    }
    const enc = this.enc;
    if (this.state === 'READY' && !this.replacing && enc) {
      const c = this.conn;
      const s = c.session;
      const ic = this.ctx.interceptor !== undefined;
      while (s.keepaliveAcks.length) {
        const payload = F.encodeKeepalive2Ack({ stamp: s.keepaliveAcks.shift()! });
        if (ic && !this.interceptTx(Tag.KEEPALIVE2_ACK, () => enc.encode(Tag.KEEPALIVE2_ACK, [payload]))) return this.afterIntercept(b);
        enc.encodeTo(b, Tag.KEEPALIVE2_ACK, payload);
      }
      if (s.keepalivePending) {
        s.keepalivePending = false;
        this.lastKeepaliveSent = now;
        c.stats.keepalivesSent++;
        const payload = F.encodeKeepalive2({ stamp: utimeFromMs(now) });
        if (ic && !this.interceptTx(Tag.KEEPALIVE2, () => enc.encode(Tag.KEEPALIVE2, [payload]))) return this.afterIntercept(b);
        enc.encodeTo(b, Tag.KEEPALIVE2, payload);
      }
      const lossy = c.policy.lossy;
      const h = this.txHeader;
      const logMsgs = this.ctx.log.level >= 5;
      while (b.bytes < maxBytes) {
        const m = s.takeNext(lossy);
        if (!m) break;
        h.seq = m.seq;
        h.tid = m.tid;
        h.type = m.type;
        h.priority = m.priority;
        h.version = m.version;
        h.dataOff = m.dataOff;
        h.ackSeq = s.inSeq;
        h.compatVersion = m.compatVersion;
        if (ic && !this.interceptTx(Tag.MESSAGE, () => enc.encodeMessage(h, m.front, m.middle, m.data, MSG_ALIGN))) return this.afterIntercept(b);
        enc.encodeMessageTo(b, h, m.front, m.middle, m.data);
        c.stats.msgsOut++;
        if (logMsgs) this.log(5, () => ` >> MESSAGE seq=${m.seq} type=${m.type} ${m.payloadLength} bytes`);
        if (TRACE.frame) TRACE.frame(this.ctx, c, 'tx', Tag.MESSAGE, m.payloadLength);
      }
      if (s.ackLeft > 0) {
        s.ackLeft = 0;
        const payload = F.encodeAck({ seq: s.inSeq });
        if (ic && !this.interceptTx(Tag.ACK, () => enc.encode(Tag.ACK, [payload]))) return this.afterIntercept(b);
        enc.encodeTo(b, Tag.ACK, payload);
      }
    }
    if (b.empty) return undefined;
    this.conn.stats.bytesOut += b.bytes;
    this.conn.lastActive = now;
    return b.take();
  }

  /**
   * Breakpoint `TAG:w` for a frame about to be written. Returns true to go on. On BLOCK the frame
   * (encoded by `encode`) waits in `pending` until unblock(); on STALL it is written first.
   */
  private interceptTx(tag: number, encode: () => Buffer[]): boolean {
    const park = (): void => {
      for (const x of encode()) {
        this.pending.push(x);
        this.pendingBytes += x.length;
      }
    };
    return this.intercept(`${tagName(tag)}:w`, park, park);
  }

  /** After a breakpoint interrupted transmit building: keep what was built unless we faulted. */
  private afterIntercept(b: TxBatch): Buffer[] | undefined {
    const out = b.take();
    if (this.state === 'CLOSED' || this.conn.tid === undefined) return undefined;
    // blocked: frames already built go out; the parked one is in `pending` for after unblock
    if (this.blocked) return out.length ? out : undefined;
    return undefined;
  }

  encodeMessage(m: Message, ackSeq: bigint): Buffer[] {
    const h2 = Buffer.allocUnsafe(HEADER2_LEN);
    encodeHeader2(
      {
        seq: m.seq,
        tid: m.tid,
        type: m.type,
        priority: m.priority,
        version: m.version,
        dataPrePaddingLen: 0,
        dataOff: m.dataOff,
        ackSeq,
        flags: 3,
        compatVersion: m.compatVersion,
        reserved: 0,
      },
      h2,
      0,
    );
    return this.enc!.encode(Tag.MESSAGE, [h2, m.front, m.middle, m.data], MSG_ALIGN);
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

  /** Which timers apply now (shared with msgr1: proto-common.ts). */
  private timerPhase(): TimerPhase {
    if (this.state === 'START_CONNECT' && this.wakeAt > 0) return 'backoff';
    if (isConnectingState(this.state) || isAcceptingState(this.state)) return 'handshake';
    return this.state === 'READY' ? 'ready' : 'none';
  }

  /** Our own read throttle holds reads back (timers: the silence is ours, not the peer's). */
  get readsPaused(): boolean {
    return this.throttle.waiting;
  }
  /** when our throttle last let reads go on (the peer's silence counts from here) */
  get readsResumedAt(): number {
    return this.throttle.resumedAt;
  }

  nextDeadline(): number | undefined {
    if (this.blocked) return this.blockedUntil || undefined;
    return connDeadline(this.timerPhase(), this.conn, this.ctx.config, this);
  }

  onTick(now: number): void {
    if (this.blocked) {
      if (this.blockedUntil && now >= this.blockedUntil) this.unblock(now);
      return;
    }
    const a = connTick(this.timerPhase(), this.conn, this.ctx.config, this, now, this.state);
    if (!a) return;
    if (a.kind === 'wake') this.connect(now);
    else if (a.kind === 'fault') {
      this.log(1, () => ` ${a.why}, fault`);
      this.fault(a.error, now);
    } else {
      this.conn.session.keepalivePending = true;
      this.lastKeepaliveSent = now;
      this.ctx.markDirty(this.conn);
    }
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

  /** Ceph ProtocolV2::_fault. */
  fault(err: MsgrError, now = this.ctx.now): void {
    const c = this.conn;
    const st = this.state;
    if (st === 'CLOSED' || st === 'NONE') return;
    c.stats.faults++;
    this.log(1, () => ` fault ${err.code}: ${err.message}`);
    this.ctx.emit({ kind: 'fault', conn: c.id, error: err, state: st });
    // (a lossy connector told to WAIT lost a connect race: the peer's connection will adopt it,
    // so back off like a lossless one instead of closing — see acceptor.ts raceExisting)
    if (c.policy.lossy && !isConnectingState(st) && st !== 'WAIT') {
      this.stopWithReset(err);
      return;
    }
    c.session.requeueSent();
    if (!c.session.hasQueued && isAcceptingState(st) && !this.replacing) {
      this.log(2, () => ` with nothing to send and in the half accept state just closed`);
      this.stopWithReset(err);
      return;
    }
    this.replacing = false;
    this.ctx.closeTransport(c);
    this.resetSocketState();
    this.reconnecting = false;
    if (c.policy.standby && !c.session.hasQueued && !c.session.keepalivePending && st !== 'WAIT') {
      this.log(1, () => ` with nothing to send, going to standby`);
      this.setState('STANDBY');
      return;
    }
    if (c.policy.server || !c.targetAddr || c.targetAddr.port === 0) {
      this.log(1, () => ` server, going to standby`);
      this.setState('STANDBY');
      return;
    }
    if (!isConnectingState(st) && st !== 'WAIT' && st !== 'SESSION_ACCEPTING') {
      this.log(1, () => ` initiating reconnect`);
      c.session.connectSeq++;
      c.session.globalSeq = this.ctx.nextGlobalSeq();
      this.backoffMs = 0;
      this.connect(now);
      return;
    }
    this.backoffMs = nextBackoff(
      this.backoffMs,
      { initialMs: this.ctx.config.ms_initial_backoff * 1000, maxMs: this.ctx.config.ms_max_backoff * 1000 },
      st === 'WAIT',
    );
    if (c.session.serverCookie) c.session.connectSeq++;
    c.session.globalSeq = this.ctx.nextGlobalSeq();
    this.setState('START_CONNECT');
    this.wakeAt = now + this.backoffMs;
    this.log(1, () => ` waiting ${this.backoffMs} ms`);
  }

  describe(): string {
    const c = this.conn;
    return `${c.id} ${this.state} peer=${formatEntityNameT(c.peerName)} ${c.targetAddr ? formatAddr(c.targetAddr) : '-'}`;
  }
}
