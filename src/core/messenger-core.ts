/**
 * The whole messenger as a sans-IO state machine (Ceph's AsyncMessenger minus threads and
 * sockets): the connection registry (conns by peer addrs, accepting, anonymous), global_seq,
 * policies, throttles, the local connection, and the reaper queue. Drivers (the Node shell and
 * the simulator) feed it transport events and the time, and drain IO commands, bytes to write
 * and upper-layer events:
 *
 *   inputs:  accepted / connected / received / closed / writable / tick / dispatchComplete
 *   outputs: pollIo / pollTransmit / pollEvent / nextTimeout
 *
 * Its parts: the registry (src/core/conn-registry.ts), the transports and write batches
 * (transport-table.ts), the throttles (throttle-sets.ts), dispatches held back by fault
 * injection (delayed-dispatch.ts) and the wire protocols (protocol-registry.ts).
 */
import type { Buffer } from 'node:buffer';
import { AddrType, BLANK_ADDR, formatAddrVec, isBlankIp, type EntityAddr } from '../encoding/types/entity-addr.ts';
import type { EntityNameT } from '../encoding/types/entity-name.ts';
import { MsgrError } from '../errors.ts';
import type { Message } from '../messages/message.ts';
import { AuthNoneClient, AuthNoneServer } from './auth/none.ts';
import type { AuthClient, AuthServer } from './auth/types.ts';
import { resolveConfig, type MsgrConfig } from './config.ts';
import { Conn } from './conn.ts';
import { ConnRegistry, addrKey, type RegistrySizes } from './conn-registry.ts';
import type { CoreContext, ThrottleSet, ThrottleToken } from './context.ts';
import type { CoreState, MessengerCoreOptions } from './core-options.ts';
import { DelayedDispatches } from './delayed-dispatch.ts';
import type { ConnId, IoCommand, MsgrEvent, Transmit, TransportId } from './events.ts';
import { FaultInjector } from './inject.ts';
import type { Interceptor } from './interceptor.ts';
import { NULL_LOG, type LogSink } from './log.ts';
import { pickTarget } from './protocol-registry.ts';
import { randomU32, type RandomSource } from './random.ts';
import { Deque } from './session/deque.ts';
import { PolicySet, type Policy } from './session/policy.ts';
import type { Throttle } from './session/throttle.ts';
import { ThrottleSets } from './throttle-sets.ts';
import { TransportTable } from './transport-table.ts';

export type { MessengerCoreOptions, CoreState } from './core-options.ts';
export { registerProtocol, type ProtocolFactory } from './protocol-registry.ts';

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
  /** open transports, IO commands for the driver, connections with bytes to write */
  private readonly transports = new TransportTable(this);
  private readonly byTid = this.transports.byTid;
  private readonly dirty = this.transports.dirty;
  private readonly events = new Deque<MsgrEvent>();
  /** the connections: registered by peer addrs, accepting, anonymous, waiting for the reaper */
  private readonly reg = new ConnRegistry(this.transports, this.events);
  /** every connection not yet reaped */
  readonly all = this.reg.all;
  private readonly throttles: ThrottleSets;
  readonly dispatchThrottle: Throttle;
  /** the loopback connection (messages to ourselves) */
  readonly localConn: Conn;
  private localSeq = 0n;
  readonly counters = this.reg.counters;
  /** the per-connection stats of reaped connections, summed (perf counters outlive the reaper) */
  readonly retiredStats = this.reg.retiredStats;
  /** random fault injection (ms_inject_*), when configured (also switched on by configChanged) */
  injector: FaultInjector | undefined;
  /** dispatches held back by ms_inject_delay_*, per connection, in order */
  private readonly delayed = new DelayedDispatches(this, this.events);

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
    this.throttles = new ThrottleSets(this.config.ms_dispatch_throttle_bytes);
    this.dispatchThrottle = this.throttles.dispatch;
    this.localConn = new Conn(0, 'connector', this.policies.get(opts.name.type), opts.name.type, this.addrs, true);
    this.localConn.peerName = opts.name;
    if (FaultInjector.enabled(this.config)) this.startInjector();
  }

  /**
   * A core option was changed at runtime (the shell already stored it in `config`): refresh what
   * is derived from it. Most options are read where they are used and need nothing here.
   */
  configChanged(name: keyof MsgrConfig): void {
    if (name === 'ms_dispatch_throttle_bytes') this.dispatchThrottle.max = this.config.ms_dispatch_throttle_bytes;
    if (!name.startsWith('ms_inject_')) return;
    const reseed = name === 'ms_inject_seed' && this.injector !== undefined;
    if ((!this.injector || reseed) && FaultInjector.enabled(this.config)) this.startInjector();
  }

  private startInjector(): void {
    this.injector = new FaultInjector(this.config, this.config.ms_inject_seed || randomU32(this.random) || 1);
    if (this.log.level >= 0) this.log.write(0, `fault injection on: ms_inject_seed=${this.injector.seed}`);
  }

  /** Every throttle (dispatch + per-policy), for perf counters. */
  throttleList(): Throttle[] {
    return this.throttles.list();
  }
  /** CoreContext: park time (ms) at a race-prone handshake point (ms_inject_internal_delays). */
  internalDelayMs(): number {
    return this.injector ? this.injector.internalDelayMs() : 0;
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
    return this.reg.connect(this, addrs, peerType, !!opts.anon, now).id;
  }

  /** Which of the peer's addresses to dial and with which protocol (src/core/protocol-registry.ts). */
  pickTarget(addrs: readonly EntityAddr[]): { addr: EntityAddr; version: 1 | 2 } {
    return pickTarget(addrs, this.config.ms_connect_msgr1);
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
    const tid = this.transports.newTid();
    if (this.state !== 'started') {
      this.transports.io.push({ kind: 'close', tid });
      return tid;
    }
    const c = this.reg.accepted(this, this.policies.defaultPolicy, tid, localAddr, peerAddr, version);
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
    if (this.injector?.socketFailure()) return this.transports.injectSocketFailure(c, now);
    c.proto.onBytes(chunk, now);
  }
  closed(tid: TransportId, err: Error | undefined, now: number): void {
    this.now = now;
    const c = this.transports.closed(tid);
    if (!c) return;
    c.proto.onTransportClosed(err, now);
  }
  writable(tid: TransportId, canWrite: boolean, now: number): void {
    this.now = now;
    this.transports.writable(tid, canWrite);
  }

  tick(now: number): void {
    this.now = now;
    this.delayed.releaseDue(now);
    this.reg.tick(now);
  }
  nextTimeout(): number | undefined {
    return this.reg.nextDeadline(this.delayed.nextAt());
  }

  /** The upper layer is done with a dispatched message: give its throttle units back. */
  dispatchComplete(token: ThrottleToken | undefined): void {
    if (token) this.releaseThrottle(token);
  }

  // ------------------------------------------------------------------ outputs

  pollIo(): IoCommand | undefined {
    return this.transports.io.shift();
  }
  pollEvent(): MsgrEvent | undefined {
    return this.events.shift();
  }
  get hasEvents(): boolean {
    return this.events.size > 0;
  }
  /** IO commands or events are waiting (the driver should poll again). */
  get hasOutput(): boolean {
    return this.transports.io.size > 0 || this.events.size > 0;
  }

  /**
   * The next batch of bytes to write. `room(tid)`, if given, is how much the transport can take
   * before its high-water mark: a batch never holds more messages than fit (one message may
   * overshoot; control frames always go), so a socket holds at most high-water + one message.
   */
  pollTransmit(room?: (tid: TransportId) => number): Transmit | undefined {
    return this.transports.pollTransmit(room);
  }

  // ------------------------------------------------------------------ reaper

  /** Connections waiting for the reaper. */
  get reapable(): number {
    return this.reg.reapQueue.length;
  }
  /**
   * The reaper (SimpleMessenger::reaper): for every dead connection, discard its queue,
   * unregister it, close its socket and free it.
   */
  reap(now: number): number {
    this.now = now;
    return this.reg.reap();
  }
  /** Counts for tests and status: registered, accepting, anonymous, live, dead-not-reaped. */
  registrySizes(): RegistrySizes {
    return this.reg.sizes();
  }

  // ------------------------------------------------------------------ CoreContext

  lookupConn(addrs: readonly EntityAddr[], except?: Conn): Conn | undefined {
    return this.reg.lookup(addrs, except);
  }
  acceptConn(c: Conn): boolean {
    return this.reg.accept(c);
  }
  openTransport(c: Conn): void {
    this.transports.open(c);
  }
  closeTransport(c: Conn): void {
    this.transports.close(c);
  }
  moveTransport(from: Conn, to: Conn): void {
    this.transports.move(from, to);
  }
  pauseTransport(c: Conn): void {
    this.transports.pause(c);
  }
  resumeTransport(c: Conn): void {
    this.transports.resume(c);
  }
  markDirty(c: Conn): void {
    if (!c.dead) this.dirty.add(c);
  }

  emit(ev: MsgrEvent): void {
    if (ev.kind === 'dispatch' && this.injector && this.delayed.hold(ev, this.injector)) return;
    this.events.push(ev);
  }

  stopped(c: Conn): void {
    if (c.dead) return;
    this.delayed.flush(c.id);
    c.dead = true;
    this.reg.reapQueue.push(c);
  }

  throttlesFor(c: Conn): ThrottleSet {
    return this.throttles.forConn(c);
  }
  releaseThrottle(t: ThrottleToken): void {
    if (t.messages && t.set.messages) t.set.messages.put(t.messages);
    if (t.set.bytes) t.set.bytes.put(t.bytes);
    t.set.dispatch.put(t.bytes);
  }
}
