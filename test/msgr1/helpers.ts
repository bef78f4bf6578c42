/**
 * Helpers for the msgr1 TypeScript↔TypeScript tests over real loopback TCP: a recording
 * dispatcher (Ceph's FakeDispatcher: counts per connection, seq checks, events, optional ping
 * replies), polling waits, messenger construction and the leak check after shutdown.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Message } from '../../src/messages/message.ts';
import { Messenger, type MessengerOptions } from '../../src/node/messenger.ts';
import type { Connection } from '../../src/node/connection.ts';
import type { Dispatcher } from '../../src/node/dispatcher.ts';
import type { MsgrError } from '../../src/errors.ts';
import type { Policy } from '../../src/core/session/policy.ts';

/** CEPH_MSG_PING */
export const PING = 2;

export function ping(text = ''): Message {
  return new Message({ type: PING, data: Buffer.from(text) });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Poll `cond` every few ms; false after `timeoutMs`. */
export async function until(cond: () => boolean, timeoutMs = 5000): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    if (cond()) return true;
    if (Date.now() >= end) return false;
    await sleep(3);
  }
}

export interface ConnLog {
  count: number;
  lastSeq: bigint;
  payloads: string[];
}

/** A dispatcher that records everything (and, as a server, answers each ping with "re:…"). */
export class Recorder implements Dispatcher {
  readonly perConn = new Map<Connection, ConnLog>();
  readonly events: string[] = [];
  connects = 0;
  accepts = 0;
  resets = 0;
  remoteResets = 0;
  refused: MsgrError[] = [];
  messages = 0;
  /** seq not above the last one on a connection (ms_die_on_old_message) */
  violations: string[] = [];
  lastAccepted: Connection | undefined;
  /** extra work per message (e.g. send a keepalive back) */
  onMessage: ((m: Message, c: Connection) => void) | undefined;

  constructor(readonly replies = false) {}

  log(c: Connection): ConnLog {
    let l = this.perConn.get(c);
    if (!l) this.perConn.set(c, (l = { count: 0, lastSeq: 0n, payloads: [] }));
    return l;
  }

  dispatch(m: Message, c: Connection): void {
    const l = this.log(c);
    if (!c.isLoopback && m.seq <= l.lastSeq) this.violations.push(`${c}: seq ${m.seq} after ${l.lastSeq}`);
    l.lastSeq = m.seq;
    l.count++;
    l.payloads.push(m.data.toString());
    this.messages++;
    this.onMessage?.(m, c);
    if (this.replies && m.type === PING && !c.isLoopback) c.send(ping('re:' + m.data.toString()));
  }
  handleConnect(c: Connection): void {
    this.connects++;
    this.events.push(`connect ${c.id}`);
  }
  handleAccept(c: Connection): void {
    this.accepts++;
    this.lastAccepted = c;
    this.events.push(`accept ${c.id}`);
  }
  handleReset(c: Connection): void {
    this.resets++;
    this.events.push(`reset ${c.id}`);
  }
  handleRemoteReset(c: Connection): void {
    this.remoteResets++;
    this.events.push(`remote-reset ${c.id}`);
    const l = this.log(c);
    l.lastSeq = 0n;
  }
  handleRefused(c: Connection, e: MsgrError): void {
    this.refused.push(e);
    this.events.push(`refused ${c.id} ${e.code}`);
  }
}

export interface Node {
  m: Messenger;
  d: Recorder;
}

/** What node:test gives a test: cleanup hooks. */
export interface TestCtx {
  after(fn: () => Promise<void> | void): void;
}

/** A started messenger with a Recorder, optionally bound; shut down after the test in any case. */
export async function node(
  t: TestCtx,
  name: string,
  policy: Policy,
  opts: { bind?: string; replies?: boolean; msgr?: Partial<MessengerOptions> } = {},
): Promise<Node> {
  const m = Messenger.create({ name, ...(opts.msgr ?? {}) });
  t.after(() => m.shutdown());
  m.setDefaultPolicy(policy);
  const d = new Recorder(opts.replies ?? false);
  m.addDispatcher(d);
  if (opts.bind) await m.bind(opts.bind);
  await m.start();
  return { m, d };
}

/** Shut messengers down and check nothing is left (sockets, timers, registries, queues). */
export async function shutdownClean(...ms: Messenger[]): Promise<void> {
  for (const m of ms) await m.shutdown();
  await sleep(5);
  for (const m of ms) {
    const r = m.resources();
    assert.deepEqual(
      { sockets: r.sockets, listeners: r.listeners, timer: r.timer, dq: r.dispatchQueue, all: r.all, conns: r.conns, accepting: r.accepting, anon: r.anon },
      { sockets: 0, listeners: 0, timer: false, dq: 0, all: 0, conns: 0, accepting: 0, anon: 0 },
      `${m.entity.type}.${m.entity.id} leaks`,
    );
  }
}

/** The wire protocol version a connection speaks (1 or 2). */
export function protoVersion(c: Connection): number | undefined {
  return c.core?.proto.version;
}
