/**
 * Logging and tracing for the Node shell.
 *
 * `NodeLogSink` writes the core's `debug_ms` lines in a Ceph-like format
 *
 *   2024-05-01T12:00:00.123+0000 0004d2a1-0001  1 ms --2- [v2:…] >> [v2:…] conn(3 crc :-1 s=READY pgs=2 cs=0 l=0 rev1=1 …). ready …
 *
 * (timestamp with the local UTC offset, a process/thread id, the level right-aligned in two
 * columns, the subsystem `ms`, then the line with its connection prefix) to stderr or to a file
 * (`log_file`), and publishes each line on the diagnostics channel `ceph-msgr:log`. Its `level`
 * may change at any time (config set debug_ms): the core reads it before building a line.
 *
 * Importing this module installs the protocol trace hooks (core/log.ts TRACE) that publish on
 *   ceph-msgr:conn:state   {messenger, entity, conn, peer, from, to}
 *   ceph-msgr:frame:tx     {messenger, entity, conn, peer, tag, bytes}
 *   ceph-msgr:frame:rx     (same)
 *   ceph-msgr:fault        {messenger, entity, conn, peer, code, message, state}  (publishEvent)
 * Each hook returns at once unless its channel has subscribers (nothing is built otherwise).
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import diagnostics_channel from 'node:diagnostics_channel';
import { threadId } from 'node:worker_threads';
import { formatAddrVec } from '../encoding/types/entity-addr.ts';
import { formatEntityName, formatEntityNameT, type EntityName } from '../encoding/types/entity-name.ts';
import type { Conn } from '../core/conn.ts';
import type { CoreContext } from '../core/context.ts';
import type { MsgrEvent } from '../core/events.ts';
import { TRACE, type LogSink } from '../core/log.ts';
import { tagName } from '../core/msgr2/tags.ts';

export const CHANNELS = {
  log: 'ceph-msgr:log',
  state: 'ceph-msgr:conn:state',
  tx: 'ceph-msgr:frame:tx',
  rx: 'ceph-msgr:frame:rx',
  fault: 'ceph-msgr:fault',
} as const;

const chLog = diagnostics_channel.channel(CHANNELS.log);
const chState = diagnostics_channel.channel(CHANNELS.state);
const chTx = diagnostics_channel.channel(CHANNELS.tx);
const chRx = diagnostics_channel.channel(CHANNELS.rx);
const chFault = diagnostics_channel.channel(CHANNELS.fault);

/** Who a messenger core belongs to (set by the Messenger constructor). */
export interface MessengerIdentity {
  readonly logicalName: string;
  readonly entity: EntityName;
}
export const messengerOf = new WeakMap<object, MessengerIdentity>();

function who(ctx: CoreContext): { messenger: string; entity: string } {
  const m = messengerOf.get(ctx);
  return { messenger: m?.logicalName ?? '', entity: m ? formatEntityName(m.entity) : formatEntityNameT(ctx.myName) };
}

TRACE.state = (ctx, conn, from, to) => {
  if (!chState.hasSubscribers) return;
  chState.publish({ ...who(ctx), conn: conn.id, peer: formatAddrVec(conn.peerAddrs), peerName: formatEntityNameT(conn.peerName), from, to });
};
TRACE.frame = (ctx, conn, dir, tag, bytes) => {
  const ch = dir === 'tx' ? chTx : chRx;
  if (!ch.hasSubscribers) return;
  ch.publish({ ...who(ctx), conn: conn.id, peer: formatAddrVec(conn.peerAddrs), tag: conn.proto.version === 2 ? tagName(tag) : tag, bytes });
};

/** Publish a core event on its channel (faults), when someone listens. */
export function publishEvent(ctx: CoreContext, conn: Conn | undefined, ev: MsgrEvent): void {
  if (ev.kind !== 'fault' || !chFault.hasSubscribers) return;
  chFault.publish({
    ...who(ctx),
    conn: ev.conn,
    peer: conn ? formatAddrVec(conn.peerAddrs) : '',
    code: ev.error.code,
    message: ev.error.message,
    state: ev.state,
  });
}

// ---------------------------------------------------------------- line format

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** Ceph's log timestamp: local time, ms, numeric UTC offset (2024-05-01T12:00:00.123+0200). */
export function cephStamp(d: Date = new Date()): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const a = Math.abs(off);
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `.${pad(d.getMilliseconds(), 3)}${sign}${pad(Math.floor(a / 60))}${pad(a % 60)}`
  );
}

const THREAD = `${process.pid.toString(16).padStart(8, '0')}-${threadId.toString(16).padStart(4, '0')}`;

/** One log line as written (without the newline). */
export function formatLogLine(level: number, line: string, d?: Date): string {
  return `${cephStamp(d)} ${THREAD} ${String(level).padStart(2)} ms ${line}`;
}

export interface NodeLogSinkOptions {
  /** debug_ms level (lines above it are not built); default 0 */
  level?: number;
  /** append to this file (log_file); otherwise stderr */
  file?: string;
  /** where stderr lines go (tests); default process.stderr */
  stderr?: (text: string) => void;
}

export class NodeLogSink implements LogSink {
  level: number;
  private fd: number | undefined;
  private path: string | undefined;
  private readonly stderr: (text: string) => void;

  constructor(opts: NodeLogSinkOptions = {}) {
    this.level = opts.level ?? 0;
    this.stderr = opts.stderr ?? ((t) => void process.stderr.write(t));
    if (opts.file) this.reopen(opts.file);
  }

  /** The log file ('' = stderr). */
  get file(): string {
    return this.path ?? '';
  }

  /** (Re)open the log file, e.g. after logrotate or `config set log_file`; '' logs to stderr. */
  reopen(file: string | undefined = this.path): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    this.path = file || undefined;
    if (this.path) this.fd = openSync(this.path, 'a');
  }

  write(level: number, line: string): void {
    const text = formatLogLine(level, line) + '\n';
    if (this.fd !== undefined) writeSync(this.fd, text);
    else this.stderr(text);
    if (chLog.hasSubscribers) chLog.publish({ level, line, text });
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }
}

/** Ceph's hexdump layout: offset, 16 bytes in two groups of 8, printable characters. */
export function hexdumpLines(b: Uint8Array): string[] {
  const out: string[] = [];
  for (let o = 0; o < b.length; o += 16) {
    const row = b.subarray(o, o + 16);
    const hex = [...row].map((x) => x.toString(16).padStart(2, '0'));
    const left = hex.slice(0, 8).join(' ');
    const right = hex.slice(8).join(' ');
    const ascii = [...row].map((x) => (x >= 0x20 && x < 0x7f ? String.fromCharCode(x) : '.')).join('');
    out.push(`${o.toString(16).padStart(8, '0')}  ${left.padEnd(23)}  ${right.padEnd(23)}  |${ascii}|`);
  }
  return out;
}

/** debug_ms 20: the bytes read from / written to a connection's socket, hexdumped. */
export function logBytes(log: LogSink, conn: Conn | undefined, dir: 'read' | 'write', bufs: readonly Uint8Array[]): void {
  const proto = conn?.proto as { prefix?: () => string } | undefined;
  const prefix = proto?.prefix ? proto.prefix() : `-- conn(${conn?.id ?? '?'})`;
  let n = 0;
  for (const b of bufs) n += b.length;
  log.write(20, `${prefix} ${dir} ${n} bytes`);
  for (const b of bufs) for (const l of hexdumpLines(b)) log.write(20, l);
}

/** The connection using a transport (debug_ms 20 only: a scan of the live connections). */
export function connByTid(core: { readonly all: ReadonlyMap<number, Conn> }, tid: number): Conn | undefined {
  for (const c of core.all.values()) if (c.tid === tid) return c;
  return undefined;
}
