/**
 * msgr1 over real loopback TCP, TypeScript on both ends:
 *  S02 basic lifecycle (stateless server replying / lossy client; ping, rebind, markDown, server
 *      shutdown, loopback) on a v1-only server;
 *  S03 dual-stack bind and protocol selection (v2-capable client → msgr2, ms_connect_msgr1 →
 *      msgr1, 100 ping/pong each) and a msgr2-only dialler against a v1-only server.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddrType, formatAddr } from '../../src/encoding/types/entity-addr.ts';
import { EntityType } from '../../src/encoding/types/entity-name.ts';
import { Policy } from '../../src/core/session/policy.ts';
import type { MsgrError } from '../../src/errors.ts';
import type { Connection } from '../../src/node/connection.ts';
import { node, ping, protoVersion, shutdownClean, until } from './helpers.ts';

test('S02 msgr1 basic lifecycle: ping, rebind avoiding ports, markDown, server shutdown, loopback', async (t) => {
  const t0 = Date.now();
  const srv = await node(t, 'osd.0', Policy.stateless_server(), { bind: 'v1:127.0.0.1:0', replies: true });
  const cli = await node(t, 'client.-1', Policy.lossy_client());
  const addrs = srv.m.myAddrs.slice();
  assert.deepEqual(addrs.map((a) => a.type), [AddrType.LEGACY]);
  const faults: string[] = [];
  cli.m.on('fault', (_c: Connection, e: MsgrError) => faults.push(e.code));

  // 1) connect + 1 ping → 1 reply, over msgr1
  const c1 = cli.m.connectTo(addrs, 'osd');
  c1.send(ping('1'));
  assert.ok(await until(() => cli.d.log(c1).count === 1, 1000), 'reply received');
  assert.equal(protoVersion(c1), 1);
  assert.equal(c1.isConnected(), true);
  assert.equal(c1.state, 'OPENED');
  assert.equal(c1.peerType, EntityType.OSD);
  assert.equal(c1.lossy, true);
  assert.deepEqual(cli.d.log(c1).payloads, ['re:1']);
  assert.equal(srv.d.accepts, 1, 'one session on the server');
  assert.equal(srv.d.messages, 1);
  // the unbound client learned its IP from the server's "peer addr for me"
  assert.equal(cli.m.myAddrs[0]!.ip, '127.0.0.1');

  // 2) rebind avoiding each current port and the 9 above it
  const avoid = new Set<number>();
  for (const a of addrs) for (let p = a.port; p < a.port + 10; p++) avoid.add(p);
  const newAddrs = await srv.m.rebind(avoid);
  for (const a of newAddrs) assert.ok(!avoid.has(a.port), `port ${a.port} was to be avoided`);
  assert.notEqual(newAddrs[0]!.nonce, addrs[0]!.nonce, 'rebind takes a new nonce');
  const c2 = cli.m.connectTo(newAddrs, 'osd');
  assert.notEqual(c2, c1);
  c2.send(ping('2'));
  assert.ok(await until(() => cli.d.log(c2).count === 1, 1000), 'reply on the rebound address');
  assert.equal(protoVersion(c2), 1);

  // 3) markDown: not connected at once, no reset event for a local close
  const resetsBefore = cli.d.resets;
  c2.markDown();
  assert.equal(c2.isConnected(), false);
  assert.equal(c2.isClosed, true);

  // 4) server shutdown: a connected client notices within 1 s (lossy: closed with a reset)
  const c3 = cli.m.connectTo(newAddrs, 'osd');
  c3.send(ping('3'));
  assert.ok(await until(() => cli.d.log(c3).count === 1, 1000));
  await srv.m.shutdown();
  const tDown = Date.now();
  c3.send(ping('4'));
  assert.ok(await until(() => !c3.isConnected(), 1000), 'not connected within 1 s of the server shutdown');
  assert.ok(Date.now() - tDown <= 1000);
  assert.ok(await until(() => c3.isClosed, 1000));
  assert.equal(cli.d.resets, resetsBefore + 1, 'the lossy connection reports exactly one reset');
  assert.equal(cli.d.log(c3).count, 1);

  // 5) loopback: delivered to ourselves with our own name as source
  const self = cli.m.getLoopbackConnection();
  const got: string[] = [];
  cli.d.onMessage = (m, c) => {
    if (c.isLoopback) got.push(`${m.src?.type}.${m.src?.num}:${m.data.toString()}`);
  };
  self.send(ping('self'));
  assert.ok(await until(() => got.length === 1, 1000));
  assert.deepEqual(got, [`${cli.m.myName.type}.${cli.m.myName.num}:self`]);

  assert.deepEqual(cli.d.violations, []);
  assert.deepEqual(srv.d.violations, []);
  assert.deepEqual(cli.d.refused, []);
  assert.ok(faults.every((f) => f === 'ERR_CONNECTION_CLOSED' || f === 'ERR_SOCKET'), `only the shutdown faults: ${faults}`);
  await shutdownClean(cli.m, srv.m);
  assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
});

async function pingPong(c: Connection, count: (c: Connection) => number, n: number): Promise<void> {
  for (let i = 0; i < n; i++) c.send(ping(String(i)));
  assert.ok(await until(() => count(c) === n, 3000), `${n} replies (got ${count(c)})`);
}

test('S03 dual-stack server: msgr2 for a v2-capable client, msgr1 with ms_connect_msgr1, 100 ping/pong each', async (t) => {
  const srv = await node(t, 'osd.0', Policy.stateless_server(), { bind: '[v2:127.0.0.1:0,v1:127.0.0.1:0]', replies: true });
  const addrs = srv.m.myAddrs.slice();
  assert.deepEqual(addrs.map((a) => a.type), [AddrType.MSGR2, AddrType.LEGACY]);
  const a = await node(t, 'client.-1', Policy.lossy_client());
  const b = await node(t, 'client.-1', Policy.lossy_client(), { msgr: { config: { ms_connect_msgr1: true } } });
  const errors: string[] = [];
  for (const m of [srv.m, a.m, b.m]) m.on('fault', (c: Connection, e: MsgrError) => errors.push(`${c} ${e.code}`));

  const ca = a.m.connectTo(addrs, 'osd');
  const cb = b.m.connectTo(addrs, 'osd');
  await Promise.all([pingPong(ca, (c) => a.d.log(c).count, 100), pingPong(cb, (c) => b.d.log(c).count, 100)]);
  assert.equal(protoVersion(ca), 2, 'the v2-capable client negotiated msgr2');
  assert.equal(protoVersion(cb), 1, 'the client forced to v1 negotiated msgr1');
  assert.equal(formatAddr(cb.core!.targetAddr!), formatAddr(addrs[1]!), 'msgr1 dialled the v1 address');
  assert.deepEqual(
    srv.m.connections().map((c) => protoVersion(c)).sort(),
    [1, 2],
    'the server holds one msgr2 and one msgr1 session',
  );
  for (const d of [a.d, b.d]) {
    assert.deepEqual(d.log([...d.perConn.keys()][0]!).payloads, Array.from({ length: 100 }, (_, i) => `re:${i}`), 'in order');
    assert.deepEqual([d.resets, d.remoteResets, d.refused.length, d.violations.length], [0, 0, 0, 0]);
  }
  assert.equal(srv.d.messages, 200);
  assert.deepEqual(errors, [], '0 errors');
  await shutdownClean(a.m, b.m, srv.m);
});

test('S03 a msgr2-only dialler against a v1-only server fails within 1 s, 0 dispatches', async (t) => {
  const srv = await node(t, 'osd.0', Policy.stateless_server(), { bind: 'v1:127.0.0.1:0', replies: true });
  const v1 = srv.m.myAddrs[0]!;
  const cli = await node(t, 'client.-1', Policy.lossy_client());
  const faults: Array<{ code: string; at: number }> = [];
  const srvFaults: string[] = [];
  cli.m.on('fault', (_c: Connection, e: MsgrError) => faults.push({ code: e.code, at: Date.now() }));
  srv.m.on('fault', (_c: Connection, e: MsgrError) => srvFaults.push(e.code));
  const t0 = Date.now();
  // the dialler only speaks msgr2: it takes the server's port for a v2 endpoint
  const c = cli.m.connectTo([{ ...v1, type: AddrType.MSGR2 }], 'osd');
  c.send(ping('x'));
  assert.equal(protoVersion(c), 2);
  assert.ok(await until(() => faults.length > 0, 1000), 'a fault within 1 s');
  assert.equal(faults[0]!.code, 'ERR_BANNER_MSGR1', 'the error says the peer speaks msgr1');
  assert.ok(faults[0]!.at - t0 <= 1000);
  assert.ok(await until(() => srvFaults.length > 0, 1000));
  assert.equal(srvFaults[0], 'ERR_BANNER_MSGR1', 'the v1 server saw a msgr2 banner');
  assert.equal(c.isConnected(), false);
  assert.equal(cli.d.messages + srv.d.messages, 0, '0 dispatches');
  assert.equal(cli.d.connects + srv.d.accepts, 0);
  await shutdownClean(cli.m, srv.m);
});
