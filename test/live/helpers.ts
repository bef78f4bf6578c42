/**
 * Live-test helpers: throwaway ceph-mons through ../shared/ceph/mon-up.sh / mon-down.sh (loopback,
 * auto ports, debug_ms 20), the real CLI run as a child process, and the mon-log scan for errors
 * caused by us. Every mon started here is stopped in the file's after() hook and, should the test
 * process die first, by an exit handler. A missing ceph-mon is a loud failure, never a skip.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..');
export const SHARED_CEPH = join(ROOT, '..', 'shared', 'ceph');
export const BIN = join(ROOT, 'bin', 'ceph-msgr');

/** Fail loudly when Ceph is not installed (CI runs ../shared/ceph/install.sh first). */
export function requireCeph(): void {
  for (const b of ['ceph-mon', 'ceph', 'ceph-authtool', 'monmaptool']) {
    try {
      execFileSync('sh', ['-c', `command -v ${b}`], { stdio: 'ignore' });
    } catch {
      throw new Error(`live tests need Ceph 16.2 installed: '${b}' not found on PATH (run ../shared/ceph/install.sh)`);
    }
  }
  assert.ok(existsSync(join(SHARED_CEPH, 'mon-up.sh')), `missing ${SHARED_CEPH}/mon-up.sh`);
}

export interface Mon {
  dir: string;
  conf: string;
  monHost: string;
  v2Addr: string;
  /** '' when the mon binds no msgr1 address */
  v1Addr: string;
  keyring: string;
  fsid: string;
  pid: number;
  log: string;
  auth: 'none' | 'cephx';
}

const running = new Set<string>();
let hooked = false;

function stopAllSync(): void {
  for (const dir of running) {
    try {
      execFileSync(join(SHARED_CEPH, 'mon-down.sh'), [dir], { stdio: 'ignore', timeout: 20000 });
    } catch {
      /* best effort on the way out */
    }
  }
  running.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', stopAllSync);
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      stopAllSync();
      process.exit(130);
    });
  }
}

/** A fresh temp directory (removed by cleanupDir). */
export function tempDir(label: string): string {
  return mkdtempSync(join(tmpdir(), `ceph-msgr-live-${label}-`));
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

/**
 * Start (or restart, keeping its data and ports) the mon of `dir`. `v2Port: '0'` makes a v1-only
 * mon (no msgr2 address at all).
 */
export async function monUp(dir: string, auth: 'none' | 'cephx', opts: { v2Port?: 'auto' | '0' } = {}): Promise<Mon> {
  requireCeph();
  hookExit();
  running.add(dir);
  const r = await run(join(SHARED_CEPH, 'mon-up.sh'), [dir, '--auth', auth, '--v2-port', opts.v2Port ?? 'auto', '--v1-port', 'auto', '--debug-ms', '20']);
  if (r.code !== 0) throw new Error(`mon-up.sh ${dir} failed (${r.code}):\n${r.err}`);
  const kv = new Map(r.out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
  const get = (k: string): string => {
    const v = kv.get(k);
    assert.ok(v !== undefined, `mon-up.sh printed no ${k}=`);
    return v;
  };
  return {
    dir,
    conf: get('CONF'),
    monHost: get('MON_HOST'),
    v2Addr: get('V2_ADDR'),
    v1Addr: get('V1_ADDR'),
    keyring: get('KEYRING'),
    fsid: get('FSID'),
    pid: Number(get('PID')),
    log: get('LOG'),
    auth,
  };
}

export async function monDown(dir: string): Promise<void> {
  const r = await run(join(SHARED_CEPH, 'mon-down.sh'), [dir]);
  if (r.code !== 0) throw new Error(`mon-down.sh ${dir} failed:\n${r.err}`);
  running.delete(dir);
}

export function cleanupDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface CliRun {
  code: number;
  out: string;
  err: string;
  ms: number;
}

/** Run bin/ceph-msgr as a child process (CEPH_ARGS/CEPH_CONF cleared unless given). */
export async function cli(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  const t0 = Date.now();
  const clean = { ...process.env };
  delete clean.CEPH_ARGS;
  delete clean.CEPH_CONF;
  const r = await new Promise<{ code: number; out: string; err: string }>((resolve, reject) => {
    const p = spawn(BIN, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...clean, ...env }, cwd: tmpdir() });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, out, err });
    });
  });
  return { ...r, ms: Date.now() - t0 };
}

/** Run the real `ceph` CLI against a mon. */
export async function ceph(mon: Mon, args: string[]): Promise<string> {
  const r = await run('ceph', ['-c', mon.conf, '--connect-timeout', '10', ...args], 30000);
  if (r.code !== 0) throw new Error(`ceph ${args.join(' ')} failed (${r.code}): ${r.err}`);
  return r.out;
}

/** Ask the mon to flush its log (admin socket), so the file holds everything said so far. */
export async function flushLog(mon: Mon): Promise<void> {
  const asok = join(mon.dir, 'run', 'ceph-mon.a.asok');
  const r = await run('ceph', ['--admin-daemon', asok, 'log', 'flush'], 15000);
  if (r.code !== 0) throw new Error(`log flush failed: ${r.err}`);
}

/**
 * Lines in which Ceph's ProtocolV2 / message decoding / mon complain about bytes a peer sent
 * (what the mon logs at levels 0..20 on bad input): frame and message decode failures, crc or
 * GCM tag mismatches, unknown tags, frames in the wrong state, signature mismatches, old or
 * skipped seqs, buffer exceptions, a wrong fsid. A peer simply closing its socket ("read frame
 * preamble failed r=-1", "_fault on lossy channel") is normal and not listed.
 */
export const BAD_LINE = new RegExp(
  [
    'failed decoding',
    'failed to decode',
    'decode message failed',
    "can't decode",
    'decode error',
    'unknown tag',
    'unknown message type',
    'bad auth tag',
    'failed to decrypt',
    'bad (preamble|segment|epilogue|late|crc|frame)',
    'crc calculated',
    'signature (mismatch|check failed)',
    'not in ready state',
    'got old message',
    'missed message',
    'end_of_buffer|malformed_input|End of buffer|malformed input|buffer::error',
    'unexpected (frame|tag|message)',
    'wrong fsid|fsid .* != ',
    'missing required features',
  ].join('|'),
  'i',
);

/**
 * The peer a mon log line is about: what follows `>>`, `-->` or `<== name` ('' when the mon
 * does not know it yet), without its v1:/v2: prefix; undefined when the line names no peer.
 */
function peerOf(l: string): string | undefined {
  const m = /(?:>>|-->|<==\s+\S+)\s+(\S*)/.exec(l);
  if (m === null) return undefined;
  const a = m[1]!;
  return a.startsWith('conn(') ? '' : a.replace(/^\[?v[12]:/, '').replace(/\]$/, '');
}
/** The thread id of a mon log line (the second field). */
const threadOf = (l: string): string | undefined => /^\S+\s+([0-9a-f]+)\s/.exec(l)?.[1];

/**
 * Peers that are Ceph's own `ceph` CLI: the python CLI opens every session with
 * `get_command_descriptions`, which ceph-msgr never sends to a mon. mon-up.sh probes a
 * (re)starting mon with `ceph health`, and while the mon is still starting that CLI can send
 * its first command before it has the monmap, i.e. with the zero fsid ("wrong fsid"): Ceph's
 * behaviour, not ours.
 */
export function cephCliPeers(text: string): Set<string> {
  const peers = new Set<string>();
  for (const l of text.split('\n')) {
    if (!/<== .* ==== mon_command\(\{"prefix": "get_command_descriptions"/.test(l)) continue;
    const p = peerOf(l);
    if (p) peers.add(p);
  }
  return peers;
}

/**
 * The offending lines of a mon log (see BAD_LINE) caused by anyone but the `ceph` CLI (see
 * cephCliPeers). The mon's "handle_command on fsid … != …" names no peer: it belongs to the peer
 * of the next line of the same thread (the reply it sends). Other lines naming no peer count.
 */
export function badLogLines(text: string): string[] {
  const lines = text.split('\n');
  const cli = cephCliPeers(text);
  const peerAt = (i: number): string | undefined => {
    const own = peerOf(lines[i]!);
    if (own !== undefined || !/handle_command on fsid/.test(lines[i]!)) return own;
    const t = threadOf(lines[i]!);
    for (let j = i + 1; j < Math.min(lines.length, i + 20); j++) {
      if (threadOf(lines[j]!) === t) return peerOf(lines[j]!);
    }
    return undefined;
  };
  return lines.filter((l, i) => {
    if (!BAD_LINE.test(l)) return false;
    const peer = peerAt(i);
    return peer === undefined || !cli.has(peer);
  });
}

export function readLog(mon: Mon): string {
  return readFileSync(mon.log, 'utf8');
}

/** Poll until `f` holds (or fail after `ms`). */
export async function eventually(f: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const t0 = Date.now();
  while (!(await f())) {
    if (Date.now() - t0 > ms) assert.fail(`not within ${ms} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
