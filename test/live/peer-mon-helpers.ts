/**
 * Helpers of the peer-mon live tests: a real ceph-mon (mon.a, ../shared/ceph/peer-mon-up.sh)
 * whose monmap names our `ceph-msgr serve -n mon.b` as its peer, so that it dials us as a
 * lossless peer and probes us every `mon probe timeout`.
 *
 * One scenario = start `bin/ceph-msgr serve` as a child process (the real CLI), wait for its
 * "listening on" line (it binds port 0 → Ceph's port search, and tells us the port), start mon.a
 * with --b-port = that port, let it probe, stop mon.a (mon-down.sh), then stop the server
 * (SIGTERM, or its own --duration) and read its JSON line. Stopping mon.a first means every
 * probe mon.a logged as sent ("--> our addr -- mon_probe") had the chance to reach us, so the
 * count we got can be compared with what it sent.
 *
 * Everything started here is stopped in after() hooks and, should the test process die first, by
 * an exit handler (children by PID, mons by mon-down.sh).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PeerServerSummary } from '../../src/server/peer-server.ts';
import { BIN, SHARED_CEPH, requireCeph } from './helpers.ts';

export interface PeerMon {
  dir: string;
  pid: number;
  fsid: string;
  keyring: string;
  log: string;
  asok: string;
  bAddr: string;
}

const mons = new Set<string>();
const children = new Set<ChildProcess>();
let hooked = false;

function cleanupSync(): void {
  for (const c of children) {
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
  }
  children.clear();
  for (const dir of mons) {
    try {
      execFileSync(join(SHARED_CEPH, 'mon-down.sh'), [dir], { stdio: 'ignore', timeout: 20000 });
    } catch {
      /* best effort on the way out */
    }
  }
  mons.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', cleanupSync);
}

function run(cmd: string, args: string[], timeoutMs = 60000): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), timeoutMs);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, out, err });
    });
  });
}

export interface PeerMonOptions {
  auth: 'none' | 'cephx';
  peer: 'v2' | 'v1';
  bPort: number;
  debugMs?: number;
  extra?: string[];
}

/** peer-mon-up.sh DIR … (always with mon probe timeout = 0.25 and ms max backoff = 0.5). */
export async function peerMonUp(dir: string, o: PeerMonOptions): Promise<PeerMon> {
  requireCeph();
  hookExit();
  mons.add(dir);
  const args = [dir, '--auth', o.auth, '--peer', o.peer, '--b-port', String(o.bPort), '--a-v2', 'auto', '--a-v1', 'auto', '--debug-ms', String(o.debugMs ?? 1)];
  // ms max backoff: mon.a's reconnect backoff doubles from 0.2 s after each failed handshake; an
  // unlucky streak of our injected failures (seen once in a full run: 5 in a row) would otherwise
  // leave it silent for the rest of the probe window. Capped, it keeps retrying every 0.5 s.
  for (const e of ['mon probe timeout = 0.25', 'ms max backoff = 0.5', ...(o.extra ?? [])]) args.push('--extra', e);
  const r = await run(join(SHARED_CEPH, 'peer-mon-up.sh'), args);
  if (r.code !== 0) throw new Error(`peer-mon-up.sh ${dir} failed (${r.code}):\n${r.err}`);
  const kv = new Map(r.out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const get = (k: string): string => {
    const v = kv.get(k);
    assert.ok(v !== undefined, `peer-mon-up.sh printed no ${k}=`);
    return v;
  };
  return { dir, pid: Number(get('PID')), fsid: get('FSID'), keyring: get('KEYRING'), log: get('LOG'), asok: get('ASOK'), bAddr: get('B_ADDRV') };
}

export async function peerMonDown(dir: string): Promise<void> {
  const r = await run(join(SHARED_CEPH, 'mon-down.sh'), [dir]);
  mons.delete(dir);
  if (r.code !== 0) throw new Error(`mon-down.sh ${dir} failed:\n${r.err}`);
}

export interface ServeRun {
  proc: ChildProcess;
  port: number;
  /** the "listening on" line */
  banner: string;
  /** resolves when the process exits */
  done: Promise<{ code: number | null; signal: string | null; out: string; err: string }>;
  /** when the "listening on" line arrived (ms) */
  listeningAt: number;
}

/**
 * Start `bin/ceph-msgr serve -n mon.b --bind <proto>:127.0.0.1:0 …args` and wait for it to
 * listen. CEPH_ARGS / CEPH_CONF are cleared; cwd is a temp dir (no ./ceph.conf).
 */
export async function startServe(proto: 'v2' | 'v1', args: string[]): Promise<ServeRun> {
  hookExit();
  const env = { ...process.env };
  delete env.CEPH_ARGS;
  delete env.CEPH_CONF;
  const proc = spawn(BIN, ['serve', '-n', 'mon.b', '--bind', `${proto}:127.0.0.1:0`, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env, cwd: tmpdir() });
  children.add(proc);
  let out = '';
  let err = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; out: string; err: string }>((resolve) => {
    proc.on('close', (code, signal) => {
      children.delete(proc);
      resolve({ code, signal, out, err });
    });
  });
  const banner = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`serve did not listen within 30 s:\n${err}`)), 30000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /^serve: .* listening on .*$/m.exec(err);
      if (m) {
        clearTimeout(t);
        resolve(m[0]);
      }
    });
    proc.on('close', (code) => {
      clearTimeout(t);
      reject(new Error(`serve exited (${code}) before listening:\n${err}`));
    });
  });
  const pm = /127\.0\.0\.1:(\d+)\/0\]/.exec(banner);
  assert.ok(pm, `no port in '${banner}'`);
  return { proc, port: Number(pm[1]), banner, done, listeningAt: Date.now() };
}

/** The JSON line of a finished serve run (its last stdout line). */
export function summaryOf(out: string): PeerServerSummary {
  const lines = out.trim().split('\n');
  const last = lines[lines.length - 1] ?? '';
  try {
    return JSON.parse(last) as PeerServerSummary;
  } catch {
    assert.fail(`serve printed no JSON line:\n${out}`);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * What Ceph logs (at debug_ms ≤ 1, or lderr) on the *client* side of a connection when the server
 * misbehaves — read in src/msg/async/ProtocolV2.cc, ProtocolV1.cc, msg/Message.cc
 * (decode_message), auth/cephx/CephxProtocol.cc and mon/Monitor.cc (handle_auth_*):
 *   v2: bad banner / features, frames in the wrong state ("not in … state!"), unknown tags,
 *       undecodable or undecryptable frames, a server identifying as someone else, old or
 *       skipped seqs, AUTH_BAD_METHOD, SESSION_RESET/RETRY (we would have lost the session),
 *       decode_message failures;
 *   v1: bad banner / addr, BADAUTHORIZER, RESETSESSION, WAIT, FEATURES, BADPROTOVER, bad tags,
 *       header/payload crc errors, ABORTED messages, signature failures;
 *   cephx: an authorizer reply or challenge that does not decrypt or has a bad nonce.
 * Level-5/10 integrity failures ("message integrity check failed", "crc mismatch for main
 * preamble", "message authentication failed") are listed too for runs at a higher debug_ms.
 * Deliberately NOT listed: what a socket closed by the peer produces ("read_bulk peer close
 * file descriptor", "read_until read failed", "read frame preamble failed r=-1", "read tag
 * failed", "read connect reply failed", "_fault initiating reconnect"/"waiting"/"going to
 * standby") — our injected socket failures and our shutdown cause exactly those; they are
 * accounted for separately (see faultAccounting).
 */
export const PEER_BAD_LINE = new RegExp(
  [
    'failed decoding of frame',
    'failed to decrypt',
    'is using msgr V1 protocol',
    'peer sent bad banner',
    'decode banner payload',
    'does not support all (required|peer required|server) features',
    'we do not support all peer required features',
    'not in [a-z ()]+ state!',
    'peer type does not match',
    'received unknown tag',
    'handle_auth_reply_more returned',
    'handle_auth_bad_method',
    'peer identifies as',
    'got old message',
    'missed message',
    'decode message failed',
    'failed to decode message',
    'bad crc in (front|middle|data)',
    'received session (reset|retry)',
    'connect got (BADAUTHORIZER|RESETSESSION|WAIT)',
    'connect protocol (error|feature mismatch|version mismatch)',
    'missing required features',
    'connect claims to be',
    'decode peer addr failed',
    ' bad tag ',
    'got bad header crc',
    'byte message\\.\\. ABORTED',
    'Signature check failed',
    'signature does not match',
    'did not set CEPH_MSG_FOOTER_SIGNED',
    'verify_reply',
    'verify_authorizer_reply',
    'failed verifying authorizer reply',
    'failed to decrypt challenge',
    'add_challenge',
    'message integrity check failed',
    'crc mismatch for main preamble',
    'message authentication failed',
    'end_of_buffer|malformed_input|buffer::error',
  ].join('|'),
);

export function badPeerLines(text: string): string[] {
  return text.split('\n').filter((l) => PEER_BAD_LINE.test(l));
}

/**
 * A socket the peer (we) closed, as mon.a's AsyncConnection logs it: EOF ("read_bulk peer close
 * file descriptor N"), a reset ("read_bulk reading from fd=N : -104 Unknown error -104" — we
 * closed with unread bytes, so the kernel sent RST), or a failed send (EPIPE/ECONNRESET).
 */
const SOCKET_CLOSED = /peer close file descriptor|read_bulk reading from fd=\d+ : -?\d+|_try_send send error|Connection reset by peer|Broken pipe/;
/** mon.a's connection to us faulted (v2 "_fault …", v1 "fault …"). */
const FAULT = /\b_?fault (initiating reconnect|waiting|with nothing to send|server, going to standby)/;

export interface FaultAccounting {
  /** lines of mon.a's log about its connection(s) to our address */
  lines: string[];
  /** sockets to us that mon.a saw closed by us */
  socketCloses: number;
  /** faults of mon.a's connection to us */
  faults: number;
  /** faults NOT preceded (within the 4 previous lines about us) by a socket closed by us (with those lines) */
  unexplained: string[];
  /** messages mon.a sent to us (its "--> our addr -- type(…)" lines) */
  sent: number;
  /** of which MMonProbe */
  sentProbes: number;
  /** the connection modes of mon.a's READY lines (v2: crc/secure) */
  readyModes: string[];
}

/** Read mon.a's log about `addr` ('v2:127.0.0.1:PORT/0'). */
export function faultAccounting(text: string, addr: string): FaultAccounting {
  const lines = text.split('\n').filter((l) => l.includes(`>> ${addr} `) || l.includes(` --> ${addr} -- `));
  let socketCloses = 0;
  let faults = 0;
  const unexplained: string[] = [];
  let sent = 0;
  let sentProbes = 0;
  const readyModes: string[] = [];
  // one close may log twice (a failed read and a failed send): count it once, until mon.a faults
  let closePending = false;
  lines.forEach((l, i) => {
    if (l.includes(` --> ${addr} -- `)) {
      sent++;
      if (l.includes(' -- mon_probe(')) sentProbes++;
      return;
    }
    if (SOCKET_CLOSED.test(l) && !closePending) {
      socketCloses++;
      closePending = true;
    }
    if (FAULT.test(l)) {
      faults++;
      closePending = false;
      const before = lines.slice(Math.max(0, i - 4), i).filter((x) => !x.includes(` --> ${addr} -- `));
      if (!before.some((x) => SOCKET_CLOSED.test(x))) unexplained.push([...before, l].join('\n'));
    }
    const r = /conn\(\S+ \S+ (crc|secure|unknown) :-?\d+ s=READY .*\)\.ready entity=/.exec(l);
    if (r) readyModes.push(r[1]!);
  });
  return { lines, socketCloses, faults, unexplained, sent, sentProbes, readyModes };
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}

export interface Scenario {
  /** directory name under the test's base dir */
  label: string;
  proto: 'v2' | 'v1';
  auth: 'none' | 'cephx';
  /** extra serve arguments (e.g. --ms-inject-socket-failures 20, --ms-mode crc) */
  serveArgs: string[];
  /**
   * How the server ends. {duration: S}: `serve --duration S` (mon.a is stopped `stopMonBeforeMs`
   * before the end); {probeMs: M}: mon.a probes for M ms after the server listens, is stopped, then
   * the server gets SIGTERM.
   */
  end: { duration: number; stopMonBeforeMs: number } | { probeMs: number };
  debugMs?: number;
  /** cephx: our keyring (default: the one peer-mon-up.sh writes, with mon.a's mon. key) */
  keyring?: string;
}

export interface ScenarioResult {
  summary: PeerServerSummary;
  acct: FaultAccounting;
  bad: string[];
  log: string;
  serveErr: string;
  code: number | null;
  signal: string | null;
  addr: string;
  fsid: string;
}

/** Run one scenario end to end; mon.a and the server are stopped whatever happens. */
export async function runScenario(base: string, s: Scenario): Promise<ScenarioResult> {
  const dir = join(base, s.label);
  const args = [...s.serveArgs, '--json'];
  if (s.auth === 'cephx') args.push('--keyring', s.keyring ?? join(dir, 'keyring')); // created by peer-mon-up.sh
  if ('duration' in s.end) args.push('--duration', String(s.end.duration));
  const serve = await startServe(s.proto, args);
  let mon: PeerMon | undefined;
  try {
    mon = await peerMonUp(dir, { auth: s.auth, peer: s.proto, bPort: serve.port, ...(s.debugMs !== undefined ? { debugMs: s.debugMs } : {}) });
    const stopAt = 'duration' in s.end ? serve.listeningAt + s.end.duration * 1000 - s.end.stopMonBeforeMs : serve.listeningAt + s.end.probeMs;
    await sleep(Math.max(0, stopAt - Date.now()));
    await peerMonDown(dir);
    if (!('duration' in s.end)) serve.proc.kill('SIGTERM');
    const r = await serve.done;
    const addr = `${s.proto}:127.0.0.1:${serve.port}/0`;
    const log = readText(mon.log);
    return {
      summary: summaryOf(r.out),
      acct: faultAccounting(log, addr),
      bad: badPeerLines(log),
      log,
      serveErr: r.err,
      code: r.code,
      signal: r.signal,
      addr,
      fsid: mon.fsid,
    };
  } finally {
    if (mons.has(dir)) await peerMonDown(dir).catch(() => undefined);
    if (serve.proc.exitCode === null && serve.proc.signalCode === null) serve.proc.kill('SIGKILL');
  }
}

/** Stop whatever a test file left running (its after() hook). */
export async function stopAll(): Promise<void> {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const dir of [...mons]) await peerMonDown(dir).catch(() => undefined);
}

export interface Expect {
  minMessages: number;
  minReconnects: number;
  /** the only handshake kind allowed, e.g. 'msgr2.1 cephx secure' */
  handshake: string;
  /** v2: mon.a's READY lines must all show this mode */
  mode?: 'crc' | 'secure';
  /** msgr1: allow remote resets from interrupted first handshakes (see assertExactlyOnce) */
  allowPeerResetRetries?: boolean;
}

/**
 * The acceptance of one scenario: every probe mon.a sent reached us exactly once and in order,
 * within ONE session resumed across every reconnect, nothing in mon.a's log says we sent it
 * something bad, and every fault mon.a saw is one of our injected socket failures.
 */
export function assertExactlyOnce(r: ScenarioResult, e: Expect): void {
  const s = r.summary;
  const ctx = `\nsummary: ${JSON.stringify(s)}\nmon.a about us: sent ${r.acct.sent} (probes ${r.acct.sentProbes}), socket closes ${r.acct.socketCloses}, faults ${r.acct.faults}`;
  assert.equal(r.code, 0, `serve exit status ${r.code} (${r.signal})\n${r.serveErr}`);
  // what we counted
  assert.ok(s.messages >= e.minMessages, `messages ${s.messages} < ${e.minMessages}${ctx}`);
  assert.deepEqual(s.by_type, { '67': s.messages }, `only MMonProbe expected${ctx}`);
  assert.equal(s.duplicates, 0, `duplicates${ctx}`);
  assert.equal(s.gaps, 0, `gaps${ctx}`);
  assert.equal(s.wire_skipped, 0, `skipped seqs${ctx}`);
  assert.equal(s.decode_errors, 0, `decode errors${ctx}`);
  if (e.allowPeerResetRetries) {
    // msgr1: a failure while we write READY/SEQ leaves mon.a at connect_seq 0; its retry hits our
    // session at connect_seq 1, which Ceph (and we) take for a peer reset — a remote reset and a
    // new session that starts from seq 1 (mon.a never got to send on the first one)
    assert.equal(s.resets, s.remote_resets, `only remote resets${ctx}`);
    assert.equal(s.sessions, 1 + s.resets, `every extra session comes with a remote reset${ctx}`);
  } else {
    assert.equal(s.resets, 0, `resets${ctx}`);
    assert.equal(s.sessions, 1, `mon.a's session must survive every reconnect${ctx}`);
  }
  assert.ok(s.reconnects >= e.minReconnects, `reconnects ${s.reconnects} < ${e.minReconnects}${ctx}`);
  assert.equal(s.ready, s.sessions + s.reconnects + s.retries, `ready = sessions + reconnects + retries${ctx}`);
  assert.ok(s.accepted >= s.ready, `accepted ≥ ready${ctx}`);
  assert.deepEqual(Object.keys(s.auth), [e.handshake], `handshakes${ctx}`);
  assert.deepEqual(s.probes, [{ name: 'a', fsid: r.fsid, ops: { probe: s.messages } }], `probes${ctx}`);
  // against mon.a's own log: it sent exactly what we got (the last one or two may die with it)
  assert.equal(r.acct.sent, r.acct.sentProbes, `mon.a sent only probes to us${ctx}`);
  assert.ok(s.messages <= r.acct.sent, `we got more than mon.a sent${ctx}`);
  assert.ok(s.messages >= r.acct.sent - 2, `mon.a sent ${r.acct.sent}, we got ${s.messages}${ctx}`);
  // nothing bad in mon.a's log, and every fault it saw is a socket we closed on purpose
  assert.deepEqual(r.bad, [], `mon.a logged errors about what we sent${ctx}`);
  assert.deepEqual(r.acct.unexplained, [], `faults of mon.a not caused by a socket we closed${ctx}`);
  assert.ok(
    r.acct.socketCloses <= s.injected_socket_failures,
    `mon.a saw ${r.acct.socketCloses} sockets closed by us, we injected ${s.injected_socket_failures}${ctx}`,
  );
  if (e.mode) {
    assert.ok(r.acct.readyModes.length >= 1, `no READY line about us in mon.a's log${ctx}`);
    assert.deepEqual([...new Set(r.acct.readyModes)], [e.mode], `modes of mon.a's READY lines${ctx}`);
  }
}
