/**
 * Ceph's SyntheticWorkload (src/test/msgr/test_msgr.cc; acceptance §1.3) on any Env — the
 * simulator or real TCP — and any policy pair:
 *
 *  - `servers` messengers osd.0…, `clients` messengers client.0… (bound too when the client
 *    policy has standby, so peers can connect back); one shared dispatcher;
 *  - a pool of random payloads (32 B … 4 MiB); operations generate_connection (capped),
 *    send_message (blocking while more than maxInFlight tracked pings are outstanding; 5 % are
 *    untracked priority-200 commands, 95 % tracked pings {seq, data}; every ping is answered by
 *    a pong with the same seq and data), drop_connection (markDown, only with ≥ 10 connections;
 *    for lossless peer↔peer policies the reverse connection too), sleep;
 *  - the receiver checks (synthetic-tracker.ts): a tracked pong is the head of its connection's
 *    FIFO and byte-identical; resets (local/remote) discard a connection's expectations, and so
 *    do connect/accept events when `discardOnConnect` (Ceph's exact semantics; off by default —
 *    a transparent reconnect must not lose anything, so we check that too);
 *  - waitForDone(bound), shutdown, counts.
 *
 *   const wl = new SyntheticWorkload({ servers: 4, clients: 8, serverPolicy, clientPolicy,
 *     env: () => sim.env(), driver: simDriver(sim), seed: 1 });
 *   await wl.start(); await wl.seedConnections(10); await wl.run({ ops: 500 });
 *   const drained = await wl.waitForDone(60_000); const left = await wl.shutdown();
 */
import type { AuthClient, AuthServer } from '../core/auth/types.ts';
import type { MsgrConfig } from '../core/config.ts';
import { SeededRandom } from '../core/random.ts';
import type { Policy } from '../core/session/policy.ts';
import type { EntityAddr } from '../encoding/types/entity-addr.ts';
import { isMsgrError } from '../errors.ts';
import type { Message } from '../messages/message.ts';
import type { Connection } from '../node/connection.ts';
import type { Dispatcher } from '../node/dispatcher.ts';
import type { Env } from '../node/env.ts';
import { Messenger } from '../node/messenger.ts';
import { MSG_COMMAND, PayloadPool, WHO_PING, commandMessage, decodePayload, pingMessage, pongMessage, type PoolOptions } from './synthetic-payload.ts';
import { Tracker } from './synthetic-tracker.ts';
import type { Driver } from './synthetic-driver.ts';

export interface OpMix {
  /** percentages; the rest of 100 is sleep */
  connect: number;
  drop: number;
  send: number;
}
/** SyntheticStressTest / SyntheticInjectTest: 9 % connect, 10 % drop, 70 % send, 11 % sleep */
export const MIX_STATEFUL: OpMix = { connect: 9, drop: 10, send: 70 };
/** SyntheticStressTest1: 19 / 20 / 50 / 11 */
export const MIX_PEER_REUSE: OpMix = { connect: 19, drop: 20, send: 50 };
/** SyntheticInjectTest4: 4 % connect, drops disabled, 70 % send */
export const MIX_NO_DROPS: OpMix = { connect: 4, drop: 0, send: 70 };

export interface SyntheticOptions {
  servers: number;
  clients: number;
  serverPolicy: Policy;
  clientPolicy: Policy;
  /** the Env of each messenger (one Env may be shared) */
  env: (role: 'server' | 'client', i: number) => Env;
  driver: Driver;
  /** seeds the operations, the payload pool and (seed + messenger index) ms_inject_seed */
  seed: number;
  pool?: Omit<PoolOptions, 'seed'>;
  maxInFlight?: number;
  maxConnections?: number;
  /** percentage of untracked priority-200 commands among sends (Ceph: 5) */
  commandPct?: number;
  config?: Partial<MsgrConfig>;
  /** per messenger auth (default: auth none) */
  auth?: (name: string) => { authClient?: AuthClient; authServer?: AuthServer };
  /** 'v2:127.0.0.1:0' (default) or 'v1:127.0.0.1:0' for msgr1 */
  bindAddr?: string;
  /** Ceph's semantics: connect/accept events also discard a connection's expectations */
  discardOnConnect?: boolean;
  /** give up waiting for in-flight room after this long (a stuck run), ms */
  stuckMs?: number;
}

export interface SyntheticCounts {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  misrouted: number;
  corrupt: number;
  discarded: number;
  stale: number;
  unknown: number;
  commands: number;
  resets: number;
  remoteResets: number;
  refused: number;
  connects: number;
  accepts: number;
  reconnects: number;
  drops: number;
  connectionsCreated: number;
  connections: number;
  pending: number;
  ops: number;
  dispatchErrors: number;
  /** payload bytes carried by tracked pings */
  pingBytes: number;
}

export class SyntheticWorkload implements Dispatcher {
  readonly servers: Messenger[] = [];
  readonly clients: Messenger[] = [];
  readonly pool: PayloadPool;
  readonly tracker = new Tracker();
  /** connection → (client messenger, server messenger) it joins */
  readonly available = new Map<Connection, [Messenger, Messenger]>();
  private readonly rng: SeededRandom;
  private readonly opts: SyntheticOptions;
  private readonly maxInFlight: number;
  private readonly maxConnections: number;
  private readonly connected = new WeakSet<Connection>();
  private readonly addrs = new Map<Messenger, EntityAddr[]>();
  private readonly c = { commands: 0, resets: 0, remoteResets: 0, refused: 0, connects: 0, accepts: 0, reconnects: 0, drops: 0, connectionsCreated: 0, ops: 0, dispatchErrors: 0, pingBytes: 0 };
  /** the op loop gave up waiting for in-flight room */
  stuck = false;

  constructor(opts: SyntheticOptions) {
    this.opts = opts;
    this.rng = new SeededRandom(opts.seed >>> 0);
    this.pool = new PayloadPool({ seed: opts.seed, ...opts.pool });
    this.maxInFlight = opts.maxInFlight ?? 64;
    this.maxConnections = opts.maxConnections ?? 128;
  }

  private rand(n: number): number {
    return Math.floor(this.rng.next() * n);
  }

  /** Create, bind and start every messenger. */
  async start(): Promise<void> {
    const o = this.opts;
    const bindAddr = o.bindAddr ?? 'v2:127.0.0.1:0';
    let k = 0;
    const make = async (role: 'server' | 'client', i: number): Promise<Messenger> => {
      const name = role === 'server' ? `osd.${i}` : `client.${i}`;
      const m = Messenger.create({
        name,
        logicalName: role,
        env: o.env(role, i),
        config: { ...o.config, ms_inject_seed: (((o.config?.ms_inject_seed ?? o.seed) >>> 0) + ++k) >>> 0 || 1 },
        ...(o.auth ? o.auth(name) : {}),
      });
      m.setDefaultPolicy(role === 'server' ? o.serverPolicy : o.clientPolicy);
      m.addDispatcher(this, 'head');
      m.on('dispatch-error', () => void this.c.dispatchErrors++);
      if (role === 'server' || o.clientPolicy.standby) this.addrs.set(m, await m.bind(bindAddr));
      await m.start();
      return m;
    };
    for (let i = 0; i < o.servers; i++) this.servers.push(await make('server', i));
    for (let i = 0; i < o.clients; i++) this.clients.push(await make('client', i));
  }

  // ------------------------------------------------------------------ operations

  /** generate_connection: random client → random server, unless at the cap. */
  generateConnection(): Connection | undefined {
    if (this.available.size >= this.maxConnections) return undefined;
    const server = this.servers[this.rand(this.servers.length)]!;
    const client = this.clients[this.rand(this.clients.length)]!;
    return this.connect(client, server);
  }

  /** Connect a given pair (the existing connection when there is one). */
  connect(client: Messenger, server: Messenger): Connection {
    const conn = client.connectTo(this.addrs.get(server)!, 'osd');
    if (!this.available.has(conn)) this.c.connectionsCreated++;
    this.available.set(conn, [client, server]);
    return conn;
  }

  private randomConnection(): Connection | undefined {
    const n = this.available.size;
    if (!n) return undefined;
    let i = this.rand(n);
    for (const c of this.available.keys()) if (i-- === 0) return c;
    return undefined;
  }

  /** Block while more than maxInFlight tracked pings are outstanding (false: gave up). */
  private async room(): Promise<boolean> {
    if (this.tracker.pending <= this.maxInFlight) return true;
    const ok = await this.opts.driver.until(() => this.tracker.pending <= this.maxInFlight, this.opts.stuckMs ?? 300_000);
    if (!ok) this.stuck = true;
    return ok;
  }

  /** send_message: 5 % an untracked priority-200 command, else a tracked ping. */
  async sendMessage(): Promise<boolean> {
    if (!(await this.room())) return false;
    const conn = this.randomConnection();
    if (!conn) return true;
    if (this.rand(100) < (this.opts.commandPct ?? 5)) {
      this.c.commands++;
      return this.push(conn, commandMessage());
    }
    const index = this.rand(this.pool.size);
    const seq = this.tracker.allocSeq();
    this.tracker.track(conn, seq, index);
    const data = this.pool.buffers[index]!;
    this.c.pingBytes += data.length;
    return this.push(conn, pingMessage(seq, index, data));
  }

  private async push(conn: Connection, m: Message): Promise<boolean> {
    if (!conn.send(m)) {
      if (conn.isClosed) return true;
      await conn.whenWritable();
    }
    return true;
  }

  /** drop_connection: only with ≥ 10 connections; lossless peers: the reverse one too. */
  dropConnection(): void {
    if (this.available.size < 10) return;
    const conn = this.randomConnection()!;
    const [client, server] = this.available.get(conn)!;
    this.tracker.discard(conn);
    conn.markDown();
    this.c.drops++;
    const p = this.opts.clientPolicy;
    if (!p.server && !p.lossy && p.standby && !this.opts.serverPolicy.server) {
      const peer = server.connectTo(this.addrs.get(client)!, 'client');
      peer.markDown();
      this.tracker.discard(peer);
      this.available.delete(peer);
    }
    this.available.delete(conn);
  }

  /** Ceph's main loop: `ops` operations (or until `until()` says stop) with the given mix. */
  async run(o: { ops?: number; sends?: number; until?: () => boolean; mix?: OpMix; sleepMs?: [number, number]; onOp?: () => void }): Promise<void> {
    const mix = o.mix ?? MIX_STATEFUL;
    const [s0, s1] = o.sleepMs ?? [0.1, 0.6];
    const sends0 = this.tracker.counts.sent + this.c.commands;
    for (let i = 0; ; i++) {
      if (o.ops !== undefined && i >= o.ops) break;
      if (o.sends !== undefined && this.tracker.counts.sent + this.c.commands - sends0 >= o.sends) break;
      if (o.until?.()) break;
      if (this.stuck) break;
      this.c.ops++;
      const v = this.rand(100);
      if (v < mix.connect) this.generateConnection();
      else if (v < mix.connect + mix.drop) this.dropConnection();
      else if (v < mix.connect + mix.drop + mix.send) await this.sendMessage();
      else await this.opts.driver.sleep(s0 + this.rng.next() * (s1 - s0));
      if ((i & 15) === 15) await this.opts.driver.yield();
      o.onOp?.();
    }
  }

  /** Ceph's wait_for_done: until nothing tracked is outstanding, at most `boundMs`. */
  waitForDone(boundMs = 300_000): Promise<boolean> {
    return this.opts.driver.until(() => this.tracker.pending === 0, boundMs);
  }

  /** Shut every messenger down; returns what each still holds (I4: all zero). */
  async shutdown(): Promise<Array<ReturnType<Messenger['resources']>>> {
    const all = [...this.servers, ...this.clients];
    for (const m of all) await m.shutdown();
    this.available.clear();
    return all.map((m) => m.resources());
  }

  /** Injection counters summed over every messenger. */
  injected(): { socketFailures: number; internalDelays: number; delayedMessages: number } {
    const out = { socketFailures: 0, internalDelays: 0, delayedMessages: 0 };
    for (const m of [...this.servers, ...this.clients]) {
      const i = m.core.injector;
      if (!i) continue;
      out.socketFailures += i.socketFailures;
      out.internalDelays += i.internalDelays;
      out.delayedMessages += i.delayedMessages;
    }
    return out;
  }

  counts(): SyntheticCounts {
    const t = this.tracker.counts;
    return {
      sent: t.sent,
      delivered: t.delivered,
      lost: this.tracker.lost,
      duplicated: t.duplicated,
      reordered: t.reordered,
      misrouted: t.misrouted,
      corrupt: t.corrupt,
      discarded: t.discarded,
      stale: t.stale,
      unknown: t.unknown,
      pending: this.tracker.pending,
      connections: this.available.size,
      ...this.c,
    };
  }

  // ------------------------------------------------------------------ the shared dispatcher

  dispatch(m: Message, conn: Connection): void | Promise<void> {
    if (m.type === MSG_COMMAND) return;
    const p = decodePayload(m);
    if (!p) {
      this.tracker.counts.unknown++;
      return;
    }
    const data = m.data;
    if (p.who === WHO_PING) {
      const b = this.pool.buffers[p.index];
      if (!this.tracker.onPing(p.seq, !!b && b.equals(data))) return;
      try {
        if (!conn.send(pongMessage(p.seq, p.index, data)) && !conn.isClosed) return conn.whenWritable();
      } catch (e) {
        if (!isMsgrError(e) || e.code !== 'ERR_STOPPED') throw e;
      }
      return;
    }
    this.tracker.onPong(conn, p.seq, p.index, (i) => {
      const b = this.pool.buffers[i];
      return !!b && b.equals(data);
    });
  }

  handleConnect(conn: Connection): void {
    this.c.connects++;
    if (this.connected.has(conn)) this.c.reconnects++;
    else this.connected.add(conn);
    if (this.opts.discardOnConnect) this.tracker.discard(conn);
  }

  handleAccept(conn: Connection): void {
    this.c.accepts++;
    if (this.opts.discardOnConnect) this.tracker.discard(conn);
  }

  handleReset(conn: Connection): void {
    this.c.resets++;
    this.tracker.discard(conn);
    this.available.delete(conn);
  }

  handleRemoteReset(conn: Connection): void {
    this.c.remoteResets++;
    this.tracker.discard(conn);
  }

  handleRefused(conn: Connection, _e: unknown, final: boolean): void {
    this.c.refused++;
    if (final) {
      this.tracker.discard(conn);
      this.available.delete(conn);
    }
  }
}
