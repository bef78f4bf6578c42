/**
 * crimson's FailoverSuite (src/test/crimson/test_messenger.cc) on our messenger: a "Test"
 * messenger (the system under test, with a breakpoint interceptor) and a "Peer" messenger, each
 * tracking one connection to the other like crimson's FailoverSuite / FailoverSuitePeer, and one
 * ConnResult per Test connection in creation order with crimson's counters:
 *
 *   connect(attempts, client idents, reconnects, dispatched)      SOCKET_CONNECTING, CLIENT_IDENT:w, SESSION_RECONNECT:w, connect events
 *   accept(attempts, idents read, reconnects read, dispatched)    SOCKET_ACCEPTED, CLIENT_IDENT:r, SESSION_RECONNECT:r, accept events
 *   reset(local, remote)                                           reset / remote-reset events
 *
 * Breakpoint counters are counted when the breakpoint is reached (whatever the action), as
 * crimson's TestInterceptor does. The crimson assertions inside its dispatchers (ops only on the
 * tracked connection, accept only when nothing else is tracked, …) are recorded in `errors`.
 * `check()` asserts the global invariants I1–I5 of acceptance.md §7.0.
 */
import assert from 'node:assert/strict';
import type { Conn } from '../../src/core/conn.ts';
import type { ConnId } from '../../src/core/events.ts';
import type { Breakpoint, InterceptAction, Interceptor } from '../../src/core/interceptor.ts';
import type { MsgrConfig } from '../../src/core/config.ts';
import type { LogSink } from '../../src/core/log.ts';
import type { Policy } from '../../src/core/session/policy.ts';
import { compareAddr, pickAddr, AddrType, type EntityAddr } from '../../src/encoding/types/entity-addr.ts';
import { Message } from '../../src/messages/message.ts';
import type { Connection } from '../../src/node/connection.ts';
import type { Messenger } from '../../src/node/messenger.ts';
import { RuleInterceptor } from '../../src/testing/fault-interceptor.ts';
import type { World } from './world.ts';

export type ConnState = 'unknown' | 'established' | 'closed' | 'replaced';

export class ConnResult {
  /** set by waitReady when the connection was seen connected with nothing pending */
  established = false;
  connectAttempts = 0;
  clientConnectAttempts = 0;
  clientReconnectAttempts = 0;
  connectDispatched = 0;
  acceptAttempts = 0;
  serverConnectAttempts = 0;
  serverReconnectAttempts = 0;
  acceptDispatched = 0;
  resetDispatched = 0;
  remoteResetDispatched = 0;
  /** the Test side marked this connection down */
  markedDown = false;

  constructor(
    readonly index: number,
    readonly conn: Conn,
  ) {}

  get closed(): boolean {
    return this.conn.dead || this.conn.proto.isClosed;
  }
  get state(): ConnState {
    if (this.conn.replacedBy !== undefined) return 'replaced';
    if (this.closed) return 'closed';
    return this.established ? 'established' : 'unknown';
  }
  get connect(): [number, number, number, number] {
    return [this.connectAttempts, this.clientConnectAttempts, this.clientReconnectAttempts, this.connectDispatched];
  }
  get accept(): [number, number, number, number] {
    return [this.acceptAttempts, this.serverConnectAttempts, this.serverReconnectAttempts, this.acceptDispatched];
  }
  get reset(): [number, number] {
    return [this.resetDispatched, this.remoteResetDispatched];
  }
  toString(): string {
    return `[${this.index}] conn ${this.conn.id} ${this.state} (${this.conn.proto.stateName}) connect(${this.connect}) accept(${this.accept}) reset(${this.reset})`;
  }
}

/** Expected result of one connection; 2-element connect/accept check only attempts and dispatched (crimson's short form). */
export interface Expect {
  state: ConnState;
  connect?: number[];
  accept?: number[];
  reset?: [number, number];
}

export function assertResults(results: readonly ConnResult[], expected: readonly Expect[]): void {
  const dump = results.map(String).join('\n');
  assert.equal(results.length, expected.length, `number of connections\n${dump}`);
  expected.forEach((e, i) => {
    const r = results[i]!;
    const pick = (all: number[], want: number[]): number[] => (want.length === 2 ? [all[0]!, all[3]!] : all);
    assert.equal(r.state, e.state, `[${i}] state\n${dump}`);
    assert.deepEqual(pick(r.connect, e.connect ?? [0, 0, 0, 0]), e.connect ?? [0, 0, 0, 0], `[${i}] connect\n${dump}`);
    assert.deepEqual(pick(r.accept, e.accept ?? [0, 0, 0, 0]), e.accept ?? [0, 0, 0, 0], `[${i}] accept\n${dump}`);
    assert.deepEqual(r.reset, e.reset ?? [0, 0], `[${i}] reset\n${dump}`);
  });
}

/** crimson's TestInterceptor: rules from a RuleInterceptor, plus one ConnResult per connection. */
export class TrackingInterceptor implements Interceptor {
  readonly rules = new RuleInterceptor();
  readonly results: ConnResult[] = [];
  private readonly byId = new Map<ConnId, ConnResult>();
  msgr: Messenger | undefined;
  /** called after a connection's first breakpoint (e.g. to observe creation) */
  onChange: (() => void) | undefined;

  intercept(id: ConnId, bp: Breakpoint): InterceptAction {
    const r = this.track(id);
    if (r) {
      if (bp === 'SOCKET_CONNECTING') r.connectAttempts++;
      else if (bp === 'CLIENT_IDENT:w') r.clientConnectAttempts++;
      else if (bp === 'SESSION_RECONNECT:w') r.clientReconnectAttempts++;
      else if (bp === 'SOCKET_ACCEPTED') r.acceptAttempts++;
      else if (bp === 'CLIENT_IDENT:r') r.serverConnectAttempts++;
      else if (bp === 'SESSION_RECONNECT:r') r.serverReconnectAttempts++;
    }
    return this.rules.intercept(id, bp);
  }

  private track(id: ConnId): ConnResult | undefined {
    let r = this.byId.get(id);
    if (r) return r;
    const c = this.msgr?.core.getConn(id);
    if (!c) return undefined;
    r = new ConnResult(this.results.length, c);
    this.results.push(r);
    this.byId.set(id, r);
    return r;
  }

  result(id: ConnId): ConnResult | undefined {
    return this.byId.get(id);
  }
}

export interface SuiteOptions {
  testPolicy: Policy;
  peerPolicy: Policy;
  /** nonces decide the race winner (lower v2 address wins); crimson: Test 2, Peer 4 */
  testNonce?: number;
  peerNonce?: number;
  config?: Partial<MsgrConfig>;
  /** a rule interceptor on the peer too (S19/S20) */
  peerRules?: RuleInterceptor;
}

export const FAST: Partial<MsgrConfig> = { ms_initial_backoff: 0.05, ms_max_backoff: 0.2 };

const opOf = (m: Message): string => m.data.toString();

/** Both sides of one failover suite run. */
export class FailoverSuite {
  readonly ic = new TrackingInterceptor();
  readonly errors: string[] = [];
  test!: Messenger;
  peer!: Messenger;
  testAddrs!: EntityAddr[];
  peerAddrs!: EntityAddr[];
  private tTracked: Connection | undefined;
  private pTracked: Connection | undefined;
  private tPendingSend = 0;
  private pPendingSend = 0;
  private nextOp = { t: 0, p: 0 };
  /** ops Test still expects from Peer / Peer still expects from Test */
  pendingReceive = 0;
  pendingPeerReceive = 0;
  /** ops received, per side, in order (I1: strictly increasing numbers) */
  readonly testGot: string[] = [];
  readonly peerGot: string[] = [];
  private readonly downAt = new Set<Connection>();
  /** ops dropped because they were sent on a closed connection (never queued) */
  readonly dropped: string[] = [];
  peerResets = 0;
  peerRemoteResets = 0;

  private constructor(readonly w: World) {}

  static async create(w: World, o: SuiteOptions): Promise<FailoverSuite> {
    const s = new FailoverSuite(w);
    const config = { ...FAST, ...o.config };
    const log = (who: string): LogSink => debugLog(w, who);
    s.test = w.messenger({ name: 'osd.2', nonce: o.testNonce ?? 2, interceptor: s.ic, config, log: log('T') });
    s.ic.msgr = s.test;
    s.test.setDefaultPolicy(o.testPolicy);
    s.test.addDispatcher(s.testDispatcher());
    s.testAddrs = await s.test.bind('v2:127.0.0.1:0');
    await s.test.start();
    s.peer = w.messenger({ name: 'osd.4', nonce: o.peerNonce ?? 4, config, log: log('P'), ...(o.peerRules ? { interceptor: o.peerRules } : {}) });
    s.peer.setDefaultPolicy(o.peerPolicy);
    s.peer.addDispatcher(s.peerDispatcher());
    s.peerAddrs = await s.peer.bind('v2:127.0.0.1:0');
    await s.peer.start();
    return s;
  }

  /** crimson's check_peer_wins: false when Test's v2 address is the lower one */
  get peerWins(): boolean {
    return compareAddr(pickAddr(this.testAddrs, AddrType.MSGR2)!, pickAddr(this.peerAddrs, AddrType.MSGR2)!) > 0;
  }

  get results(): readonly ConnResult[] {
    return this.ic.results;
  }

  private err(text: string): void {
    this.errors.push(text);
  }

  private result(c: Connection, what: string): ConnResult | undefined {
    const r = this.ic.result(c.id);
    if (!r) this.err(`untracked ${what} on ${c}`);
    return r;
  }

  // ---------------------------------------------------------------- the two dispatchers

  private testDispatcher() {
    return {
      dispatch: (m: Message, c: Connection): void => {
        this.result(c, 'dispatch');
        if (this.downAt.has(c)) this.err(`I2: ${opOf(m)} delivered on ${c} after markDown`);
        if (c !== this.tTracked) this.err(`${c} got op ${opOf(m)} but tracked is ${this.tTracked}`);
        if (this.pendingReceive <= 0) this.err(`unexpected op ${opOf(m)} on ${c} (duplicate?)`);
        this.pendingReceive--;
        this.testGot.push(opOf(m));
      },
      handleAccept: (c: Connection): void => {
        const r = this.result(c, 'accept');
        if (this.tTracked && !this.tTracked.isClosed && this.tTracked !== c) {
          this.err(`${c} accepted while ${this.tTracked} is tracked`);
        }
        this.tTracked = c;
        if (r) r.acceptDispatched++;
        this.flushTest();
      },
      handleConnect: (c: Connection): void => {
        const r = this.result(c, 'connect');
        if (this.tTracked !== c) this.err(`${c} connected but tracked is ${this.tTracked}`);
        if (r) r.connectDispatched++;
      },
      handleReset: (c: Connection): void => {
        const r = this.result(c, 'reset');
        if (this.downAt.has(c)) this.err(`I3: reset on ${c} after a local markDown`);
        if (this.tTracked !== c) this.err(`${c} reset but tracked is ${this.tTracked}`);
        this.tTracked = undefined;
        if (r) r.resetDispatched++;
      },
      handleRemoteReset: (c: Connection): void => {
        const r = this.result(c, 'remote reset');
        if (this.tTracked !== c) this.err(`${c} remote reset but tracked is ${this.tTracked}`);
        if (r) r.remoteResetDispatched++;
      },
    };
  }

  private peerDispatcher() {
    return {
      dispatch: (m: Message, c: Connection): void => {
        if (c !== this.pTracked) this.err(`peer: ${c} got op ${opOf(m)} but tracked is ${this.pTracked}`);
        if (this.pendingPeerReceive <= 0) this.err(`peer: unexpected op ${opOf(m)} (duplicate?)`);
        this.pendingPeerReceive--;
        this.peerGot.push(opOf(m));
      },
      handleAccept: (c: Connection): void => {
        if (this.pTracked && !this.pTracked.isClosed && this.pTracked !== c) this.err(`peer: ${c} accepted while ${this.pTracked} is tracked`);
        this.pTracked = c;
        this.flushPeer();
      },
      handleReset: (c: Connection): void => {
        if (this.pTracked !== c) this.err(`peer: ${c} reset but tracked is ${this.pTracked}`);
        this.pTracked = undefined;
        this.peerResets++;
      },
      handleRemoteReset: (): void => {
        this.peerRemoteResets++;
      },
    };
  }

  // ---------------------------------------------------------------- Test-side operations

  private sendTestOp(): void {
    const c = this.tTracked!;
    const op = `t${++this.nextOp.t}`;
    // a message sent on a closed connection is dropped at once (Ceph send_message on CLOSED)
    if (c.isClosed) this.dropped.push(op);
    else this.pendingPeerReceive++;
    c.send(new Message({ type: 2, data: Buffer.from(op) }));
  }
  private flushTest(): void {
    while (this.tPendingSend > 0 && this.tTracked) {
      this.tPendingSend--;
      this.sendTestOp();
    }
  }
  private sendPeerOp(expect: boolean): void {
    const c = this.pTracked!;
    const op = `p${++this.nextOp.p}`;
    if (c.isClosed) this.dropped.push(op);
    else if (expect) this.pendingReceive++;
    c.send(new Message({ type: 2, data: Buffer.from(op) }));
  }
  private flushPeer(): void {
    while (this.pPendingSend > 0 && this.pTracked) {
      this.pPendingSend--;
      this.sendPeerOp(true);
    }
  }

  /** Test connects to Peer (the registered connection for Peer's addrs, maybe an accepted one). */
  connectPeer(): Connection {
    const c = this.test.connectTo(this.peerAddrs, 'osd');
    if (this.tTracked && !this.tTracked.isClosed && this.tTracked !== c) this.err(`connectPeer: ${c} but tracked ${this.tTracked}`);
    this.tTracked = c;
    this.flushTest();
    return c;
  }
  sendPeer(): void {
    if (this.tTracked) this.sendTestOp();
    else this.tPendingSend++;
  }
  /** Queue a Test op on a given connection (e.g. an accepted one still in its handshake). */
  sendOn(id: ConnId): void {
    this.pendingPeerReceive++;
    this.test.handle(id).send(new Message({ type: 2, data: Buffer.from(`t${++this.nextOp.t}`) }));
  }
  keepalivePeer(): void {
    this.tTracked!.sendKeepalive();
  }
  async markdown(): Promise<void> {
    await this.w.sleep(100);
    const c = this.tTracked!;
    const r = this.ic.result(c.id);
    if (r) r.markedDown = true;
    this.downAt.add(c);
    c.markDown();
  }
  get tracked(): Connection | undefined {
    return this.tTracked;
  }

  // ---------------------------------------------------------------- Peer-side operations

  peerConnectMe(): Connection {
    const c = this.peer.connectTo(this.testAddrs, 'osd');
    this.pTracked = c;
    this.flushPeer();
    return c;
  }
  peerSendMe(expect = true): void {
    if (this.pTracked) this.sendPeerOp(expect);
    else if (expect) this.pPendingSend++;
  }
  peerKeepaliveMe(): void {
    this.pTracked!.sendKeepalive();
  }
  sendBidirectional(): void {
    this.sendPeer();
    this.peerSendMe();
  }
  async markdownPeer(): Promise<void> {
    await this.w.sleep(50);
    this.pTracked!.markDown();
    await this.w.sleep(100);
  }
  get peerTracked(): Connection | undefined {
    return this.pTracked;
  }

  // ---------------------------------------------------------------- waits (10 s guard each)

  /** crimson's wait_ready; returns a reason to keep waiting, or undefined when done. */
  private readyState(numConns: number, numReplaced: number, waitReceived: boolean): string | undefined {
    let pendingConns = 0;
    let pendingEstablish = 0;
    let replaced = 0;
    for (const r of this.ic.results) {
      if (r.closed) {
        if (r.state === 'replaced') replaced++;
      } else if (r.conn.proto.isReady) {
        if (this.tTracked?.id !== r.conn.id) this.err(`connected ${r} is not the tracked connection ${this.tTracked}`);
        if (this.tPendingSend === 0 && this.pPendingSend === 0 && this.pendingPeerReceive === 0 && this.pendingReceive === 0) r.established = true;
        else pendingEstablish++;
      } else pendingConns++;
    }
    const n = this.ic.results.length;
    if (numConns > 0) {
      if (n > numConns) return `FAIL: ${n} connections, more than ${numConns}`;
      if (n < numConns || pendingConns > 0) return `connections ${n}/${numConns}, ${pendingConns} pending`;
    }
    const pend = this.tPendingSend || this.pPendingSend || this.pendingPeerReceive || this.pendingReceive;
    if (waitReceived && pend && (pendingConns || pendingEstablish)) {
      return `ops pending send=${this.tPendingSend}/${this.pPendingSend} peer=${this.pendingPeerReceive} test=${this.pendingReceive}`;
    }
    if (numReplaced > 0) {
      if (replaced > numReplaced) return `FAIL: ${replaced} replaced, more than ${numReplaced}`;
      if (replaced < numReplaced) return `replaced ${replaced}/${numReplaced}`;
    }
    return undefined;
  }

  private async waitReady(numConns: number, numReplaced: number, waitReceived: boolean): Promise<void> {
    let why: string | undefined;
    const ok = await this.w.until(() => {
      why = this.readyState(numConns, numReplaced, waitReceived);
      return why === undefined || why.startsWith('FAIL');
    }, 10_000);
    if (!ok || why) assert.fail(`wait_ready(${numConns}, ${numReplaced}, ${waitReceived}): ${why}\n${this.dump()}`);
  }
  waitResults(n: number): Promise<void> {
    return this.waitReady(n, 0, true);
  }
  waitEstablished(): Promise<void> {
    return this.waitReady(0, 0, true);
  }
  waitReplaced(n: number): Promise<void> {
    return this.waitReady(0, n, false);
  }
  /** until at least n connections were parked by BLOCK/STALL (10 s guard) */
  async waitBlocked(n = 1): Promise<void> {
    assert.ok(await this.w.until(() => this.ic.rules.blocked.length >= n, 10_000), `wait_blocked(${n})\n${this.dump()}`);
  }
  /** release every parked Test connection */
  unblock(): void {
    for (const id of this.ic.rules.blocked.splice(0)) this.test.unblock(this.test.handle(id));
  }

  dump(): string {
    return [...this.ic.results.map(String), `errors: ${this.errors.join('; ')}`, `test got ${this.testGot} peer got ${this.peerGot}`].join('\n');
  }

  // ---------------------------------------------------------------- invariants

  /** I1 (+ crimson's dispatcher assertions), I3, I5; then shuts down and checks I4. */
  async check(): Promise<void> {
    assert.deepEqual(this.errors, [], this.dump());
    // I1: ops arrive exactly once and in send order (numbers strictly increasing per side)
    for (const [side, got] of [['test', this.testGot], ['peer', this.peerGot]] as const) {
      const nums = got.map((x) => Number(x.slice(1)));
      for (let i = 1; i < nums.length; i++) assert.ok(nums[i]! > nums[i - 1]!, `I1 ${side}: ${got}`);
    }
    for (const r of this.ic.results) assert.equal(r.conn.stats.duplicates, 0, `I1: duplicates on ${r}`);
    // I3: at most one reset per connection; none after a local markDown; an announced
    // connection that died (not replaced, not marked down) produced exactly one
    for (const r of this.ic.results) {
      assert.ok(r.resetDispatched <= 1, `I3: ${r}`);
      const announced = r.connectDispatched + r.acceptDispatched > 0;
      if (!announced) assert.equal(r.resetDispatched, 0, `I3: reset of an unannounced connection ${r}`);
      if (r.state === 'closed' && announced && !r.markedDown) assert.equal(r.resetDispatched, 1, `I3: ${r}`);
    }
    // I5: every configured breakpoint was reached
    assert.deepEqual(this.ic.rules.unfired(), [], 'I5: breakpoints never reached');
    await shutdownClean(this.w);
  }
}

/** A log sink printing at level FAILOVER_DEBUG (env; off by default), stamped with the world's time. */
export function debugLog(w: World, who: string): LogSink {
  const level = Number(process.env['FAILOVER_DEBUG'] ?? -1);
  return { level, write: (_l, line) => console.log(`${w.env().now().toFixed(2)} ${who} ${line}`) };
}

/** I4: shut every messenger of the world down; nothing may be left. */
export async function shutdownClean(w: World): Promise<void> {
  for (const r of await w.cleanup()) {
    assert.deepEqual(
      { sockets: r.sockets, listeners: r.listeners, timer: r.timer, dq: r.dispatchQueue, all: r.all, conns: r.conns, accepting: r.accepting, anon: r.anon, transports: r.transports },
      { sockets: 0, listeners: 0, timer: false, dq: 0, all: 0, conns: 0, accepting: 0, anon: 0, transports: 0 },
      'I4: resources left after shutdown',
    );
  }
}
