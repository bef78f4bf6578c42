/**
 * MonClient: a client's session with the monitor cluster (Ceph's MonClient), on a Messenger with
 * the lossy_client policy towards mons.
 *
 *  - hunting: connect to up to `huntParallel` mons at once (not yet tried ones first, lowest
 *    priority, random order weighted by the monmap's weights), keep the first whose
 *    session becomes ready, mark the others down; when none is ready after `huntInterval` ×
 *    multiplier, try again (the multiplier grows by `huntBackoff` up to `huntMaxMultiple`, and
 *    shrinks again after a success). A session that drops (reset) or whose mon stops answering
 *    keepalives for `pingTimeout` s starts a new hunt; pending requests are resent on the next
 *    session without the caller doing anything.
 *  - mons are dialled on their v2 address when they have one, else on v1 (MessengerCore
 *    pickTarget). msgr2 authenticates in its handshake; on msgr1 the session first logs in with
 *    MAuth / MAuthReply (mauth.ts, wire §6.9) and only then counts as ready.
 *  - on each session: name ourselves client.<global_id> (Ceph does), send MMonGetMap, subscribe
 *    (monmap, config, and whatever was asked), resend pending commands / version queries.
 *  - `command()` (MMonCommand with the monmap's fsid → MMonCommandAck by tid), `getVersion()`
 *    (MMonGetVersion → reply by handle), `subscribe()`; KEEPALIVE2 every `pingInterval` s;
 *    cephx ticket renewal over MAuth when tickets pass 3/4 of their validity (renewal.ts; the
 *    same on msgr2 and msgr1 sessions).
 *  - every wait has a timeout and takes an AbortSignal; at most `maxPending` requests outstanding.
 *
 * Events: 'hunting' (), 'session' (monName, Connection), 'session-lost' (MsgrError), 'monmap'
 * (MonMap), 'config' (Map), 'osdmap' (MOSDMap), 'mgrmap' (MMgrMap), 'auth-error' (MsgrError),
 * 'tickets-renewed' (services).
 */
import { EventEmitter } from 'node:events';
import type { Buffer } from 'node:buffer';
import { formatAddrVec } from '../encoding/types/entity-addr.ts';
import { formatEntityName, type EntityName } from '../encoding/types/entity-name.ts';
import { MsgrError, isMsgrError } from '../errors.ts';
import { NULL_LOG, type LogSink } from '../core/log.ts';
import { randomU32 } from '../core/random.ts';
import type { Message } from '../messages/message.ts';
import { MMonGetMapCodec } from '../messages/mon-get-map.ts';
import type { MonMap } from '../messages/mon-map.ts';
import { MMonSubscribeCodec, type SubscribeItem } from '../messages/mon-subscribe.ts';
import { osdMapLastEpoch } from '../messages/osd-map.ts';
import type { Connection } from '../node/connection.ts';
import type { Dispatcher } from '../node/dispatcher.ts';
import type { TimerHandle } from '../node/env.ts';
import type { Messenger } from '../node/messenger.ts';
import type { MonAddr } from '../config/mon-host.ts';
import { HuntAttempts, refusedBy, sendMAuth } from './attempts.ts';
import { HuntPlan } from './hunt.ts';
import { HuntingAuthClient } from './hunt-auth.ts';
import { decodeIncoming, monsOfMonMap } from './incoming.ts';
import { TicketRenewal } from './renewal.ts';
import { withDeadline, type OpOptions } from './pending.ts';
import { MonRequests } from './requests.ts';
import { Subscriptions } from './subs.ts';
import { SessionTick } from './tick.ts';
import { createMonMessenger, resolveOptions, type MonClientOptions, type MonCommandResult, type MonVersion, type ResolvedOptions } from './types.ts';

export type { MonClientOptions, MonCommandResult, MonVersion } from './types.ts';

type State = 'idle' | 'hunting' | 'connected' | 'closed';

interface Session {
  conn: Connection;
  mon: MonAddr;
  /** session number (1, 2, …) */
  n: number;
  lastAck: number;
}

export class MonClient extends EventEmitter implements Dispatcher {
  readonly messenger: Messenger;
  readonly auth: HuntingAuthClient;
  readonly name: EntityName;
  private readonly o: ResolvedOptions;
  private readonly log: LogSink;
  private state: State = 'idle';
  private started = false;
  private mons: MonAddr[];
  private readonly attempts: HuntAttempts;
  private session: Session | undefined;
  private sessions = 0;
  private readonly plan: HuntPlan;
  private huntTimer: TimerHandle | undefined;
  private readonly ticker: SessionTick;
  private readonly requests: MonRequests;
  private readonly subs = new Subscriptions();
  private readonly renewal: TicketRenewal;
  private everConnected = false;
  private connectWaiters: { resolve: () => void; reject: (e: MsgrError) => void }[] = [];
  /** the latest monmap (after the first session) */
  monmap: MonMap | undefined;
  /** our global_id (0 until the first session) */
  globalId = 0n;
  readonly stats = { hunts: 0, sessions: 0, keepalives: 0, resent: 0, renewals: 0, commands: 0 };

  constructor(opts: MonClientOptions) {
    super();
    if (!opts.mons.length) throw new MsgrError('ERR_CONFIG', 'no monitors specified to connect to (mon_host is empty)');
    this.name = opts.name;
    this.mons = opts.mons.map((m) => ({ name: m.name, addrs: m.addrs }));
    this.o = resolveOptions(opts);
    this.plan = HuntPlan.fromOptions(this.o, () => randomU32(this.messenger.env.random) / 2 ** 32);
    this.log = opts.log ?? NULL_LOG;
    this.auth = HuntingAuthClient.wrap(opts.authClient);
    this.renewal = new TicketRenewal(this.auth.cephx);
    this.messenger = createMonMessenger(opts, this.auth);
    this.messenger.addDispatcher(this);
    this.attempts = new HuntAttempts(this.messenger, this.auth, this.name);
    this.messenger.on('keepalive-ack', (c: Connection) => {
      if (this.session?.conn === c) this.session.lastAck = this.now();
    });
    const m = this.messenger.env;
    const target = (): { conn: Connection; n: number; fsid: string } | undefined =>
      this.session && this.monmap ? { conn: this.session.conn, n: this.session.n, fsid: this.monmap.fsid } : undefined;
    this.requests = new MonRequests(this.o.maxPending, this.o.opTimeout, (ms, cb) => m.setTimer(ms, cb), target, this.stats);
    this.ticker = new SessionTick(m, this.o, {
      session: () => (this.state === 'connected' ? this.session : undefined),
      dead: (e) => this.sessionLost(e, 'mon stopped answering keepalives'),
      renew: () => this.maybeRenewTickets(),
      keepaliveSent: () => void this.stats.keepalives++,
    });
    this.subs.set('monmap', 0n, 0);
    this.subs.set('config', 0n, 0);
    for (const [what, start, flags] of this.o.subscribe) this.subs.set(what, start, flags);
  }

  private now(): number {
    return this.messenger.env.now();
  }

  private debug(level: number, text: string): void {
    if (this.log.level >= level) this.log.write(level, `monclient${this.state === 'hunting' ? '(hunting)' : ''}: ${text}`);
  }

  get isConnected(): boolean {
    return this.state === 'connected';
  }
  /** name of the mon of the current session */
  get activeMon(): string | undefined {
    return this.session?.mon.name;
  }
  get fsid(): string | undefined {
    return this.monmap?.fsid;
  }
  /** the mons we hunt among (mon_host at first, then the monmap's) */
  get knownMons(): readonly MonAddr[] {
    return this.mons;
  }
  get pendingCount(): number {
    return this.requests.size;
  }

  // ------------------------------------------------------------------ connect / close

  /**
   * Start hunting (if not already) and wait for a session with a monmap. Rejects with the mon's
   * auth refusal (ERR_AUTH_REJECTED / ERR_AUTH_BAD_METHOD) on the first session, ERR_NO_MON when no
   * mon has a usable address, ERR_TIMEOUT after `timeoutMs` (default mountTimeout), ERR_ABORTED.
   */
  async connect(opts: OpOptions = {}): Promise<void> {
    if (this.state === 'closed') throw new MsgrError('ERR_STOPPED', 'MonClient is closed');
    if (this.state === 'connected' && this.monmap) return;
    if (!this.started) {
      this.started = true;
      await this.messenger.start();
    }
    const wait = new Promise<void>((resolve, reject) => this.connectWaiters.push({ resolve, reject }));
    if (this.state === 'idle') this.reopenSession('initial connect');
    const ms = opts.timeoutMs ?? this.o.mountTimeout * 1000;
    const label = `connecting to mons ${this.mons.map((m) => formatAddrVec(m.addrs)).join(' ')}`;
    return withDeadline(wait, label, ms, (t, cb) => this.messenger.env.setTimer(t, cb), opts.signal, () => {
      if (!this.everConnected) this.stopHunting();
    });
  }

  /** Reject every pending request, stop timers, shut the messenger down. */
  async close(): Promise<void> {
    if (this.state === 'closed') return;
    this.state = 'closed';
    this.clearTimers();
    const err = new MsgrError('ERR_ABORTED', 'MonClient closed');
    this.requests.rejectAll(err);
    this.failWaiters(err);
    await this.messenger.shutdown();
  }

  // ------------------------------------------------------------------ requests

  /**
   * Run a mon command: `cmd` is a JSON object, its text, or several texts (Ceph's cmd vector);
   * `input` goes in the data segment. Resolves with the mon's r / rs / output even when r < 0.
   */
  command(cmd: string | object | readonly string[], input?: Buffer, opts: OpOptions = {}): Promise<MonCommandResult> {
    const refused = this.refuseRequest();
    return refused ? Promise.reject(refused) : this.requests.command(cmd, input, opts);
  }

  /** Ask the mons for the latest version of a map ('osdmap', 'monmap', 'mdsmap', 'fsmap', …). */
  getVersion(what: string, opts: OpOptions = {}): Promise<MonVersion> {
    const refused = this.refuseRequest();
    return refused ? Promise.reject(refused) : this.requests.getVersion(what, opts);
  }

  /** Subscribe to a map (start = first epoch wanted; flags 1 = onetime). Sent now if connected. */
  subscribe(what: string, start: bigint = 0n, flags = 0): void {
    this.subs.set(what, start, flags);
    if (this.session) this.sendSubscribe(new Map([[what, { start, flags }]]));
  }

  unsubscribe(what: string): void {
    this.subs.delete(what);
  }

  /** Requests need a client that is (or is becoming) connected: connect() first. */
  private refuseRequest(): MsgrError | undefined {
    if (this.state === 'closed') return new MsgrError('ERR_STOPPED', 'MonClient is closed');
    if (this.state === 'idle') return new MsgrError('ERR_NOT_STARTED', 'MonClient is not connected: call connect() first');
    return undefined;
  }

  // ------------------------------------------------------------------ hunting

  /** Ceph _reopen_session: drop the session, try up to huntParallel mons at once. */
  private reopenSession(why: string): void {
    if (this.state === 'closed') return;
    const lost = this.session;
    this.session = undefined;
    this.renewal.reset();
    if (lost) lost.conn.markDown();
    this.attempts.dropAll();
    this.clearTimers();
    this.state = 'hunting';
    this.stats.hunts++;
    this.emit('hunting');
    const pick = this.plan.nextBatch(this.mons);
    if (!pick.length) {
      const err = new MsgrError('ERR_NO_MON', `no mon has a v2 or v1 address: ${this.mons.map((m) => `${m.name} ${formatAddrVec(m.addrs)}`).join(', ')}`);
      this.stopHunting();
      this.failWaiters(err);
      return;
    }
    this.debug(1, `${why}: hunting ${pick.map((m) => `${m.name} ${formatAddrVec(m.addrs)}`).join(', ')}`);
    for (const m of pick) this.attempts.dial(m, this.globalId, this.monmap?.epoch ?? 0);
    const wait = this.plan.roundMs;
    this.huntTimer = this.messenger.env.setTimer(wait, () => {
      this.huntTimer = undefined;
      if (this.state !== 'hunting') return;
      this.plan.failed();
      this.reopenSession(`no mon answered in ${Math.round(wait)} ms`);
    });
  }

  private stopHunting(): void {
    this.attempts.dropAll();
    this.clearTimers();
    if (this.state === 'hunting') this.state = 'idle';
  }

  private clearTimers(): void {
    this.huntTimer?.cancel();
    this.huntTimer = undefined;
    this.ticker.stop();
  }

  private failWaiters(err: MsgrError): void {
    for (const w of this.connectWaiters.splice(0)) w.reject(err);
  }

  /** A hunting connection became ready (and, on msgr1, logged in): it is our session now. */
  private finishHunting(conn: Connection, mon: MonAddr, globalId: bigint): void {
    this.attempts.dropAll(conn);
    this.huntTimer?.cancel();
    this.huntTimer = undefined;
    this.plan.succeeded();
    this.globalId = globalId;
    this.auth.adopt(this.globalId);
    this.messenger.setMyName({ type: this.name.type, num: this.globalId });
    this.session = { conn, mon, n: ++this.sessions, lastAck: this.now() };
    this.state = 'connected';
    this.everConnected = true;
    this.stats.sessions++;
    this.debug(1, `session established with ${mon.name} ${formatAddrVec(conn.peerAddrs)} as ${formatEntityName(this.name)} global_id ${this.globalId}`);
    conn.send(MMonGetMapCodec.encode({}, conn.features));
    this.sendSubscribe(this.subs.all());
    this.emit('session', mon.name, conn);
    this.requests.flush();
    this.maybeRenewTickets(); // Ceph _finish_auth → _check_auth_tickets
    this.ticker.schedule();
  }

  private sendSubscribe(what: ReadonlyMap<string, SubscribeItem>): void {
    const s = this.session;
    if (!s || !what.size) return;
    s.conn.send(MMonSubscribeCodec.encode({ what: new Map(what), hostname: this.o.hostname }, s.conn.features));
  }

  private sessionLost(err: MsgrError | undefined, why: string): void {
    if (this.state === 'closed') return;
    this.debug(1, `${why}${err ? `: ${err.message}` : ''}`);
    this.emit('session-lost', err ?? new MsgrError('ERR_CONNECTION_CLOSED', why));
    this.reopenSession(why);
  }

  // ------------------------------------------------------------------ ticket renewal (also every tick)

  private maybeRenewTickets(): void {
    const s = this.session;
    const m = s && this.renewal.request(this.monmap?.epoch ?? 0);
    if (!s || !m) return;
    this.debug(10, 'renewing cephx tickets');
    sendMAuth(s.conn, m);
  }

  // ------------------------------------------------------------------ Dispatcher

  handleConnect(conn: Connection): void {
    // msgr1 attempts become the session when their MAuth login completes (dispatch)
    const a = this.attempts.connected(conn);
    if (a && this.state === 'hunting') this.finishHunting(conn, a.mon, conn.peerGlobalId);
  }

  handleReset(conn: Connection, error?: MsgrError): void {
    if (this.attempts.delete(conn)) return;
    if (this.session?.conn === conn) this.sessionLost(error, `lost session with ${this.session.mon.name}`);
  }

  handleRefused(conn: Connection, error: MsgrError, final: boolean): void {
    const a = this.attempts.get(conn);
    if (!a) return;
    if (final) this.attempts.delete(conn);
    this.attemptRefused(a.mon, error);
  }

  /** A mon refused a hunting attempt: an auth refusal before the first session fails connect(). */
  private attemptRefused(mon: MonAddr, error: MsgrError): void {
    if (error.code !== 'ERR_AUTH_REJECTED' && error.code !== 'ERR_AUTH_BAD_METHOD') return;
    const err = refusedBy(mon, this.name, error);
    this.debug(1, err.message);
    this.emit('auth-error', err);
    if (!this.everConnected) {
      // Ceph's authenticate() returns the error of the first refusal
      this.stopHunting();
      this.failWaiters(err);
    }
  }

  dispatch(msg: Message, conn: Connection): boolean {
    if (this.session?.conn !== conn) {
      if (this.state === 'hunting' && this.attempts.isLoginReply(conn, msg)) {
        const out = this.attempts.loginReply(conn, msg);
        this.debug(10, `msgr1 login: ${out.kind}${out.kind === 'refused' ? ` ${out.error.message}` : ''}`);
        if (out.kind === 'ready') this.finishHunting(conn, out.mon, out.globalId);
        else if (out.kind === 'refused') this.attemptRefused(out.mon, out.error);
        return true;
      }
      this.debug(10, `discarding stray message type ${msg.type} from ${formatAddrVec(conn.peerAddrs)}`);
      return true;
    }
    try {
      this.handleMessage(msg, conn);
    } catch (e) {
      if (!isMsgrError(e)) throw e;
      // an undecodable message from the mon: Ceph would fault the connection
      this.sessionLost(e, `bad message type ${msg.type} from ${this.session.mon.name}`);
    }
    return true;
  }

  private handleMessage(msg: Message, conn: Connection): void {
    const m = decodeIncoming(msg, conn.features);
    switch (m.kind) {
      case 'monmap': {
        this.monmap = m.monmap;
        const fromMap = monsOfMonMap(m.monmap);
        if (fromMap.length) this.mons = fromMap;
        this.subs.got('monmap', BigInt(m.monmap.epoch));
        this.emit('monmap', m.monmap);
        for (const w of this.connectWaiters.splice(0)) w.resolve();
        this.requests.flush();
        return;
      }
      case 'command-ack':
        this.requests.commandAck(m.tid, { r: m.r, rs: m.rs, data: m.data });
        return;
      case 'version':
        this.requests.versionReply(m.handle, { version: m.version, oldestVersion: m.oldestVersion });
        return;
      case 'config':
        this.emit('config', m.config);
        return;
      case 'osdmap':
        this.subs.got('osdmap', BigInt(osdMapLastEpoch(m.map)));
        this.emit('osdmap', m.map);
        return;
      case 'mgrmap':
        this.emit('mgrmap', m.map);
        return;
      case 'auth-reply': {
        const out = this.renewal.reply(m.reply);
        if (out.kind === 'error') {
          this.emit('auth-error', out.error);
          return;
        }
        this.stats.renewals++;
        this.emit('tickets-renewed', out.services);
        return;
      }
      case 'other':
        this.debug(10, `ignoring message type ${m.type}`);
    }
  }
}
