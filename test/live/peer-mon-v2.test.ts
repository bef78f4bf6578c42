/**
 * A real ceph-mon (mon.a) dials our `ceph-msgr serve -n mon.b` over msgr2 as a lossless peer
 * (lossless_peer_reuse on both sides) and probes it every 0.25 s. See peer-mon-helpers.ts for how
 * a scenario runs and what assertExactlyOnce checks.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyringText } from '../../src/core/auth/keyring.ts';
import { requireCeph, tempDir, cleanupDir } from './helpers.ts';
import { assertExactlyOnce, runScenario, stopAll } from './peer-mon-helpers.ts';

requireCeph();
const base = tempDir('peer-mon-v2');
after(async () => {
  await stopAll();
  cleanupDir(base);
});

test('msgr2, auth none, 20 s with our side failing ~1 in 20 socket operations: reconnects resume the session, every probe once', async () => {
  const r = await runScenario(base, {
    label: 'none-inject',
    proto: 'v2',
    auth: 'none',
    serveArgs: ['--ms-inject-socket-failures', '20'],
    end: { duration: 20, stopMonBeforeMs: 2500 },
  });
  console.log(`msgr2 none inject: ${JSON.stringify(r.summary)} | mon.a: sent ${r.acct.sent}, socket closes ${r.acct.socketCloses}, faults ${r.acct.faults}`);
  assertExactlyOnce(r, { minMessages: 40, minReconnects: 2, handshake: 'msgr2.1 none crc', mode: 'crc' });
});

test('msgr2, cephx (mon. key verifies mon.a\'s authorizer), --ms-mode crc', async () => {
  const r = await runScenario(base, { label: 'cephx-crc', proto: 'v2', auth: 'cephx', serveArgs: ['--ms-mode', 'crc'], end: { probeMs: 11500 } });
  console.log(`msgr2 cephx crc: ${JSON.stringify(r.summary)} | mon.a: sent ${r.acct.sent}, socket closes ${r.acct.socketCloses}, faults ${r.acct.faults}`);
  assertExactlyOnce(r, { minMessages: 40, minReconnects: 0, handshake: 'msgr2.1 cephx crc', mode: 'crc' });
});

test('msgr2, cephx, default modes: mon.a prefers secure and gets it', async () => {
  const r = await runScenario(base, { label: 'cephx-secure', proto: 'v2', auth: 'cephx', serveArgs: [], end: { probeMs: 11500 } });
  console.log(`msgr2 cephx secure: ${JSON.stringify(r.summary)} | mon.a: sent ${r.acct.sent}, socket closes ${r.acct.socketCloses}, faults ${r.acct.faults}`);
  assertExactlyOnce(r, { minMessages: 40, minReconnects: 0, handshake: 'msgr2.1 cephx secure', mode: 'secure' });
});

test('negative control: with another mon. key we refuse mon.a\'s authorizer, and its log says so', async () => {
  const keyring = join(base, 'wrong.keyring');
  writeFileSync(keyring, keyringText([['mon.', { key: randomBytes(16), caps: { mon: 'allow *' } }]]));
  const r = await runScenario(base, { label: 'cephx-wrong-key', proto: 'v2', auth: 'cephx', serveArgs: [], keyring, end: { probeMs: 3000 } });
  const s = r.summary;
  console.log(`msgr2 cephx wrong key: ${JSON.stringify(s)} | mon.a: sent ${r.acct.sent}, bad lines ${r.bad.length}`);
  assert.equal(r.code, 0);
  assert.ok(s.accepted >= 1, 'mon.a dialled us');
  assert.equal(s.ready, 0);
  assert.equal(s.messages, 0);
  // mon.a: AUTH_BAD_METHOD with EACCES (what a wrong key gets from a real mon too), at ms level 1
  // ("handle_auth_bad_method method=2 result (13) …") and from the mon itself ("… they didn't like 2")
  assert.ok(r.bad.some((l) => / 1 --2- .*handle_auth_bad_method method=2 result \(13\) Permission denied/.test(l)), r.bad.join('\n'));
  assert.ok(r.bad.every((l) => /handle_auth_bad_method .*\(13\) Permission denied/.test(l)), r.bad.join('\n'));
  assert.match(r.serveErr, /listening on/);
});
