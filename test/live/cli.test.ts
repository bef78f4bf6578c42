/**
 * The real `ceph-msgr` CLI (child process) against live 16.2 mons: status and mon-command report
 * the mon's fsid in every mode (auth none + crc; cephx + crc / secure; msgr2.0 with cephx + secure /
 * crc — and the mon's own log confirms the mode and revision it negotiated); auth failures and a
 * forbidden mode fail fast with one clear line; the plain and json output match `ceph -s`; and
 * nothing we sent made the mons log a decode/protocol error.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { formatKeyValue } from '../../src/core/auth/keyring.ts';
import { badLogLines, ceph, cleanupDir, cli, flushLog, monDown, monUp, readLog, requireCeph, tempDir, type Mon } from './helpers.ts';

requireCeph();
const base = tempDir('cli');
let none: Mon;
let cx: Mon;

before(async () => {
  [none, cx] = await Promise.all([monUp(join(base, 'none'), 'none'), monUp(join(base, 'cephx'), 'cephx')]);
});
after(async () => {
  await Promise.all([none && monDown(none.dir), cx && monDown(cx.dir)]);
  cleanupDir(base);
});

/** READY connections the mon logged after `from` (its view of mode and peer rev1). */
function readyConns(mon: Mon, from: number): Set<string> {
  const out = new Set<string>();
  for (const m of readLog(mon).slice(from).matchAll(/conn\(\S+ \S+ (crc|secure) :-?\d+ s=READY pgs=\d+ cs=\d+ l=1 rev1=([01])/g)) {
    out.add(`${m[1]} rev1=${m[2]}`);
  }
  return out;
}

function oneLine(err: string): string {
  const lines = err.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `one stderr line expected, got ${JSON.stringify(err)}`);
  return lines[0]!;
}

const MATRIX: { label: string; mon: () => Mon; args: string[]; expect: string }[] = [
  { label: 'auth none + crc (msgr2.1)', mon: () => none, args: ['--ms-mode', 'crc'], expect: 'crc rev1=1' },
  { label: 'cephx + crc (msgr2.1)', mon: () => cx, args: ['--ms-mode', 'crc'], expect: 'crc rev1=1' },
  { label: 'cephx + secure (msgr2.1)', mon: () => cx, args: ['--ms-mode', 'secure'], expect: 'secure rev1=1' },
  { label: 'msgr2.0: cephx + secure', mon: () => cx, args: ['--ms-mode', 'secure', '--ms_msgr2_rev1=false'], expect: 'secure rev1=0' },
  { label: 'msgr2.0: cephx + crc', mon: () => cx, args: ['--ms-mode', 'crc', '--ms_msgr2_rev1=false'], expect: 'crc rev1=0' },
];

for (const c of MATRIX) {
  test(`status and mon-command report the real fsid — ${c.label}`, async () => {
    const mon = c.mon();
    await flushLog(mon);
    const from = readLog(mon).length;
    const common = ['-c', mon.conf, ...c.args];
    const js = await cli(['status', ...common, '-f', 'json']);
    assert.equal(js.code, 0, js.err);
    const doc = JSON.parse(js.out) as { fsid: string; health: { status: string }; quorum_names: string[]; monmap: { epoch: number; num_mons: number } };
    assert.equal(doc.fsid, mon.fsid);
    assert.deepEqual(doc.quorum_names, ['a']);
    assert.equal(doc.monmap.num_mons, 1);
    assert.match(doc.health.status, /^HEALTH_/);

    const plain = await cli(['status', ...common]);
    assert.equal(plain.code, 0, plain.err);
    assert.match(plain.out, new RegExp(`^  cluster:\\n    id:     ${mon.fsid}\\n    health: HEALTH_`));
    assert.match(plain.out, /\n {4}mon: 1 daemons, quorum a \(age \d+[smhd]\)\n/);

    const mc = await cli(['mon-command', ...common, '{"prefix":"mon dump","format":"json"}']);
    assert.equal(mc.code, 0, mc.err);
    const dump = JSON.parse(mc.out) as { fsid: string; mons: { name: string; public_addrs: { addrvec: { type: string; addr: string }[] } }[] };
    assert.equal(dump.fsid, mon.fsid);
    assert.deepEqual(dump.mons.map((m) => m.name), ['a']);
    assert.equal(`v2:${dump.mons[0]!.public_addrs.addrvec.find((a) => a.type === 'v2')!.addr}`, mon.v2Addr);
    assert.match(mc.err, /dumped monmap epoch 1/);

    await flushLog(mon);
    assert.deepEqual([...readyConns(mon, from)], [c.expect], 'the mon saw our sessions in exactly this mode/revision');
  });
}

test('a wrong key fails within 5 s: exit 13, one line naming the auth failure', async () => {
  const bad = join(base, 'wrong.keyring');
  writeFileSync(bad, `[client.admin]\n\tkey = ${formatKeyValue(randomBytes(16))}\n`);
  for (const mode of ['secure', 'crc']) {
    await flushLog(cx);
    const from = readLog(cx).length;
    const r = await cli(['status', '-c', cx.conf, '-k', bad, '--ms-mode', mode]);
    assert.equal(r.code, 13, r.err);
    assert.ok(r.ms < 5000, `took ${r.ms} ms`);
    assert.equal(r.out, '');
    assert.match(oneLine(r.err), /^ceph-msgr status: authentication failed: mon .* refused client\.admin: .*EACCES.* \[ERR_AUTH_REJECTED\]$/);
    await flushLog(cx);
    const accepts = readLog(cx).slice(from).match(/\)\.accept$/gm) ?? [];
    assert.equal(accepts.length, 1, 'one connection attempt, no retries');
  }
});

test('an unknown entity is refused the same way; a missing keyring entry is caught locally', async () => {
  const ring = join(base, 'nobody.keyring');
  writeFileSync(ring, `[client.nobody]\n\tkey = ${formatKeyValue(randomBytes(16))}\n`);
  const r = await cli(['mon-command', '-c', cx.conf, '-k', ring, '-n', 'client.nobody', '{"prefix":"mon dump"}']);
  assert.equal(r.code, 13, r.err);
  assert.ok(r.ms < 5000);
  assert.match(oneLine(r.err), /refused client\.nobody: .*EACCES/);
  const r2 = await cli(['status', '-c', cx.conf, '-n', 'client.ghost']);
  assert.equal(r2.code, 13);
  assert.match(oneLine(r2.err), /keyring: keyring .* has no key for client\.ghost \[ERR_KEYRING\]/);
});

test('a mode or method the cluster forbids: exit 95 within 5 s, one line', async () => {
  // auth none offered to a cephx-only mon
  const r = await cli(['status', '-c', cx.conf, '--auth-client-required', 'none']);
  assert.equal(r.code, 95, r.err);
  assert.ok(r.ms < 5000);
  assert.match(oneLine(r.err), /no auth method\/connection mode the mon accepts .*allows auth methods \[2\].* \[ERR_AUTH_BAD_METHOD\]/);
  // the mon only allows secure (set at runtime through our own mon-command), we only offer crc
  const set = await cli(['mon-command', '-c', cx.conf, '{"prefix":"config set","who":"mon","name":"ms_mon_service_mode","value":"secure"}']);
  assert.equal(set.code, 0, set.err);
  try {
    let r2 = await cli(['status', '-c', cx.conf, '--ms-mode', 'crc']);
    for (let i = 0; i < 20 && r2.code === 0; i++) r2 = await cli(['status', '-c', cx.conf, '--ms-mode', 'crc']); // until applied
    assert.equal(r2.code, 95, r2.err);
    assert.ok(r2.ms < 5000);
    assert.match(oneLine(r2.err), /modes \[2\]; we offer \[2\] with modes \[1\].* \[ERR_AUTH_BAD_METHOD\]/);
    assert.equal((await cli(['status', '-c', cx.conf, '--ms-mode', 'secure', '-f', 'json'])).code, 0);
  } finally {
    const rm = await cli(['mon-command', '-c', cx.conf, '--ms-mode', 'secure', '{"prefix":"config rm","who":"mon","name":"ms_mon_service_mode"}']);
    assert.equal(rm.code, 0, rm.err);
  }
});

test("plain output is laid out like 'ceph -s'; json has the same fields as 'ceph -s -f json'", async () => {
  for (const mon of [none, cx]) {
    const norm = (s: string): string =>
      s
        .replace(/\(age [^)]+\)/g, '(age X)')
        .split('\n')
        .map((l) => l.trimEnd())
        .join('\n')
        .trimEnd();
    const theirs = await ceph(mon, ['-s']);
    const ours = await cli(['status', '-c', mon.conf]);
    assert.equal(ours.code, 0, ours.err);
    assert.equal(norm(ours.out), norm(theirs));
    const tj = JSON.parse(await ceph(mon, ['-s', '-f', 'json'])) as Record<string, unknown>;
    const oj = JSON.parse((await cli(['status', '-c', mon.conf, '-f', 'json'])).out) as Record<string, unknown>;
    assert.deepEqual(Object.keys(oj), Object.keys(tj));
    for (const k of ['fsid', 'quorum', 'quorum_names', 'monmap', 'osdmap', 'pgmap', 'fsmap']) assert.deepEqual(oj[k], tj[k], k);
    assert.deepEqual(Object.keys(oj.health as object), Object.keys(tj.health as object));
  }
});

test('the mons logged no decode or protocol error caused by us', async () => {
  for (const mon of [none, cx]) {
    await flushLog(mon);
    const text = readLog(mon);
    assert.ok(text.length > 10000, 'the mon log is written at debug_ms 20');
    assert.match(text, /handle_message received message .*mon_command/, 'the log shows our commands');
    assert.deepEqual(badLogLines(text), []);
  }
});
