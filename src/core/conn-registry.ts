/**
 * The messenger core's connection registry (Ceph's conns + accepting_conns + anon_conns +
 * deleted_conns): every connection not yet reaped by id, the registered ones by peer address
 * vector, the accepted ones not yet registered, the anonymous ones, and the dead ones waiting for
 * the reaper; the reaper itself, and the connections' timers.
 */
import { formatAddrVec, type EntityAddr } from '../encoding/types/entity-addr.ts';
import { Conn } from './conn.ts';
import type { CoreContext } from './context.ts';
import type { ConnId, MsgrEvent, TransportId } from './events.ts';
import { pickTarget, protocolFactory } from './protocol-registry.ts';
import type { Deque } from './session/deque.ts';
import type { Policy } from './session/policy.ts';
import type { TransportTable } from './transport-table.ts';

/** The registry key of a peer address vector. */
export function addrKey(addrs: readonly EntityAddr[]): string {
  return formatAddrVec(addrs);
}

/** Counts for tests and status (see MessengerCore.registrySizes). */
export type RegistrySizes = { conns: number; accepting: number; anon: number; all: number; reapQueue: number; transports: number };

export class ConnRegistry {
  private nextConnId = 1;
  /** registered connections by peer addrs */
  private readonly conns = new Map<string, Conn>();
  private readonly registryKey = new Map<Conn, string>();
  /** every connection not yet reaped */
  readonly all = new Map<ConnId, Conn>();
  /** accepted connections not yet registered under their peer's addrs */
  readonly accepting = new Set<Conn>();
  /** connections never registered (anonymous connects, unregistered lossy clients) */
  readonly anon = new Set<Conn>();
  /** dead connections waiting for the reaper, in order of death */
  readonly reapQueue: Conn[] = [];
  /** the per-connection stats of reaped connections, summed (perf counters outlive the reaper) */
  readonly retiredStats: Partial<Record<keyof Conn['stats'], number>> = {};
  readonly counters = { reaped: 0, discarded: 0, accepted: 0, connects: 0 };

  /** `transports` are closed and `events` told when connections are reaped */
  constructor(
    private readonly transports: TransportTable,
    private readonly events: Deque<MsgrEvent>,
  ) {}

  /** A new connection with its wire protocol (msgr`version`), known by id until reaped. */
  private create(
    ctx: CoreContext,
    role: 'connector' | 'acceptor',
    policy: Policy,
    peerType: number,
    addrs: EntityAddr[],
    anon: boolean,
    version: 1 | 2,
  ): Conn {
    const c = new Conn(this.nextConnId++, role, policy, peerType, addrs, anon);
    c.proto = protocolFactory(version)(c, ctx);
    this.all.set(c.id, c);
    return c;
  }

  /**
   * Ceph connect_to (MessengerCore.connect, past its checks): the registered connection for these
   * addrs, or a new one dialing the address pickTarget chose. `anon`: always a new one, never
   * registered (never shared).
   */
  connect(ctx: CoreContext, addrs: EntityAddr[], peerType: number, anon: boolean, now: number): Conn {
    if (!anon) {
      const ex = this.lookup(addrs);
      if (ex) return ex;
    }
    const { addr: target, version } = pickTarget(addrs, ctx.config.ms_connect_msgr1);
    const c = this.create(ctx, 'connector', ctx.policyFor(peerType), peerType, addrs, anon, version);
    c.targetAddr = target;
    if (anon) this.anon.add(c);
    else this.register(c, addrs);
    this.counters.connects++;
    c.proto.connect(now);
    return c;
  }

  /** A socket was accepted on transport `tid`: a new connection, accepting until the peer identifies itself. */
  accepted(
    ctx: CoreContext,
    policy: Policy,
    tid: TransportId,
    localAddr: EntityAddr | undefined,
    peerAddr: EntityAddr,
    version: 1 | 2,
  ): Conn {
    const c = this.create(ctx, 'acceptor', policy, -1, [peerAddr], false, version);
    this.transports.attach(tid, c, localAddr, peerAddr);
    this.accepting.add(c);
    this.counters.accepted++;
    return c;
  }

  /** Register c under these peer addrs. */
  private register(c: Conn, addrs: readonly EntityAddr[]): void {
    const key = addrKey(addrs);
    this.conns.set(key, c);
    this.registryKey.set(c, key);
  }

  /** A live registered connection for these peer addrs (never a dead one, never `except`). */
  lookup(addrs: readonly EntityAddr[], except?: Conn): Conn | undefined {
    const c = this.conns.get(addrKey(addrs));
    if (!c || c.dead || c === except) return undefined;
    return c;
  }

  /**
   * Register an accepted connection under its peer addrs (a lossy server's unregistered clients
   * become anonymous instead); false if another live connection holds them.
   */
  accept(c: Conn): boolean {
    const p = c.policy;
    if (p.server && p.lossy && !p.registerLossyClients) {
      this.accepting.delete(c);
      this.anon.add(c);
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
    this.anon.delete(c);
    return true;
  }

  /** Forget c everywhere but `all` (the reaper deletes it there). */
  private unregister(c: Conn): void {
    const key = this.registryKey.get(c);
    if (key !== undefined && this.conns.get(key) === c) this.conns.delete(key);
    this.registryKey.delete(c);
    this.accepting.delete(c);
    this.anon.delete(c);
  }

  /**
   * The reaper (SimpleMessenger::reaper): for every dead connection, discard its queue,
   * unregister it, close its socket and free it. Returns how many were reaped.
   */
  reap(): number {
    let n = 0;
    while (this.reapQueue.length) {
      const c = this.reapQueue.shift()!;
      const discarded = c.session.discardOutQueue().length;
      this.unregister(c);
      this.transports.close(c);
      this.transports.dirty.delete(c);
      this.all.delete(c.id);
      this.counters.reaped++;
      this.counters.discarded += discarded;
      for (const k of Object.keys(c.stats) as (keyof Conn['stats'])[]) this.retiredStats[k] = (this.retiredStats[k] ?? 0) + c.stats[k];
      this.events.push({ kind: 'reaped', conn: c.id, discarded });
      n++;
    }
    return n;
  }

  /** Run the timers of every connection that are due. */
  tick(now: number): void {
    for (const c of this.all.values()) {
      const d = c.proto.nextDeadline();
      if (d !== undefined && d <= now) c.proto.onTick(now);
    }
  }

  /** The earliest deadline of any connection (or `t`, if earlier). */
  nextDeadline(t: number | undefined): number | undefined {
    for (const c of this.all.values()) {
      const d = c.proto.nextDeadline();
      if (d !== undefined && (t === undefined || d < t)) t = d;
    }
    return t;
  }

  /** Counts for tests and status (`transports`: open transports). */
  sizes(): RegistrySizes {
    return {
      conns: this.conns.size,
      accepting: this.accepting.size,
      anon: this.anon.size,
      all: this.all.size,
      reapQueue: this.reapQueue.length,
      transports: this.transports.byTid.size,
    };
  }
}
