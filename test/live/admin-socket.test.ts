/**
 * Ceph's own CLI (`ceph --admin-daemon`, from ceph-common 16.2) against the admin socket of a
 * running ceph-msgr process (test/unit/admin/daemon.ts): `perf dump`, `config show`, `config get`,
 * `help`, `version` and `messenger status` print valid JSON, the CLI's own argument validation
 * (from our get_command_descriptions) accepts `config set debug_ms 10`, and that set changes the
 * process's logging live: level-10 lines (state transitions) appear in its log after the set and
 * not before. Counters move while the daemon's client keeps reconnecting.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const DAEMON = fileURLToPath(new URL('../unit/admin/daemon.ts', import.meta.url));
const haveCeph = spawnSync('ceph', ['--version'], { encoding: 'utf8' }).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'asok-'));
const asok = join(tmp, 'osd.0.asok');
const logFile = join(tmp, 'osd.0.log');
let child: ChildProcess | undefined;

/** Run the ceph CLI without blocking (async: nothing else runs in this process anyway). */
function ceph(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const p = spawn('ceph', ['--admin-daemon', asok, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

async function json(...args: string[]): Promise<Record<string, unknown>> {
  const r = await ceph(...args);
  assert.equal(r.code, 0, `ceph ${args.join(' ')}: ${r.err}`);
  return JSON.parse(r.out) as Record<string, unknown>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

before(async () => {
  if (!haveCeph) return;
  child = spawn(process.execPath, ['--import', 'tsx', DAEMON, asok, logFile], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    let buf = '';
    child!.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      if (buf.includes('"ready":true')) resolve();
    });
    child!.once('exit', (c) => reject(new Error(`daemon exited ${c}`)));
  });
});

after(async () => {
  if (child && child.exitCode === null) {
    const done = new Promise((r) => child!.once('exit', r));
    child.stdin!.end();
    await Promise.race([done, sleep(5000)]);
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  rmSync(tmp, { recursive: true, force: true });
});

test('ceph --admin-daemon: perf dump, config show/get, help, version, messenger status are valid JSON', { skip: !haveCeph && 'ceph CLI not installed' }, async () => {
  const perf = await json('perf', 'dump');
  assert.deepEqual(Object.keys(perf).filter((k) => /^msgr-[a-z]+$/.test(k)).sort(), ['msgr-client', 'msgr-cluster']);
  const srv = perf['msgr-cluster'] as Record<string, number>;
  assert.equal(typeof srv.msgr_recv_messages, 'number');
  assert.ok('throttle-msgr_dispatch_throttler-cluster' in perf);
  const show = await json('config', 'show');
  assert.equal(show.debug_ms, '0/0');
  assert.equal(show.log_file, logFile);
  assert.equal(show.admin_socket, asok);
  assert.equal(show.ms_connection_idle_timeout, '900');
  assert.deepEqual(await json('config', 'get', 'debug_ms'), { debug_ms: '0/0' });
  const help = await json('help');
  assert.ok('messenger status' in help && 'perf dump' in help && 'config set' in help);
  assert.equal((await json('version')).release, 'pacific');
  const st = (await json('messenger', 'status')) as { messengers: { name: string; connections: { state: string; peer: string; policy: string }[] }[] };
  assert.deepEqual(st.messengers.map((m) => m.name), ['cluster', 'client']);
  // only one logger / one counter, as Ceph's perf dump [logger] [counter]
  const one = await json('perf', 'dump', 'msgr-client', 'msgr_send_messages');
  assert.deepEqual(Object.keys(one), ['msgr-client']);
  assert.deepEqual(Object.keys(one['msgr-client'] as object), ['msgr_send_messages']);
});

test('counters move while the daemon works', { skip: !haveCeph && 'ceph CLI not installed' }, async () => {
  const a = (await json('perf', 'dump'))['msgr-cluster'] as Record<string, number>;
  await sleep(400);
  const b = (await json('perf', 'dump'))['msgr-cluster'] as Record<string, number>;
  assert.ok(b.msgr_recv_messages! > a.msgr_recv_messages!, 'server received more');
  assert.ok(b.msgr_send_bytes! > a.msgr_send_bytes!);
  assert.ok(b.msgr_created_connections! > a.msgr_created_connections!);
});

test('config set debug_ms 10 through the CLI changes the logging live; a bad value is an error', { skip: !haveCeph && 'ceph CLI not installed' }, async () => {
  await sleep(300); // connections come and go at debug_ms 0
  const level10 = (): string[] => readFileSync(logFile, 'utf8').split('\n').filter((l) => / 10 ms /.test(l));
  assert.equal(level10().length, 0, 'no level-10 line at debug_ms 0');
  const sizeBefore = statSync(logFile).size;
  const set = await json('config', 'set', 'debug_ms', '10');
  assert.match(String(set.success), /^debug_ms = '10\/10' $/);
  assert.deepEqual(await json('config', 'get', 'debug_ms'), { debug_ms: '10/10' });
  for (let i = 0; i < 50 && level10().length === 0; i++) await sleep(100);
  const text = readFileSync(logFile, 'utf8');
  const first = text.search(/^.* 10 ms .*$/m);
  assert.ok(first >= sizeBefore, 'the first level-10 line comes after the set');
  assert.match(text.slice(sizeBefore), /^\S+ \S+ 10 ms --2- \[.*\] >> \[.*\] conn\(\d+ \w+ :-?\d+ s=\w+ pgs=\d+ cs=\d+ l=[01] rev1=[01].*\)\. state \w+ -> \w+$/m);
  await json('config', 'set', 'debug_ms', '0');
  const bad = await ceph('config', 'set', 'ms_connection_idle_timeout', 'soon');
  assert.match(bad.out, /^ERROR: \(22\) Invalid argument\nerror setting 'ms_connection_idle_timeout' to 'soon'/);
  const unknown = await ceph('config', 'get', 'no_such_option');
  assert.match(unknown.out, /^ERROR: \(2\) No such file or directory/);
});
