/**
 * `ceph-msgr serve` in-process (its run() with an IO object), over real TCP on 127.0.0.1, with a
 * "mon.a" built from our own Messenger (Ceph's mon policies: lossless_peer_reuse towards mons)
 * dialling it and sending MMonProbes — the same shape as the live peer-mon tests, without Ceph.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIO } from '../../../src/cli/command.ts';
import { main } from '../../../src/cli/main.ts';
import { CephxAuthClient } from '../../../src/core/auth/cephx-client.ts';
import { keyringText } from '../../../src/core/auth/keyring.ts';
import { AuthNoneClient } from '../../../src/core/auth/none.ts';
import type { AuthClient } from '../../../src/core/auth/types.ts';
import { cephDefaultPolicies } from '../../../src/core/session/policy.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { MMonProbeCodec } from '../../../src/messages/mon-probe.ts';
import { DEFAULT_FEATURES } from '../../../src/encoding/types/features.ts';
import { Messenger } from '../../../src/node/messenger.ts';
import type { PeerServerSummary } from '../../../src/server/peer-server.ts';

const FSID = '11111111-2222-4333-8444-555555555555';
const MON_KEY = Buffer.alloc(16, 0x5c);
const tmp = mkdtempSync(join(tmpdir(), 'ceph-msgr-serve-'));
const running: Messenger[] = [];
const aborts: AbortController[] = [];
after(async () => {
  for (const a of aborts) a.abort();
  for (const m of running) await m.shutdown();
  rmSync(tmp, { recursive: true, force: true });
});

function seeded(label: string): (n: number) => Buffer {
  let i = 0;
  return (n) => {
    const out = Buffer.alloc(n);
    for (let o = 0; o < n; o += 32) createHash('sha256').update(`${label}/${i++}`).digest().copy(out, o);
    return out;
  };
}

interface Served {
  port: number;
  stop(): Promise<{ code: number; out: string; err: string }>;
}

/** serve in this process; resolves once it listens. Files: only those given (hermetic). */
async function serve(args: string[], files: Record<string, string> = {}): Promise<Served> {
  const ac = new AbortController();
  aborts.push(ac);
  let out = '';
  let err = '';
  let onListen: (port: number) => void = () => {};
  const listening = new Promise<number>((r) => (onListen = r));
  const io: CliIO = {
    out: (t) => void (out += t),
    err: (t) => {
      err += t;
      const m = /listening on \[\w+:127\.0\.0\.1:(\d+)\/0\]/.exec(err);
      if (m) onListen(Number(m[1]));
    },
    env: {},
    signal: ac.signal,
    configIO: { readFile: (p) => files[p], hostname: () => 'h', home: () => '/nonexistent', pid: () => 1 },
  };
  const done = main(['serve', ...args], io).then((code) => ({ code, out, err }));
  const port = await Promise.race([listening, done.then((r) => assert.fail(`serve exited ${r.code}: ${r.err}`))]);
  return {
    port,
    stop: async () => {
      ac.abort();
      return done;
    },
  };
}

function probe(): ReturnType<typeof MMonProbeCodec.encode> {
  return MMonProbeCodec.encode(
    { fsid: FSID, op: 1, name: 'a', quorum: [], monmapBl: Buffer.alloc(0), hasEverJoined: false, paxosFirstVersion: 0n, paxosLastVersion: 0n, requiredFeatures: 0n, monRelease: 16, leader: -1 },
    DEFAULT_FEATURES,
  );
}

/** mon.a: bound, Ceph's mon policies, sends n probes to `target` and waits until all are acked. */
async function monA(target: string, n: number, authClient: AuthClient, config: Record<string, number | string> = {}, bindPort = 0): Promise<Messenger> {
  const ms = Messenger.create({ name: 'mon.a', nonce: 0, policies: cephDefaultPolicies(EntityType.MON), authClient, config: { ms_initial_backoff: 0.01, ms_max_backoff: 0.05, ...config } });
  running.push(ms);
  await ms.bind(`${target.startsWith('v1:') ? 'v1' : 'v2'}:127.0.0.1:${bindPort}`);
  await ms.start();
  const c = ms.connectTo(target, 'mon');
  for (let i = 0; i < n; i++) {
    c.send(probe());
    if (i % 10 === 9) await new Promise((r) => setTimeout(r, 2));
  }
  const t0 = Date.now();
  while (c.queuedBytes > 0) {
    if (Date.now() - t0 > 15000) assert.fail(`mon.a: ${c.queuedBytes} bytes still unacked`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return ms;
}

function summaryOf(out: string): PeerServerSummary {
  const last = out.trim().split('\n').pop() ?? '';
  return JSON.parse(last) as PeerServerSummary;
}

/**
 * Every probe once, in order, in one session. msgr1 (`v1`): a failure while we write READY/SEQ of
 * the FIRST handshake leaves the peer at connect_seq 0, and its retry is a peer reset for Ceph
 * and for us (remote reset + a new session from seq 1) — allowed, but only that way.
 */
function assertOneSession(s: PeerServerSummary, n: number, v1 = false): void {
  const ctx = JSON.stringify(s);
  assert.equal(s.messages, n, ctx);
  assert.deepEqual(s.by_type, { '67': n }, ctx);
  assert.equal(s.duplicates, 0, ctx);
  assert.equal(s.gaps, 0, ctx);
  if (v1) {
    assert.equal(s.resets, s.remote_resets, ctx);
    assert.equal(s.sessions, 1 + s.resets, ctx);
  } else {
    assert.equal(s.resets, 0, ctx);
    assert.equal(s.sessions, 1, ctx);
  }
  assert.equal(s.ready, s.sessions + s.reconnects + s.retries, ctx);
  assert.deepEqual(s.probes, [{ name: 'a', fsid: FSID, ops: { probe: n } }], ctx);
}

const noneClient = (): AuthClient => new AuthNoneClient({ name: { type: EntityType.MON, id: 'a' } });

test('msgr2, auth none, injected failures on the server: one session, reconnects, every probe once', async () => {
  const srv = await serve(['-n', 'mon.b', '--bind', 'v2:127.0.0.1:0', '--json', '--ms-inject-socket-failures', '15', '--ms_inject_seed=11']);
  const ms = await monA(`v2:127.0.0.1:${srv.port}/0`, 300, noneClient());
  const r = await srv.stop();
  await ms.shutdown();
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out.trim().split('\n').length, 1, '--json prints only the JSON line');
  const s = summaryOf(r.out);
  assertOneSession(s, 300);
  assert.ok(s.injected_socket_failures >= 2 && s.reconnects >= 1, JSON.stringify(s));
  assert.deepEqual(Object.keys(s.auth), ['msgr2.1 none crc']);
  assert.match(r.err, /fault injection on: ms_inject_seed=11|listening on/);
});

test('msgr2, cephx: mon.a\'s self-issued authorizer, secure by default, crc with --ms-mode crc', async () => {
  const files = { [join(tmp, 'keyring')]: keyringText([['mon.', { key: MON_KEY, caps: { mon: 'allow *' } }]]) };
  for (const [args, want] of [
    [[], 'msgr2.1 cephx secure'],
    [['--ms-mode', 'crc'], 'msgr2.1 cephx crc'],
  ] as const) {
    const srv = await serve(['-n', 'mon.b', '--bind', 'v2:127.0.0.1:0', '--json', '-k', join(tmp, 'keyring'), ...args], files);
    const client = new CephxAuthClient({ name: { type: EntityType.MON, id: 'a' }, secret: MON_KEY, random: seeded('a'), now: () => Date.now(), selfIssueSecret: { serviceId: EntityType.MON, secret: MON_KEY } });
    const ms = await monA(`v2:127.0.0.1:${srv.port}/0`, 50, client);
    const r = await srv.stop();
    await ms.shutdown();
    assert.equal(r.code, 0, r.err);
    const s = summaryOf(r.out);
    assertOneSession(s, 50);
    assert.deepEqual(s.auth, { [want]: 1 });
  }
});

for (const auth of ['none', 'cephx'] as const) {
  test(`msgr1, auth ${auth}, injected failures on the server: one session, every probe once`, async () => {
    const files = { '/k': keyringText([['mon.', { key: MON_KEY, caps: {} }]]) };
    const authArgs = auth === 'cephx' ? ['--keyring', '/k'] : [];
    const srv = await serve(['-n', 'mon.b', '--bind', 'v1:127.0.0.1:0', '--json', ...authArgs, '--ms-inject-socket-failures', '15', '--ms-inject-seed', '5'], files);
    const client =
      auth === 'cephx'
        ? new CephxAuthClient({ name: { type: EntityType.MON, id: 'a' }, secret: MON_KEY, random: seeded('a1'), now: () => Date.now(), selfIssueSecret: { serviceId: EntityType.MON, secret: MON_KEY } })
        : noneClient();
    const ms = await monA(`v1:127.0.0.1:${srv.port}/0`, 200, client);
    const r = await srv.stop();
    await ms.shutdown();
    assert.equal(r.code, 0, r.err);
    const s = summaryOf(r.out);
    assertOneSession(s, 200, true);
    assert.ok(s.reconnects >= 1, JSON.stringify(s));
    assert.deepEqual(Object.keys(s.auth), [`msgr1 ${auth}`]);
  });
}

for (const proto of ['v2', 'v1'] as const) {
  test(`${proto}: mon.a restarts (same address, new session): a remote reset, a second session from seq 1`, async () => {
    const srv = await serve(['-n', 'mon.b', '--bind', `${proto}:127.0.0.1:0`, '--json']);
    const target = `${proto}:127.0.0.1:${srv.port}/0`;
    const first = await monA(target, 5, noneClient());
    const port = first.myAddrs[0]!.port;
    await first.shutdown();
    const second = await monA(target, 7, noneClient(), {}, port);
    const r = await srv.stop();
    await second.shutdown();
    const s = summaryOf(r.out);
    const ctx = JSON.stringify(s);
    assert.equal(s.messages, 12, ctx);
    assert.equal(s.sessions, 2, ctx);
    assert.equal(s.resets, 1, ctx);
    assert.equal(s.remote_resets, 1, ctx);
    assert.equal(s.duplicates + s.gaps, 0, ctx);
  });
}

test('without --json: a human summary, then the JSON line; --duration ends it with status 0', async () => {
  let out = '';
  let err = '';
  const t0 = Date.now();
  const code = await main(['serve', '-n', 'mon.b', '--bind', 'v2:127.0.0.1:0', '--duration', '0.3'], {
    out: (t) => void (out += t),
    err: (t) => void (err += t),
    env: {},
    configIO: { readFile: () => undefined, hostname: () => 'h', home: () => '/nonexistent', pid: () => 1 },
  });
  assert.equal(code, 0, err);
  assert.ok(Date.now() - t0 >= 300);
  const lines = out.trim().split('\n');
  assert.match(lines[0]!, /^served \d+\.\d s: 0 sockets accepted, 0 handshakes completed/);
  const s = JSON.parse(lines[lines.length - 1]!) as PeerServerSummary;
  assert.deepEqual(
    Object.keys(s).slice(0, 8),
    ['accepted', 'ready', 'messages', 'by_type', 'reconnects', 'resets', 'duplicates', 'gaps'],
  );
  assert.match(err, /serve: mon\.b listening on \[v2:127\.0\.0\.1:\d+\/0\]; auth mons: none \[crc\]/);
});

test('usage: --help documents the counters; missing --bind, bad values and client names are usage errors', async () => {
  const run = async (argv: string[]): Promise<{ code: number; out: string; err: string }> => {
    let out = '';
    let err = '';
    const code = await main(argv, { out: (t) => void (out += t), err: (t) => void (err += t), env: {}, configIO: { readFile: () => undefined, hostname: () => 'h', home: () => '/x', pid: () => 1 } });
    return { code, out, err };
  };
  const h = await run(['serve', '--help']);
  assert.equal(h.code, 0);
  for (const k of ['accepted', 'ready', 'reconnects', 'resets', 'duplicates', 'gaps', 'SESSION_RECONNECT', 'connect_seq']) assert.match(h.out, new RegExp(k));
  for (const argv of [
    ['serve', '-n', 'mon.b'],
    ['serve', '-n', 'mon.b', '--bind', 'v2:127.0.0.1:0', '--duration', 'x'],
    ['serve', '-n', 'mon.b', '--bind', 'v2:127.0.0.1:0', '--ms-mode', 'fast'],
    ['serve', '-n', 'client.admin', '--bind', 'v2:127.0.0.1:0'],
    ['serve', '-n', 'mon.b', '--bind', 'v2:127.0.0.1:0', 'extra'],
  ]) {
    const r = await run(argv);
    assert.equal(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.equal(r.err.trim().split('\n').length, 1, r.err);
  }
  // an unknown Ceph-style option is refused too; a known one is accepted
  assert.equal((await run(['serve', '-n', 'mon.b', '--bind', 'v2:127.0.0.1:0', '--ms-no-such-option', '1'])).code, 2);
});
