/**
 * The whole messenger as a sans-IO state machine (Ceph's AsyncMessenger minus threads and
 * sockets): the connection registry (conns by peer addrs, accepting, anonymous), global_seq,
 * policies, throttles, the local connection, and the reaper queue. Drivers (the Node shell and
 * the simulator) feed it transport events and the time, and drain IO commands, bytes to write
 * and upper-layer events:
 *
 *   inputs:  accepted / connected / received / closed / writable / tick / dispatchComplete
 *   outputs: pollIo / pollTransmit / pollEvent / nextTimeout
 */
import type { Buffer } from 'node:buffer';
import { AddrType, BLANK_ADDR, formatAddrVec, isBlankIp, pickAddr, type EntityAddr } from '../encoding/types/entity-addr.ts';
import type { EntityNameT } from '../encoding/types/entity-name.ts';
import { MsgrError } from '../errors.ts';
import type { Message } from '../messages/message.ts';
import { AuthNoneClient, AuthNoneServer } from './auth/none.ts';
import type { AuthClient, AuthServer } from './auth/types.ts';
import { resolveConfig, type MsgrConfig } from './config.ts';
import { Conn, type WireProtocol } from './conn.ts';
import type { CoreContext, ThrottleSet, ThrottleToken } from './context.ts';
import type { ConnId, IoCommand, MsgrEvent, Transmit, TransportId } from './events.ts';
import type { Interceptor } from './interceptor.ts';
import { NULL_LOG, type LogSink } from './log.ts';
import { ProtocolV2 } from './msgr2/protocol.ts';
import type { RandomSource } from './random.ts';
import { PolicySet, type Policy } from './session/policy.ts';
import { Throttle } from './session/throttle.ts';
import { Deque } from './session/deque.ts';
import { FaultInjector } from './inject.ts';
import { randomU32 } from './random.ts';

export interface MessengerCoreOptions {
  name: EntityNameT;
  /** the nonce in our addresses (random by default in the shell; never 0 for daemons) */
  nonce: number;
  config?: Partial<MsgrConfig>;
  policies?: PolicySet;
  authClient?: AuthClient;
  authServer?: AuthServer;
  random: RandomSource;
  log?: LogSink;
  interceptor?: Interceptor;
}

export type CoreState = 'created' | 'started' | 'stopped';

/** Builds the wire protocol object of a connection (msgr2 built in; msgr1 registered by its module). */
export type ProtocolFactory = (c: Conn, ctx: CoreContext) => WireProtocol;

const protocolFactories: Partial<Record<1 | 2, ProtocolFactory>> = {
  2: (c, ctx) => new ProtocolV2(c, ctx),
};

/** Make a wire protocol available to every messenger core (msgr1 registers itself here). */
export function registerProtocol(version: 1 | 2, f: ProtocolFactory): void {
  protocolFactories[version] = f;
}

function addrKey(addrs: readonly EntityAddr[]): string {
  return formatAddrVec(addrs);
}

export class MessengerCore implements CoreContext {
  now = 0;
  state: CoreState = 'created';
  readonly config: MsgrConfig;
  readonly random: RandomSource;
  log: LogSink;
  interceptor: Interceptor | undefined;
  authClient: AuthClient;
  authServer: AuthServer;
  myName: EntityNameT;
  nonce: number;
  readonly policies: PolicySet;
  private addrs: EntityAddr[];
  private globalSeq = 0n;
  private nextConnId = 1;
  private nextTid = 1;
  /** registered connections by peer addrs */
  private readonly conns = new Map<string, Conn>();
  private readonly registryKey = new Map<Conn, string>();
  /** every connection not yet reaped */
  readonly all = new Map<ConnId, Conn>();
  private readonly accepting = new Set<Conn>();
  private readonly anonConns = new Set<Conn>();
  private readonly reapQueue: Conn[] = [];
  private readonly byTid = new Map<TransportId, Conn>();
  private readonly dirty = new Set<Conn>();
  private readonly io = new Deque<IoCommand>();
  private readonly events = new Deque<MsgrEvent>();
  readonly dispatchThrottle: Throttle;
  private readonly policyThrottles = new Map<number, ThrottleSet>();
  /** the loopback connection (messages to ourselves) */
  readonly localConn: Conn;
  private localSeq = 0n;
  readonly counters = { reaped: 0, discarded: 0, accepted: 0, connects: 0 };
  /** the per-connection stats of reaped connections, summed (perf counters outlive the reaper) */
  readonly retiredStats: Partial<Record<keyof Conn['stats'], number>> = {};
  /** random fault injection (ms_inject_*), when configured (also switched on by configChanged) */
  injector: FaultInjector | undefined;
  /** dispatches held back by ms_inject_delay_*, per connection, in order */
  private readonly delayed = new Map<ConnId, Deque<{ at: number; ev: MsgrEvent }>>();

  constructor(opts: MessengerCoreOptions) {
    this.config = resolveConfig(opts.config);
    this.random = opts.random;
    this.log = opts.log ?? NULL_LOG;
    this.interceptor = opts.interceptor;
    this.myName = opts.name;
    this.nonce = opts.nonce >>> 0;
    this.policies = opts.policies ?? new PolicySet();
    this.authClient = opts.authClient ?? new AuthNoneClient({ name: { type: opts.name.type, id: String(opts.name.num) } });
    this.authServer = opts.authServer ?? new AuthNoneServer({ nextGlobalId: () => this.nextGlobalSeq() + 4096n });
    this.addrs = [{ ...BLANK_ADDR, type: AddrType.ANY, nonce: this.nonce }];
    this.dispatchThrottle = new Throttle('dispatch', this.config.ms_dispatch_throttle_bytes);
    this.localConn = new Conn(0, 'connector', this.policies.get(opts.name.type), opts.name.type, this.addrs, true);
    this.localConn.peerName = opts.name;
    if (FaultInjector.enabled(this.config)) {
      this.injector = new FaultInjector(this.config, this.config.ms_inject_seed || randomU32(this.random) || 1);
      if (this.log.level >= 0) this.log.write(0, `fault injection on: ms_inject_seed=${this.injector.seed}`);
    }
  }

  /**
   * A core option was changed at runtime (the shell already stored it in `config`): refresh what
   * is derived from it. Most options are read where they are used and need nothing here.
   */
  configChanged(name: keyof MsgrConfig): void {
    if (name === 'ms_dispatch_throttle_bytes') this.dispatchThrottle.max = this.config.ms_dispatch_throttle_bytes;
    if (!name.startsWith('ms_inject_')) return;
    const reseed = name === 'ms_inject_seed' && this.injector !== undefined;
    if ((!this.injector || reseed) && FaultInjector.enabled(this.config)) {
      this.injector = new FaultInjector(this.config, this.config.ms_inject_seed || randomU32(this.random) || 1);
      if (this.log.level >= 0) this.log.write(0, `fault injection on: ms_inject_seed=${this.injector.seed}`);
    }
  }

  /** Every throttle (dispatch + per-policy), for perf counters. */
  throttleList(): Throttle[] {
    const out = [this.dispatchThrottle];
    for (const t of this.policyThrottles.values()) for (const x of [t.messages, t.bytes]) if (x) out.push(x);
    return out;
  }

  /** CoreContext: park time (ms) at a race-prone handshake point (ms_inject_internal_delays). */
  internalDelayMs(): number {
    return this.injector ? this.injector.internalDelayMs() : 0;
  }

  private injectSocketFailure(c: Conn, now: number): void {
    if (this.log.level >= 1) this.log.write(1, `injecting socket failure on conn ${c.id}`);
    this.closeTransport(c);
    c.proto.onTransportClosed(new MsgrError('ERR_INJECTED', 'injected socket failure (ms_inject_socket_failures)'), now);
  }

  // ------------------------------------------------------------------ identity

  myAddrs(): EntityAddr[] {
    return this.addrs;
  }

  /** Set our address vector (after the shell bound its listeners). Not allowed once started. */
  setMyAddrs(addrs: EntityAddr[]): void {
    if (this.state !== 'created') throw new MsgrError('ERR_ALREADY_STARTED', 'cannot bind after start');
    this.addrs = addrs.map((a) => ({ ...a, nonce: this.nonce }));
    this.localConn.peerAddrs = this.addrs;
  }

  /** Set our address vector exactly as given (nonce included): e.g. a mon's monmap entry. */
  setMyAddrsExact(addrs: EntityAddr[]): void {
    if (this.state !== 'created') throw new MsgrError('ERR_ALREADY_STARTED', 'cannot bind after start');
    this.addrs = addrs.slice();
    this.localConn.peerAddrs = this.addrs;
  }

  /** After a rebind (Ceph: new listeners, nonce += 1000000). Allowed while started. */
  rebindAddrs(addrs: EntityAddr[], nonce: number): void {
    this.nonce = nonce >>> 0;
    this.addrs = addrs.map((a) => ({ ...a, nonce: this.nonce }));
    this.localConn.peerAddrs = this.addrs;
  }

  learnedAddr(peerAddrForMe: EntityAddr): void {
    let changed = false;
    this.addrs = this.addrs.map((a) => {
      if (!isBlankIp(a)) return a;
      changed = true;
      return { ...peerAddrForMe, type: a.type, port: a.port, nonce: a.nonce };
    });
    if (changed && this.log.level >= 1) this.log.write(1, `learned my addr ${formatAddrVec(this.addrs)}`);
  }

  setName(name: EntityNameT): void {
    this.myName = name;
    this.localConn.peerName = name;
  }

  nextGlobalSeq(min = 0n): bigint {
    if (min > this.globalSeq) this.globalSeq = min;
    return ++this.globalSeq;
  }

  policyFor(peerType: number): Policy {
    return this.policies.get(peerType);
  }

  // ------------------------------------------------------------------ lifecycle

  start(now: number): void {
    this.now = now;
    if (this.state === 'started') throw new MsgrError('ERR_ALREADY_STARTED');
    if (this.state === 'stopped') throw new MsgrError('ERR_STOPPED');
    this.state = 'started';
  }

  private requireStarted(): void {
    if (this.state === 'created') throw new MsgrError('ERR_NOT_STARTED', 'start() the messenger first');
    if (this.state === 'stopped') throw new MsgrError('ERR_STOPPED');
  }

  /** Mark everything down and refuse further work. The reaper still frees what is dead. */
  shutdown(now: number): void {
    this.now = now;
    if (this.state === 'stopped') return;
    this.markDownAll(now);
    this.state = 'stopped';
  }

  // ------------------------------------------------------------------ connections (API)

  /**
   * Ceph connect_to: the registered connection for these addrs, or a new one. `anon` creates an
   * unregistered connection (never shared). Connecting to our own addrs gives the local connection.
   */
  connect(addrs: EntityAddr[], peerType: number, now: number, opts: { anon?: boolean } = {}): ConnId {
    this.now = now;
    this.requireStarted();
    if (!addrs.length) throw new MsgrError('ERR_INVALID_ARG', 'empty peer address vector');
    if (addrKey(addrs) === addrKey(this.addrs)) return this.localConn.id;
    if (!opts.anon) {
      const ex = this.lookupConn(addrs);
      if (ex) return ex.id;
    }
    const { addr: target, version } = this.pickTarget(addrs);
    const c = this.newConn('connector', this.policyFor(peerType), peerType, addrs, !!opts.anon, version);
    c.targetAddr = target;
    if (opts.anon) this.anonConns.add(c);
    else this.register(c, addrs);
    this.counters.connects++;
    c.proto.connect(now);
    return c.id;
  }

  /**
   * Which of the peer's addresses to dial and with which protocol: msgr2 when the peer offers a
   * v2 (or any:) address, msgr1 when it only offers v1 (or when v2 is not available to us).
   */
  pickTarget(addrs: readonly EntityAddr[]): { addr: EntityAddr; version: 1 | 2 } {
    const v2 = pickAddr(addrs, AddrType.MSGR2) ?? pickAddr(addrs, AddrType.ANY);
    const v1 = pickAddr(addrs, AddrType.LEGACY);
    const preferV1 = this.config.ms_connect_msgr1;
    if (v1 && protocolFactories[1] && (preferV1 || !v2)) return { addr: v1, version: 1 };
    if (v2 && protocolFactories[2] && !preferV1) return { addr: v2, version: 2 };
    if (v2 && protocolFactories[2]) return { addr: v2, version: 2 };
    throw new MsgrError(
      'ERR_INVALID_ARG',
      `no usable address in ${formatAddrVec(addrs)} (${v1 ? 'msgr1 is not available' : 'no v2/v1 address'})`,
    );
  }

  private newConn(
    role: 'connector' | 'acceptor',
    policy: Policy,
    peerType: number,
    addrs: EntityAddr[],
    anon: boolean,
    version: 1 | 2 = 2,
  ): Conn {
    const c = new Conn(this.nextConnId++, role, policy, peerType, addrs, anon);
    const f = protocolFactories[version];
    if (!f) throw new MsgrError('ERR_INVALID_ARG', `msgr${version} is not available`);
    c.proto = f(c, this);
    this.all.set(c.id, c);
    return c;
  }

  private register(c: Conn, addrs: readonly EntityAddr[]): void {
    const key = addrKey(addrs);
    this.conns.set(key, c);
    this.registryKey.set(c, key);
  }

  getConn(id: ConnId): Conn | undefined {
    return id === 0 ? this.localConn : this.all.get(id);
  }

  /** Queue a message. Returns false if the connection is closed (the message is dropped). */
  send(id: ConnId, msg: Message, now: number): boolean {
    this.now = now;
    if (id === 0) {
      this.requireStarted();
      msg.seq = ++this.localSeq;
      msg.src = this.myName;
      if (msg.priority === 0) msg.priority = 127;
      this.events.push({ kind: 'dispatch', conn: 0, msg, throttle: undefined });
      return true;
    }
    const c = this.all.get(id);
    if (!c || c.dead || c.proto.isClosed) return false;
    const s = c.session;
    const limit = this.config.ms_send_queue_max_bytes;
    if (limit > 0 && s.queue.bytes + s.sentBytes + msg.payloadLength > limit && s.queue.count > 0) {
      throw new MsgrError('ERR_QUEUE_FULL', `connection ${id}: ${s.queue.bytes + s.sentBytes} bytes queued (ms_send_queue_max_bytes ${limit})`);
    }
    const maxMsgs = this.config.ms_send_queue_max_messages;
    if (maxMsgs > 0 && s.queue.count + s.sent.size >= maxMsgs) {
      throw new MsgrError('ERR_QUEUE_FULL', `connection ${id}: ${s.queue.count + s.sent.size} messages queued (ms_send_queue_max_messages ${maxMsgs})`);
    }
    s.enqueue(msg, 127);
    c.proto.onQueued(now);
    return true;
  }

  /** Bytes queued + unacked on a connection (for send-side backpressure). */
  queuedBytes(id: ConnId): number {
    const c = this.all.get(id);
    return c ? c.session.queue.bytes + c.session.sentBytes : 0;
  }

  /** Is the connection's send queue above its high-water marks (bytes or messages)? */
  aboveHighWater(id: ConnId): boolean {
    const c = this.all.get(id);
    if (!c) return false;
    const s = c.session;
    return (
      s.queue.bytes + s.sentBytes > this.config.ms_send_queue_high_water ||
      s.queue.count + s.sent.size > this.config.ms_send_queue_high_water_messages
    );
  }

  keepalive(id: ConnId, now: number): void {
    this.now = now;
    const c = this.all.get(id);
    if (!c || c.proto.isClosed) return;
    c.session.keepalivePending = true;
    c.proto.onQueued(now);
    this.markDirty(c);
  }

  /** Local close: no reset event; the reaper discards its queue and closes its socket. */
  markDown(id: ConnId, now: number): void {
    this.now = now;
    const c = this.all.get(id);
    if (c) c.proto.stop();
  }

  markDownAll(now: number): void {
    this.now = now;
    for (const c of [...this.all.values()]) c.proto.stop();
  }

  unblock(id: ConnId, now: number): void {
    this.now = now;
    this.all.get(id)?.proto.unblock(now);
  }

  // ------------------------------------------------------------------ transport inputs

  /** A listener accepted a socket. Returns the transport id to use for it. */
  accepted(localAddr: EntityAddr | undefined, peerAddr: EntityAddr, now: number, version: 1 | 2 = 2): TransportId {
    this.now = now;
    const tid = this.nextTid++;
    if (this.state !== 'started') {
      this.io.push({ kind: 'close', tid });
      return tid;
    }
    const c = this.newConn('acceptor', this.policies.defaultPolicy, -1, [peerAddr], false, version);
    c.tid = tid;
    c.localAddr = localAddr;
    c.socketPeerAddr = peerAddr;
    this.byTid.set(tid, c);
    this.accepting.add(c);
    this.counters.accepted++;
    c.proto.onAccepted(now);
    return tid;
  }

  connected(tid: TransportId, localAddr: EntityAddr | undefined, now: number): void {
    this.now = now;
    const c = this.byTid.get(tid);
    if (!c) return;
    c.proto.onConnected(localAddr, now);
  }

  received(tid: TransportId, chunk: Buffer, now: number): void {
    this.now = now;
    const c = this.byTid.get(tid);
    if (!c) return;
    if (this.injector?.socketFailure()) return this.injectSocketFailure(c, now);
    c.proto.onBytes(chunk, now);
  }

  closed(tid: TransportId, err: Error | undefined, now: number): void {
    this.now = now;
    const c = this.byTid.get(tid);
    if (!c) return;
    this.byTid.delete(tid);
    c.tid = undefined;
    c.proto.onTransportClosed(err, now);
  }

  writable(tid: TransportId, canWrite: boolean, now: number): void {
    this.now = now;
    const c = this.byTid.get(tid);
    if (!c) return;
    c.writable = canWrite;
    if (canWrite && c.proto.wantsWrite()) this.dirty.add(c);
  }

  tick(now: number): void {
    this.now = now;
    if (this.delayed.size) this.releaseDelayed(now, false);
    for (const c of this.all.values()) {
      const d = c.proto.nextDeadline();
      if (d !== undefined && d <= now) c.proto.onTick(now);
    }
  }

  nextTimeout(): number | undefined {
    let t: number | undefined;
    for (const q of this.delayed.values()) {
      const h = q.peek();
      if (h && (t === undefined || h.at < t)) t = h.at;
    }
    for (const c of this.all.values()) {
      const d = c.proto.nextDeadline();
      if (d !== undefined && (t === undefined || d < t)) t = d;
    }
    return t;
  }

  /** The upper layer is done with a dispatched message: give its throttle units back. */
  dispatchComplete(token: ThrottleToken | undefined): void {
    if (token) this.releaseThrottle(token);
  }

  // ------------------------------------------------------------------ outputs

  pollIo(): IoCommand | undefined {
    return this.io.shift();
  }

  pollEvent(): MsgrEvent | undefined {
    return this.events.shift();
  }

  get hasEvents(): boolean {
    return this.events.size > 0;
  }

  /** IO commands or events are waiting (the driver should poll again). */
  get hasOutput(): boolean {
    return this.io.size > 0 || this.events.size > 0;
  }

  /**
   * The next batch of bytes to write. `room(tid)`, if given, is how much the transport can take
   * before its high-water mark: a batch never holds more messages than fit (one message may
   * overshoot; control frames always go), so a socket holds at most high-water + one message.
   */
  pollTransmit(room?: (tid: TransportId) => number): Transmit | undefined {
    for (const c of this.dirty) {
      const tid = c.tid;
      if (tid === undefined || c.dead) {
        this.dirty.delete(c);
        continue;
      }
      if (!c.writable) continue;
      const batch = this.config.ms_write_batch_bytes;
      const bufs = c.proto.takeTransmit(this.now, room ? Math.min(batch, Math.max(0, room(tid))) : batch);
      if (!c.proto.wantsWrite()) this.dirty.delete(c);
      if (bufs && c.tid === tid) {
        if (this.injector?.socketFailure()) {
          this.injectSocketFailure(c, this.now);
          continue;
        }
        let bytes = 0;
        for (const b of bufs) bytes += b.length;
        return { tid, bufs, bytes };
      }
    }
    return undefined;
  }

  // ------------------------------------------------------------------ reaper

  /** Connections waiting for the reaper. */
  get reapable(): number {
    return this.reapQueue.length;
  }

  /**
   * The reaper (SimpleMessenger::reaper): for every dead connection, discard its queue,
   * unregister it, close its socket and free it.
   */
  reap(now: number): number {
    this.now = now;
    let n = 0;
    while (this.reapQueue.length) {
      const c = this.reapQueue.shift()!;
      const discarded = c.session.discardOutQueue().length;
      this.unregister(c);
      this.closeTransport(c);
      this.dirty.delete(c);
      this.all.delete(c.id);
      this.counters.reaped++;
      this.counters.discarded += discarded;
      for (const k of Object.keys(c.stats) as (keyof Conn['stats'])[]) this.retiredStats[k] = (this.retiredStats[k] ?? 0) + c.stats[k];
      this.events.push({ kind: 'reaped', conn: c.id, discarded });
      n++;
    }
    return n;
  }

  private unregister(c: Conn): void {
    const key = this.registryKey.get(c);
    if (key !== undefined && this.conns.get(key) === c) this.conns.delete(key);
    this.registryKey.delete(c);
    this.accepting.delete(c);
    this.anonConns.delete(c);
  }

  /** Counts for tests and status: registered, accepting, anonymous, live, dead-not-reaped. */
  registrySizes(): { conns: number; accepting: number; anon: number; all: number; reapQueue: number; transports: number } {
    return {
      conns: this.conns.size,
      accepting: this.accepting.size,
      anon: this.anonConns.size,
      all: this.all.size,
      reapQueue: this.reapQueue.length,
      transports: this.byTid.size,
    };
  }

  // ------------------------------------------------------------------ CoreContext

  lookupConn(addrs: readonly EntityAddr[], except?: Conn): Conn | undefined {
    const c = this.conns.get(addrKey(addrs));
    if (!c || c.dead || c === except) return undefined;
    return c;
  }

  acceptConn(c: Conn): boolean {
    const p = c.policy;
    if (p.server && p.lossy && !p.registerLossyClients) {
      this.accepting.delete(c);
      this.anonConns.add(c);
      return true;
    }
    const key = addrKey(c.peerAddrs);
    const ex = this.conns.get(key);
    if (ex && !ex.dead && ex !== c) return false;
    const old = this.registryKey.get(c);
    if (old !== undefined && old !== key && this.conns.get(old) === c) this.conns.delete(old);
    this.conns.set(key, c);
    this.registryKey.set(c, key);
    this.accepting.delete(c);
    this.anonConns.delete(c);
    return true;
  }

  openTransport(c: Conn): void {
    if (c.tid !== undefined) this.closeTransport(c);
    const tid = this.nextTid++;
    c.tid = tid;
    c.writable = true;
    this.byTid.set(tid, c);
    this.io.push({ kind: 'connect', tid, addr: c.targetAddr! });
  }

  closeTransport(c: Conn): void {
    const tid = c.tid;
    if (tid === undefined) return;
    c.tid = undefined;
    this.byTid.delete(tid);
    this.io.push({ kind: 'close', tid });
  }

  moveTransport(from: Conn, to: Conn): void {
    if (to.tid !== undefined) this.closeTransport(to);
    const tid = from.tid;
    from.tid = undefined;
    if (tid === undefined) return;
    to.tid = tid;
    to.writable = from.writable;
    to.localAddr = from.localAddr;
    to.socketPeerAddr = from.socketPeerAddr;
    this.byTid.set(tid, to);
  }

  pauseTransport(c: Conn): void {
    if (c.tid !== undefined) this.io.push({ kind: 'pause', tid: c.tid });
  }

  resumeTransport(c: Conn): void {
    if (c.tid !== undefined) this.io.push({ kind: 'resume', tid: c.tid });
  }

  markDirty(c: Conn): void {
    if (!c.dead) this.dirty.add(c);
  }

  emit(ev: MsgrEvent): void {
    if (ev.kind === 'dispatch' && this.injector) {
      const q = this.delayed.get(ev.conn);
      const c = this.all.get(ev.conn);
      const d = c ? this.injector.messageDelayMs(c.peerType, ev.msg.type) : 0;
      if (q || d > 0) {
        // keep per-connection order: a message never overtakes one held before it
        const at = Math.max(this.now + d, q?.peekLast()?.at ?? 0);
        if (q) q.push({ at, ev });
        else {
          const nq = new Deque<{ at: number; ev: MsgrEvent }>();
          nq.push({ at, ev });
          this.delayed.set(ev.conn, nq);
        }
        return;
      }
    }
    this.events.push(ev);
  }

  /** Hand held-back dispatches to the upper layer (all of them when `flush`). */
  private releaseDelayed(now: number, flush: boolean, only?: ConnId): void {
    for (const [id, q] of this.delayed) {
      if (only !== undefined && id !== only) continue;
      for (let h = q.peek(); h && (flush || h.at <= now); h = q.peek()) {
        q.shift();
        this.events.push(h.ev);
      }
      if (!q.size) this.delayed.delete(id);
    }
  }

  stopped(c: Conn): void {
    if (c.dead) return;
    if (this.delayed.has(c.id)) this.releaseDelayed(this.now, true, c.id);
    c.dead = true;
    this.reapQueue.push(c);
  }

  throttlesFor(c: Conn): ThrottleSet {
    let t = this.policyThrottles.get(c.peerType);
    if (!t) {
      const lim = c.policy.throttle;
      t = {
        messages: lim?.messages ? new Throttle(`policy-messages-${c.peerType}`, lim.messages) : undefined,
        bytes: lim?.bytes ? new Throttle(`policy-bytes-${c.peerType}`, lim.bytes) : undefined,
        dispatch: this.dispatchThrottle,
      };
      this.policyThrottles.set(c.peerType, t);
    }
    return t;
  }

  releaseThrottle(t: ThrottleToken): void {
    if (t.messages && t.set.messages) t.set.messages.put(t.messages);
    if (t.set.bytes) t.set.bytes.put(t.bytes);
    t.set.dispatch.put(t.bytes);
  }
}
