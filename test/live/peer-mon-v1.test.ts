/**
 * A real ceph-mon (mon.a) dials our `ceph-msgr serve -n mon.b` over msgr1 (its monmap names only
 * a v1 address for mon.b) as a lossless peer, with our side injecting socket failures: after each
 * one mon.a reconnects with connect_seq+1, we accept it onto the existing session (SEQ exchange)
 * and it resends what we had not acked. With cephx, mon.a's connect carries an authorizer built
 * with the mon. key; we challenge it (CHALLENGE_AUTHORIZER) and then check mon.a's signed messages.
 */
import { after, test } from 'node:test';
import { requireCeph, tempDir, cleanupDir } from './helpers.ts';
import { assertExactlyOnce, runScenario, stopAll } from './peer-mon-helpers.ts';

requireCeph();
const base = tempDir('peer-mon-v1');
after(async () => {
  await stopAll();
  cleanupDir(base);
});

test('msgr1, auth none, our side failing ~1 in 20 socket operations', async () => {
  const r = await runScenario(base, {
    label: 'none-inject',
    proto: 'v1',
    auth: 'none',
    serveArgs: ['--ms-inject-socket-failures', '20'],
    end: { probeMs: 12500 },
  });
  console.log(`msgr1 none inject: ${JSON.stringify(r.summary)} | mon.a: sent ${r.acct.sent}, socket closes ${r.acct.socketCloses}, faults ${r.acct.faults}`);
  assertExactlyOnce(r, { minMessages: 40, minReconnects: 1, handshake: 'msgr1 none', allowPeerResetRetries: true });
});

test('msgr1, cephx authorizer with the mon. key, our side failing ~1 in 20 socket operations', async () => {
  const r = await runScenario(base, {
    label: 'cephx-inject',
    proto: 'v1',
    auth: 'cephx',
    serveArgs: ['--ms_inject_socket_failures=20'],
    end: { probeMs: 12500 },
  });
  console.log(`msgr1 cephx inject: ${JSON.stringify(r.summary)} | mon.a: sent ${r.acct.sent}, socket closes ${r.acct.socketCloses}, faults ${r.acct.faults}`);
  assertExactlyOnce(r, { minMessages: 40, minReconnects: 1, handshake: 'msgr1 cephx', allowPeerResetRetries: true });
});
