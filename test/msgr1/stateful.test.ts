/**
 * S09 over msgr1 (real loopback TCP): lossless_client ↔ stateful_server.
 *  (a) the client marks its connection down and opens a new one (connect_seq 0): the server kept
 *      the old session (STANDBY) and now sees a peer reset → exactly 1 remote reset, and the same
 *      server Connection carries the new session (Ceph's replace);
 *  (b) the server marks its connection down: the client reconnects at once (connect_seq + 1), the
 *      server has no session → RESETSESSION → the client reports exactly 1 remote reset, then 1
 *      connect, on the same Connection object, within 1 s; the next round trip works.
 * Plus lossless_peer standby (S10-like): an idle fault parks both sides in STANDBY; the next send
 * reconnects with the same connect_seq → RETRY_SESSION → replace → delivered once.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import type { MsgrError } from '../../src/errors.ts';
import type { Connection } from '../../src/node/connection.ts';
import { type TestCtx, node, ping, protoVersion, shutdownClean, until } from './helpers.ts';

async function setup(t: TestCtx) {
  const srv = await node(t, 'osd.0', Policy.stateful_server(), { bind: 'v1:127.0.0.1:0', replies: true });
  const cli = await node(t, 'client.-1', Policy.lossless_client());
  const faults: string[] = [];
  cli.m.on('fault', (_c: Connection, e: MsgrError) => faults.push(e.code));
  return { srv, cli, addrs: srv.m.myAddrs.slice(), faults };
}

test('S09a msgr1: client markDown + new connection → the server sees exactly 1 remote reset', async (t) => {
  const { srv, cli, addrs } = await setup(t);
  const c1 = cli.m.connectTo(addrs, 'osd');
  c1.send(ping('1'));
  assert.ok(await until(() => cli.d.log(c1).count === 1, 1000));
  assert.equal(protoVersion(c1), 1);
  assert.equal(c1.lossy, false);
  const s1 = srv.d.lastAccepted!;
  assert.equal(s1.lossy, false);

  c1.markDown();
  // the server keeps the session until the client comes back
  assert.ok(await until(() => s1.state === 'STANDBY', 1000), `server side is ${s1.state}`);
  assert.equal(s1.isClosed, false);
  assert.equal(srv.d.remoteResets, 0);

  const c2 = cli.m.connectTo(addrs, 'osd');
  assert.notEqual(c2, c1);
  c2.send(ping('2'));
  assert.ok(await until(() => cli.d.log(c2).count === 1, 1000));
  assert.equal(srv.d.remoteResets, 1, 'exactly one remote reset on the server');
  assert.equal(srv.d.resets, 0);
  assert.equal(srv.d.lastAccepted, s1, 'the same server Connection took the new session');
  assert.equal(srv.d.accepts, 2);
  assert.deepEqual(srv.d.log(s1).payloads, ['1', '2']);
  assert.equal(s1.state, 'OPENED');
  assert.deepEqual([cli.d.resets, cli.d.remoteResets, cli.d.refused.length], [0, 0, 0]);
  assert.deepEqual([...cli.d.violations, ...srv.d.violations], []);
  await shutdownClean(cli.m, srv.m);
});

test('S09b msgr1: server markDown → client: 1 remote reset, then 1 connect on the same Connection ≤ 1 s', async (t) => {
  const { srv, cli, addrs } = await setup(t);
  const c = cli.m.connectTo(addrs, 'osd');
  c.send(ping('1'));
  assert.ok(await until(() => cli.d.log(c).count === 1, 1000));
  const s1 = srv.d.lastAccepted!;
  const t0 = Date.now();
  s1.markDown();
  assert.ok(await until(() => cli.d.connects === 2, 1000), 'reconnected within 1 s');
  assert.ok(Date.now() - t0 <= 1000);
  assert.deepEqual(cli.d.events, [`connect ${c.id}`, `remote-reset ${c.id}`, `connect ${c.id}`]);
  assert.equal(c.isConnected(), true, 'the same Connection object is connected again');
  const st = c.stats!;
  assert.deepEqual(
    { attempts: st.connectAttempts, idents: st.clientIdents, reconnects: st.reconnects, connectEvents: st.connectEvents },
    { attempts: 2, idents: 2, reconnects: 1, connectEvents: 2 },
  );
  const before = cli.d.log(c).count;
  c.send(ping('2'));
  assert.ok(await until(() => cli.d.log(c).count === before + 1, 1000), 'next round trip');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(cli.d.log(c).count, before + 1, 'round trip count 1');
  assert.equal(cli.d.log(c).payloads.at(-1), 're:2');
  assert.equal(cli.d.resets, 0);
  assert.equal(srv.d.accepts, 2, 'the server accepted a new session');
  assert.notEqual(srv.d.lastAccepted, s1);
  assert.deepEqual([...cli.d.violations, ...srv.d.violations], []);
  await shutdownClean(cli.m, srv.m);
});

test('msgr1 lossless_peer: idle fault → STANDBY on both sides; the next send reconnects (RETRY_SESSION, then replace) and delivers', async (t) => {
  let faultKeepalive = true;
  const interceptor = {
    intercept: (_c: number, bp: string) => (bp === 'KEEPALIVE2:w' && faultKeepalive ? ((faultKeepalive = false), 'FAULT' as const) : ('CONTINUE' as const)),
  };
  const b = await node(t, 'osd.0', Policy.lossless_peer(), { bind: 'v1:127.0.0.1:0', replies: true });
  const a = await node(t, 'osd.1', Policy.lossless_peer(), { bind: 'v1:127.0.0.1:0', msgr: { interceptor } });
  const steps: string[] = [];
  a.m.on('step', (_c: Connection, s: string) => steps.push(s));
  const c = a.m.connectTo(b.m.myAddrs.slice(), 'osd');
  c.send(ping('1'));
  assert.ok(await until(() => a.d.log(c).count === 1, 1000));
  const sb = b.d.lastAccepted!;
  c.sendKeepalive(); // its write faults: the socket dies while both sides are idle
  assert.ok(await until(() => c.state === 'STANDBY' && sb.state === 'STANDBY', 1000), `${c.state} / ${sb.state}`);
  const attempts = c.stats!.connectAttempts;
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(c.stats!.connectAttempts, attempts, 'no reconnect while idle in standby');
  c.send(ping('2'));
  assert.ok(await until(() => a.d.log(c).count === 2, 1000), 'delivered after the reconnect');
  assert.deepEqual(a.d.log(c).payloads, ['re:1', 're:2']);
  assert.deepEqual(b.d.log(sb).payloads, ['1', '2'], 'the same server Connection, exactly once');
  assert.ok(steps.includes('SESSION_RETRY'), 'equal connect_seq against a standby session → RETRY_SESSION');
  assert.ok(steps.includes('RETRY_GLOBAL'), 'then the standby session adopts the socket');
  assert.deepEqual([a.d.resets, a.d.remoteResets, b.d.resets, b.d.remoteResets], [0, 0, 0, 0]);
  await shutdownClean(a.m, b.m);
});
