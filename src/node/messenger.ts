/**
 * The public Messenger, following the seed's lifecycle (SimpleMessenger / AsyncMessenger):
 *
 *   const ms = Messenger.create({ name: 'osd.3', logicalName: 'cluster', nonce });
 *   await ms.bind('v2:127.0.0.1:0', { avoidPorts });   // socket/bind/listen in 6800..7300
 *   ms.addDispatcher(d); await ms.start();               // local connection + reaper
 *   const c = ms.connectTo('v2:127.0.0.1:6801/42', 'osd'); c.send(msg);
 *   c.markDown(); ms.markDownAll(); await ms.shutdown(); await ms.wait();
 *
 * It drives a sans-IO MessengerCore with an Env (real TCP or the simulator): it turns socket
 * callbacks into core inputs, and core outputs into socket writes, timers and dispatcher calls.
 * Its parts: the sockets (src/node/shell-sockets.ts), the pump and its timer (pump.ts), the
 * handling of core events (shell-events.ts) and send-side backpressure (drain-waiters.ts).
 */
import { EventEmitter } from 'node:events';
import { AddrType, parseAddrVec, type EntityAddr } from '../encoding/types/entity-addr.ts';
import { EntityType, entityNameTOf, entityTypeFromName, parseEntityName, type EntityName, type EntityNameT } from '../encoding/types/entity-name.ts';
import { MsgrError, isMsgrError, toMsgrError } from '../errors.ts';
import type { Message } from '../messages/message.ts';
import type { AuthClient, AuthServer } from '../core/auth/types.ts';
import type { MsgrConfig } from '../core/config.ts';
import type { ConnId } from '../core/events.ts';
import type { Interceptor } from '../core/interceptor.ts';
import { NULL_LOG, type LogSink } from '../core/log.ts';
import { MessengerCore } from '../core/messenger-core.ts';
import '../core/msgr1/index.ts'; // registers msgr1 (ProtocolV1)
import { randomU32 } from '../core/random.ts';
import { PolicySet, type Policy } from '../core/session/policy.ts';
import { bindAddrs } from './bind.ts';
import { Connection } from './connection.ts';
import { DispatchQueue } from './dispatch-queue.ts';
import type { Dispatcher } from './dispatcher.ts';
import { DrainWaiters } from './drain-waiters.ts';
import type { Env, Listener } from './env.ts';
import { Pump } from './pump.ts';
import { ShellEvents } from './shell-events.ts';
import { ShellSockets } from './shell-sockets.ts';
import { nodeEnv } from './tcp-env.ts';
import { ShellCounters, mergeFaultSections, messengerSections } from '../metrics/messenger-perf.ts';
import { perfDump, perfSchema } from '../metrics/perf-counters.ts';
import { messengerOf } from './log-sink.ts';
import { setMessengerOption, type OptionChange } from './runtime-config.ts';

export interface MessengerOptions {
  /** our entity, e.g. 'osd.3', 'client.admin', 'mon.b' */
  name: string | EntityName;
  /** the messenger's role in its process, e.g. 'client', 'cluster', 'public' (logs, counters) */
  logicalName?: string;
  /** the nonce in our addresses; random by default (a restarted daemon must not reuse one) */
  nonce?: number;
  config?: Partial<MsgrConfig>;
  policies?: PolicySet;
  authClient?: AuthClient;
  authServer?: AuthServer;
  env?: Env;
  log?: LogSink;
  interceptor?: Interceptor;
}

export interface BindOptions {
  /** ports not to use when searching (port 0) */
  avoidPorts?: Iterable<number>;
}

type Lifecycle = 'created' | 'started' | 'stopping' | 'stopped';

export class Messenger extends EventEmitter {
  readonly core: MessengerCore;
  readonly env: Env;
  readonly entity: EntityName;
  readonly logicalName: string;
  private readonly listening: Listener[] = [];
  private readonly sockets = new ShellSockets(this);
  private readonly handles = new Map<ConnId, Connection>();
  private readonly dispatchers: Dispatcher[] = [];
  private readonly dq: DispatchQueue;
  private readonly drainWaiters = new DrainWaiters(this);
  private readonly pumper: Pump;
  private lifecycle: Lifecycle = 'created';
  private bound = false;
  private readonly done: Promise<void>;
  private resolveDone!: () => void;
  /** messages dropped because their connection was closed */
  dropped = 0;
  /** @internal events and times the shell counts for perfDump() */
  readonly shellCounters = new ShellCounters();

  static create(opts: MessengerOptions): Messenger {
    return new Messenger(opts);
  }

  constructor(opts: MessengerOptions) {
    super();
    this.env = opts.env ?? nodeEnv();
    this.entity = typeof opts.name === 'string' ? parseEntityName(opts.name) : opts.name;
    this.logicalName = opts.logicalName ?? 'client';
    const nonce = opts.nonce ?? (randomU32(this.env.random) || 1);
    this.core = new MessengerCore({
      name: entityNameTOf(this.entity),
      nonce,
      random: this.env.random,
      ...(opts.config ? { config: opts.config } : {}),
      ...(opts.policies ? { policies: opts.policies } : {}),
      ...(opts.authClient ? { authClient: opts.authClient } : {}),
      ...(opts.authServer ? { authServer: opts.authServer } : {}),
      log: opts.log ?? NULL_LOG,
      ...(opts.interceptor ? { interceptor: opts.interceptor } : {}),
    });
    this.dq = new DispatchQueue(this);
    this.pumper = new Pump(this, this.sockets, new ShellEvents(this, this.dq), this.drainWaiters);
    this.done = new Promise((r) => (this.resolveDone = r));
    messengerOf.set(this.core, this);
  }

  // ------------------------------------------------------------------ identity & policy

  get myName(): EntityNameT {
    return this.core.myName;
  }
  get myAddrs(): readonly EntityAddr[] {
    return this.core.myAddrs();
  }
  get nonce(): number {
    return this.core.nonce;
  }
  get config(): MsgrConfig {
    return this.core.config;
  }
  get state(): Lifecycle {
    return this.lifecycle;
  }
  /** Ceph set_policy(type, p) */
  setPolicy(peerType: number | string, p: Policy): void {
    this.core.policies.set(typeof peerType === 'string' ? entityTypeFromName(peerType) : peerType, p);
  }
  setDefaultPolicy(p: Policy): void {
    this.core.policies.setDefault(p);
  }
  /** Change our messenger name (e.g. client.<global_id> after authenticating). */
  setMyName(n: EntityNameT): void {
    this.core.setName(n);
  }
  addDispatcher(d: Dispatcher, where: 'head' | 'tail' = 'tail'): void {
    if (where === 'head') this.dispatchers.unshift(d);
    else this.dispatchers.push(d);
  }
  /** @internal */
  get dispatcherList(): readonly Dispatcher[] {
    return this.dispatchers;
  }

  // ------------------------------------------------------------------ bind / start

  /**
   * socket/bind/listen. `addr` is one address or a vector ('v2:127.0.0.1:0', '[v2:…,v1:…]');
   * port 0 searches ms_bind_port_min..ms_bind_port_max, skipping `avoidPorts`.
   * Refused after start() (ERR_ALREADY_STARTED).
   */
  async bind(addr: string | EntityAddr | EntityAddr[], opts: BindOptions = {}): Promise<EntityAddr[]> {
    if (this.lifecycle !== 'created') throw new MsgrError('ERR_ALREADY_STARTED', 'bind after start');
    const want = typeof addr === 'string' ? parseAddrVec(addr, AddrType.MSGR2) : Array.isArray(addr) ? addr : [addr];
    const { listeners, addrs } = await bindAddrs(this, want, new Set(opts.avoidPorts ?? []), (sock, local, peer, la) =>
      this.sockets.accept(sock, local, peer, la),
    );
    for (const l of this.listening.splice(0)) await l.close();
    this.listening.push(...listeners);
    this.core.setMyAddrs(addrs);
    this.bound = true;
    return this.core.myAddrs();
  }

  /** Ceph rebind: close listeners and connections, take a new nonce, bind again avoiding ports. */
  async rebind(avoidPorts: Iterable<number> = []): Promise<EntityAddr[]> {
    if (!this.bound) throw new MsgrError('ERR_INVALID_ARG', 'rebind before bind');
    const avoid = new Set(avoidPorts);
    for (const a of this.core.myAddrs()) avoid.add(a.port);
    for (const l of this.listening.splice(0)) await l.close();
    this.markDownAll();
    const want = this.core.myAddrs().map((a) => ({ ...a, port: 0 }));
    const { listeners, addrs } = await bindAddrs(this, want, avoid, (s, l, p, la) => this.sockets.accept(s, l, p, la));
    this.listening.push(...listeners);
    this.core.rebindAddrs(addrs, (this.core.nonce + 1000000) >>> 0);
    this.pump();
    return this.core.myAddrs();
  }

  /** Start: set up the local connection and the reaper. */
  async start(): Promise<void> {
    if (this.lifecycle !== 'created') throw new MsgrError('ERR_ALREADY_STARTED');
    this.core.start(this.env.now());
    this.lifecycle = 'started';
    this.pump();
  }

  // ------------------------------------------------------------------ connections

  /** Ceph connect_to(type, addrs): the existing connection to these addrs, or a new one. */
  connectTo(addrs: string | EntityAddr | EntityAddr[], peerType: number | string, opts: { anon?: boolean } = {}): Connection {
    const v = typeof addrs === 'string' ? parseAddrVec(addrs, AddrType.MSGR2) : Array.isArray(addrs) ? addrs : [addrs];
    const t = typeof peerType === 'string' ? entityTypeFromName(peerType) : peerType;
    const id = this.core.connect(v, t, this.env.now(), opts);
    this.pump();
    return this.handle(id);
  }

  /** The loopback connection: messages sent on it are dispatched to ourselves. */
  getLoopbackConnection(): Connection {
    return this.handle(0);
  }

  /** @internal the handle for a core connection id (stable identity). */
  handle(id: ConnId): Connection {
    let h = this.handles.get(id);
    if (!h) {
      h = new Connection(this, id);
      this.handles.set(id, h);
    }
    return h;
  }
  /** @internal the connection was reaped: its handle is not needed any more */
  forgetHandle(id: ConnId): void {
    this.handles.delete(id);
  }

  /** Every connection not yet reaped (Ceph's conns + accepting + anon). */
  connections(): Connection[] {
    return [...this.core.all.keys()].map((id) => this.handle(id));
  }

  /** @internal */
  sendOn(c: Connection, msg: Message): boolean {
    if (this.lifecycle === 'stopped' || this.lifecycle === 'stopping') {
      throw new MsgrError('ERR_STOPPED', 'messenger is shut down');
    }
    const ok = this.core.send(c.id, msg, this.env.now());
    if (!ok) this.dropped++;
    this.schedulePump();
    return ok && !this.core.aboveHighWater(c.id);
  }
  /** @internal resolves when the connection's queue is below its high-water marks (or it closed) */
  whenWritable(c: Connection): Promise<void> {
    return this.drainWaiters.whenWritable(c);
  }

  /** @internal */
  keepaliveOn(c: Connection): void {
    this.core.keepalive(c.id, this.env.now());
    this.schedulePump();
  }
  /** @internal */
  markDownConn(c: Connection): void {
    this.core.markDown(c.id, this.env.now());
    this.pump();
  }

  /** Ceph mark_down_all: close every connection (no reset events). */
  markDownAll(): void {
    this.core.markDownAll(this.env.now());
    this.pump();
  }

  /** Release a connection parked by a BLOCK/STALL breakpoint. */
  unblock(c: Connection): void {
    this.core.unblock(c.id, this.env.now());
    this.pump();
  }

  /** Close listeners and connections, reap everything, cancel timers. */
  async shutdown(): Promise<void> {
    if (this.lifecycle === 'stopped' || this.lifecycle === 'stopping') return this.done;
    const wasStarted = this.lifecycle === 'started';
    this.lifecycle = 'stopping';
    for (const l of this.listening.splice(0)) await l.close();
    if (wasStarted) this.core.shutdown(this.env.now());
    this.pump();
    this.core.reap(this.env.now());
    this.pump();
    this.sockets.destroyAll();
    this.dq.clear();
    this.drainWaiters.wake();
    this.pumper.cancelTimer();
    this.lifecycle = 'stopped';
    this.resolveDone();
  }

  /** Resolves once shutdown() has finished. */
  wait(): Promise<void> {
    return this.done;
  }

  /**
   * Change an option at runtime, by its Ceph name (`debug_ms`, `ms_inject_socket_failures`,
   * `ms_connection_idle_timeout`, …; dashes work too). The value is checked against the option
   * table (ERR_CONFIG naming the option when bad). Says whether the running messenger observes
   * the change (see src/node/runtime-config.ts for which options do).
   */
  setConfig(name: string, value: string | number | boolean): OptionChange {
    return setMessengerOption(this, name, value);
  }

  /** Ceph's `perf dump` for this messenger: {"msgr-<logicalName>": {...}, ...}. */
  perfDump(): Record<string, Record<string, unknown>> {
    return perfDump(mergeFaultSections(messengerSections(this)));
  }

  /** Ceph's `perf schema` for this messenger. */
  perfSchema(): Record<string, Record<string, unknown>> {
    return perfSchema(mergeFaultSections(messengerSections(this)));
  }

  /** @internal per open transport: bytes written to the socket and not yet handed to the OS */
  transportBacklog(): number[] {
    return this.sockets.backlog();
  }

  /** What is still held (tests assert all zero after shutdown). */
  resources(): { sockets: number; listeners: number; timer: boolean; dispatchQueue: number } & ReturnType<MessengerCore['registrySizes']> {
    return {
      sockets: this.sockets.socks.size,
      listeners: this.listening.length,
      timer: this.pumper.timerArmed,
      dispatchQueue: this.dq.length,
      ...this.core.registrySizes(),
    };
  }

  // ------------------------------------------------------------------ the pump

  /** Run soon (coalesces sends made in one turn into one write). */
  schedulePump(): void {
    this.pumper.schedule();
  }

  /** Drain the core: IO commands, writes, events; then re-arm the timer and the reaper. */
  pump(): void {
    this.pumper.run();
  }

  /** @internal */
  reportDispatchError(e: unknown, c: Connection): void {
    const err = isMsgrError(e) ? e : toMsgrError(e, 'ERR_INVALID_ARG');
    if (this.core.log.level >= 0) this.core.log.write(0, `dispatcher threw on ${c}: ${err.message}`);
    this.emit('dispatch-error', err, c);
  }
}

export { EntityType };
