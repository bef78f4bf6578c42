/**
 * `bin/ceph-msgr stress` end to end, as a separate process over loopback TCP (small runs; the
 * long acceptance runs and the soak are in docs/soak.md, scripts/soak.sh): one JSON line on
 * stdout with the counters, exit status 0 when nothing tracked was lost/duplicated/reordered;
 * Ceph options as flags in both spellings; msgr2 crc and secure (cephx), msgr1; usage errors.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { main } from '../../src/cli/main.ts';

const BIN = fileURLToPath(new URL('../../bin/ceph-msgr', import.meta.url));
const SMALL = ['--messengers', '3', '--connections', '4', '--messages', '600', '--max-payload', '65536', '--drain-timeout', '60'];

interface Run {
  code: number | null;
  json: Record<string, unknown>;
  stderr: string;
}

function stress(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'stress', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, CEPH_CONF: '/dev/null' } });
    let out = '';
    let err = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.stderr!.on('data', (b: Buffer) => (err += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      const lines = out.trim().split('\n').filter(Boolean);
      let json: Record<string, unknown> = {};
      if (lines.length) json = JSON.parse(lines[lines.length - 1]!) as Record<string, unknown>;
      resolve({ code, json, stderr: err });
    });
  });
}

function assertClean(r: Run): void {
  const j = r.json;
  assert.equal(r.code, 0, r.stderr);
  for (const k of ['sent', 'delivered', 'lost', 'duplicated', 'reordered', 'resets', 'reconnects', 'rss_mb_max', 'seed']) assert.ok(k in j, `field ${k}`);
  assert.deepEqual([j.lost, j.duplicated, j.reordered, j.corrupt, j.left], [0, 0, 0, 0, 0]);
  assert.equal(j.drained, true);
  assert.equal(Number(j.delivered) + Number(j.discarded), j.sent);
  assert.ok(Number(j.rss_mb_max) > 0);
}

test('stress: msgr2 crc, lossless_peer, --ms-inject-socket-failures 30 (Ceph option flag), --seed printed', { timeout: 120_000 }, async () => {
  const r = await stress([...SMALL, '--policy', 'lossless_peer', '--ms-inject-socket-failures', '30', '--seed', '424242', '--json']);
  assertClean(r);
  assert.equal(r.json.seed, 424242);
  assert.ok(Number(r.json.socket_failures) > 10, 'faults injected');
  assert.ok(Number(r.json.reconnects) > 0);
  assert.equal(r.stderr, '', '--json: nothing on stderr');
});

test('stress: msgr2 secure (cephx authorizers), lossless_client, --ms_inject_socket_failures=50, progress + summary on stderr', { timeout: 120_000 }, async () => {
  const r = await stress([...SMALL, '--policy', 'lossless_client', '--ms-mode', 'secure', '--ms_inject_socket_failures=50', '--seed', '7']);
  assertClean(r);
  assert.equal(r.json.ms_mode, 'secure');
  assert.equal(r.json.auth, 'cephx');
  assert.match(r.stderr, /stress OK: sent \d+ tracked/);
});

test('stress: msgr1, lossy_client, 1/600', { timeout: 120_000 }, async () => {
  const r = await stress([...SMALL, '--protocol', '1', '--policy', 'lossy_client', '--ms-inject-socket-failures', '600', '--seed', '9', '--json']);
  assertClean(r);
  assert.equal(r.json.protocol, 1);
});

test('stress: --duration runs for a time', { timeout: 60_000 }, async () => {
  const t0 = Date.now();
  const r = await stress(['--messengers', '2', '--connections', '2', '--duration', '2', '--max-payload', '4096', '--seed', '3', '--json']);
  assertClean(r);
  assert.ok(Date.now() - t0 >= 2000);
  assert.ok(Number(r.json.sent) > 50);
});

test('stress: usage errors exit 2 (in-process)', async () => {
  for (const bad of [
    ['--protocol', '1', '--ms-mode', 'secure'],
    ['--policy', 'nope'],
    ['--messages', '10', '--duration', '5'],
    ['--ms-mode', 'secure', '--auth', 'none'],
    ['--mix', '50,60,10'],
  ]) {
    let err = '';
    const code = await main(['stress', ...bad], { out: () => {}, err: (t) => void (err += t), env: { CEPH_CONF: '/dev/null' } });
    assert.equal(code, 2, `${bad.join(' ')}: ${err}`);
    assert.match(err, /^ceph-msgr stress: /);
  }
});
