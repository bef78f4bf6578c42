/**
 * The real `ceph-msgr` CLI (child process) against live 16.2 mons that bind msgr1 only
 * (mon-up.sh --v2-port 0): `status` (plain and -f json) and `mon-command` report the mon's fsid
 * with auth none and with cephx; the mon's own log (debug_ms 20) shows msgr1 sessions that
 * logged in with MAuth (proto 0, then proto 2 for cephx) before anything else was sent; a wrong
 * key or an unknown entity fails within 5 s with one line and one connection; a method the mon
 * does not allow fails the same way (exit 95). In-process MonClients: cephx tickets (ttl 6 s)
 * are renewed over MAuth on the msgr1 session; after the mon restarts the client logs in again
 * reclaiming its global_id (v3, old ticket), and the pending command completes.
 * Nothing we sent made the mons log a decode or protocol error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatKeyValue } from '../../src/core/auth/keyring.ts';
import { EntityType } from '../../src/encoding/types/entity-name.ts';
import { loadConfig } from '../../src/config/load.ts';
import { monClientFromConfig } from '../../src/monc/from-config.ts';
import type { MonClient } from '../../src/monc/mon-client.ts';
import { freePort } from '../unit/monc/fake-mon.ts';
import { badLogLines, cleanupDir, cli, eventually, flushLog, monDown, monUp, readLog, requireCeph, tempDir, type Mon } from './helpers.ts';

requireCeph();
const base = tempDir('v1mon');
let none: Mon;
let cx: Mon;
const clients: MonClient[] = [];

before(async () => {
  [none, cx] = await Promise.all([monUp(join(base, 'none'), 'none', { v2Port: '0' }), monUp(join(base, 'cephx'), 'cephx', { v2Port: '0' })]);
  for (const m of [none, cx]) {
    assert.equal(m.v2Addr, '', 'the mon has no msgr2 address');
    assert.match(m.monHost, /^\[v1:127\.0\.0\.1:\d+\]$/);
  }
});
after(async () => {
  for (const c of clients) await c.close();
  await Promise.all([none && monDown(none.dir), cx && monDown(cx.dir)]);
  cleanupDir(base);
});

/** msgr1-specific complaints of a mon (ProtocolV1 / decode_message), besides the shared scan. */
const V1_BAD = /bad header crc|byte message\.\. ABORTED|reader got (bad|unknown)|wrong node|connect claims to be|is not authenticated/i;

/** What the mon logged after `from` (flushed first). */
async function logSince(mon: Mon, from: number): Promise<string> {
  await flushLog(mon);
  return readLog(mon).slice(from);
}

async function logMark(mon: Mon): Promise<number> {
  await flushLog(mon);
  return readLog(mon).length;
}

/** The messages the mon received (`<==` lines): sender and summary. */
function received(text: string): { src: string; what: string }[] {
  return [...text.matchAll(/ <== (client\.\S+) \S+ \d+ ==== (.*?) ==== /g)].map((m) => ({ src: m[1]!, what: m[2]! }));
}

async function client(mon: Mon, ...args: string[]): Promise<MonClient> {
  const { config } = loadConfig({ argv: ['-c', mon.conf, ...args], env: {} });
  const mc = await monClientFromConfig(config);
  clients.push(mc);
  return mc;
}

const fsidOf = (r: { data: Buffer }): string => (JSON.parse(r.data.toString()) as { fsid: string }).fsid;

function oneLine(err: string): string {
  const lines = err.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one stderr line expected, got ${JSON.stringify(err)}`);
  return lines[0]!;
}

for (const [label, getMon] of [
  ['auth none', () => none],
  ['cephx', () => cx],
] as const) {
  test(`v1-only mon, ${label}: status (plain, -f json) and mon-command report the real fsid; MAuth before anything else`, async () => {
    const mon = getMon();
    const from = await logMark(mon);
    const js = await cli(['status', '-c', mon.conf, '-f', 'json']);
    assert.equal(js.code, 0, js.err);
    const doc = JSON.parse(js.out) as { fsid: string; health: { status: string }; quorum_names: string[]; monmap: { num_mons: number } };
    assert.equal(doc.fsid, mon.fsid);
    assert.deepEqual(doc.quorum_names, ['a']);
    assert.equal(doc.monmap.num_mons, 1);
    assert.match(doc.health.status, /^HEALTH_/);

    const plain = await cli(['status', '-c', mon.conf]);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, new RegExp(`^  cluster:\\n    id:     ${mon.fsid}\\n    health: HEALTH_`));
    assert.match(plain.out, /\n {4}mon: 1 daemons, quorum a \(age \d+[smhd]\)\n/);

    // the mon address given explicitly as v1:IP:PORT (overrides the conf's mon_host)
    const mc = await cli(['mon-command', '-c', mon.conf, '-m', mon.v1Addr, '{"prefix":"mon dump","format":"json"}']);
    assert.equal(mc.code, 0, mc.err);
    const dump = JSON.parse(mc.out) as { fsid: string; mons: { name: string; public_addrs: { addrvec: { type: string; addr: string }[] } }[] };
    assert.equal(dump.fsid, mon.fsid);
    assert.deepEqual(dump.mons[0]!.public_addrs.addrvec.map((a) => `${a.type}:${a.addr}`), [mon.v1Addr]);
    assert.match(mc.err, /dumped monmap epoch 1/);

    const text = await logSince(mon, from);
    assert.doesNotMatch(text, /--2- /, 'no msgr2 anywhere');
    assert.equal(text.match(/handle_connect_message_2 accept new session/g)?.length, 3, 'three msgr1 sessions, one per command');
    const msgs = received(text);
    // every session: MAuth(0) [, MAuth(2)] from client.? — then requests as client.<global_id>
    const anon = msgs.filter((m) => m.src === 'client.?').map((m) => m.what.replace(/ \d+ bytes/, ''));
    const login = label === 'cephx' ? ['auth(proto 0 epoch 0) v1', 'auth(proto 2 epoch 0) v1'] : ['auth(proto 0 epoch 0) v1'];
    assert.deepEqual(anon, [...login, ...login, ...login], 'only MAuth before the login completed');
    const named = msgs.filter((m) => m.src !== 'client.?');
    assert.ok(named.every((m) => /^client\.\d+$/.test(m.src)), 'renamed client.<global_id> after the login');
    assert.equal(named.filter((m) => m.what.startsWith('mon_command(')).length, 3);
    const replies = text.match(/--> \S+ -- auth_reply\(proto (\d) 0 \(0\) Success\)/g) ?? [];
    assert.equal(replies.length, login.length * 3, 'every MAuth answered with success');
    assert.ok(replies.every((r) => r.includes(`proto ${label === 'cephx' ? 2 : 1} `)));
    assert.deepEqual(badLogLines(text), []);
  });
}

test('v1-only cephx mon: a wrong key or an unknown entity fails within 5 s — exit 13, one line, one connection', async () => {
  const bad = join(base, 'wrong.keyring');
  writeFileSync(bad, `[client.admin]\n\tkey = ${formatKeyValue(randomBytes(16))}\n`);
  const nobody = join(base, 'nobody.keyring');
  writeFileSync(nobody, `[client.nobody]\n\tkey = ${formatKeyValue(randomBytes(16))}\n`);
  for (const [args, who] of [
    [['status', '-c', cx.conf, '-k', bad], 'client\\.admin'],
    [['mon-command', '-c', cx.conf, '-k', nobody, '-n', 'client.nobody', '{"prefix":"mon dump"}'], 'client\\.nobody'],
  ] as const) {
    const from = await logMark(cx);
    const r = await cli([...args]);
    assert.equal(r.code, 13, r.err);
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
    assert.equal(r.out, '');
    assert.match(oneLine(r.err), new RegExp(`^ceph-msgr ${args[0]}: authentication failed: mon noname-a \\(\\[v1:127\\.0\\.0\\.1:\\d+/0\\]\\) refused ${who}: cephx MAuth refused \\(result -13\\), errno -13 EACCES: .* \\[ERR_AUTH_REJECTED\\]$`));
    const text = await logSince(cx, from);
    assert.equal(text.match(/accept new session/g)?.length, 1, 'one connection attempt, no retries');
    assert.deepEqual(
      received(text).map((m) => m.what.replace(/ \d+ bytes/, '')),
      ['auth(proto 0 epoch 0) v1', 'auth(proto 2 epoch 0) v1'],
      'the login, and nothing after the refusal',
    );
    assert.match(text, /auth_reply\(proto 2 -13 /);
  }
});

test('v1-only cephx mon: auth none offered → exit 95 within 5 s, one line', async () => {
  const r = await cli(['status', '-c', cx.conf, '--auth-client-required', 'none']);
  assert.equal(r.code, 95, r.err);
  assert.ok(r.ms < 5000, `took ${r.ms} ms`);
  assert.match(oneLine(r.err), /authentication failed: no auth method\/connection mode the mon accepts \(mon noname-a .* the mon allows none of the auth methods we offer \[1\] \(MAuth result -95\)\) \[ERR_AUTH_BAD_METHOD\]$/);
});

test('v1-only cephx mon: tickets (ttl 6 s) are renewed over MAuth on the msgr1 session', async () => {
  const admin = await client(cx);
  await admin.connect({ timeoutMs: 10000 });
  const set = async (name: string, value?: string): Promise<void> => {
    const cmd = value === undefined ? { prefix: 'config rm', who: 'mon', name } : { prefix: 'config set', who: 'mon', name, value };
    const r = await admin.command(cmd);
    assert.equal(r.r, 0, r.rs);
  };
  await set('auth_mon_ticket_ttl', '6');
  await set('auth_service_ticket_ttl', '6');
  try {
    const from = await logMark(cx);
    const mc = await client(cx, '--mon-client-ping-interval', '0.5');
    const renewed: number[][] = [];
    mc.on('tickets-renewed', (s: number[]) => renewed.push(s));
    const errors: string[] = [];
    mc.on('auth-error', (e: Error) => errors.push(e.message));
    await mc.connect({ timeoutMs: 10000 });
    assert.equal(mc.auth.cephx!.tickets.get(EntityType.AUTH)!.validityMs, 6000, 'the mon issued 6 s tickets');
    const auth = mc.auth.cephx!.tickets.get(EntityType.AUTH)!;
    await eventually(() => renewed.length > 0, 8000, 'a renewal');
    assert.ok(renewed[0]!.includes(EntityType.AUTH), 'the AUTH ticket was renewed (GET_AUTH_SESSION_KEY with the session challenge)');
    assert.ok(mc.auth.cephx!.tickets.get(EntityType.AUTH)!.obtainedAt > auth.obtainedAt);
    assert.deepEqual(errors, []);
    assert.equal(fsidOf(await mc.command({ prefix: 'mon dump', format: 'json' })), cx.fsid);
    assert.equal(mc.stats.sessions, 1, 'on the same msgr1 session');
    const text = await logSince(cx, from);
    const renewal = received(text).filter((m) => m.src === `client.${mc.globalId}` && m.what.startsWith('auth(proto 2'));
    assert.ok(renewal.length >= 1, 'the mon got our MAuth renewal from the logged-in session');
  } finally {
    await set('auth_mon_ticket_ttl');
    await set('auth_service_ticket_ttl');
  }
});

test('v1-only cephx mon restarted (mon_host also names a dead v1 mon): the client logs in again reclaiming its global_id; the pending command completes', async () => {
  const dead = await freePort();
  const mc = await client(cx, '--mon-host', `v1:127.0.0.1:${dead} ${cx.v1Addr}`, '--mon-client-hunt-interval', '0.3', '--mon-client-hunt-parallel', '1');
  const lost: string[] = [];
  mc.on('session-lost', (e: Error & { code: string }) => lost.push(e.code));
  await mc.connect({ timeoutMs: 10000 });
  const gid = mc.globalId;
  await monDown(cx.dir);
  await eventually(() => lost.length > 0, 5000, 'the client notices the mon is gone');
  const p = mc.command({ prefix: 'mon dump', format: 'json' }, undefined, { timeoutMs: 20000 });
  const restarted = await monUp(cx.dir, 'cephx', { v2Port: '0' });
  assert.equal(restarted.v1Addr, cx.v1Addr, 'same port after the restart');
  cx = restarted;
  const r = await p;
  assert.equal(r.r, 0, r.rs);
  assert.equal(fsidOf(r), cx.fsid);
  assert.equal(mc.stats.sessions, 2);
  assert.equal(mc.globalId, gid, 'global_id reclaimed with our cephx ticket');
});

test('the v1-only mons logged no decode or protocol error caused by us', async () => {
  for (const mon of [none, cx]) {
    await flushLog(mon);
    const text = readLog(mon);
    assert.ok(text.length > 10000, 'the mon log is written at debug_ms 20');
    assert.match(text, /<== client\.\d+ .* mon_command\(/, 'the log shows our commands');
    assert.deepEqual(badLogLines(text), []);
    assert.deepEqual(
      text.split('\n').filter((l) => V1_BAD.test(l)),
      [],
    );
  }
});
