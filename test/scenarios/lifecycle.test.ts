/**
 * Acceptance scenarios S02 (basic lifecycle), S07 (anonymous connections), S08 (lossy client /
 * stateless server) — each run in the simulator (manual clock) and over real loopback TCP.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EntityType } from '../../src/encoding/types/entity-name.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { MsgrError } from '../../src/errors.ts';
import { WORLDS, type World } from '../helpers/world.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';

async function pair(w: World, serverPolicy = Policy.stateless_server(), clientPolicy = Policy.lossy_client()) {
  const srv = w.messenger({ name: 'osd.0' });
  srv.setDefaultPolicy(serverPolicy);
  const sd = new FakeDispatcher(true);
  srv.addDispatcher(sd);
  const addrs = await srv.bind('v2:127.0.0.1:0');
  await srv.start();
  const cli = w.messenger({ name: 'client.-1' });
  cli.setDefaultPolicy(clientPolicy);
  const cd = new FakeDispatcher(false);
  cli.addDispatcher(cd);
  await cli.start();
  return { srv, sd, cli, cd, addrs };
}

function assertClean(res: Awaited<ReturnType<World['cleanup']>>): void {
  for (const r of res) {
    assert.deepEqual(
      { sockets: r.sockets, listeners: r.listeners, timer: r.timer, dq: r.dispatchQueue, all: r.all, conns: r.conns, accepting: r.accepting, anon: r.anon },
      { sockets: 0, listeners: 0, timer: false, dq: 0, all: 0, conns: 0, accepting: 0, anon: 0 },
    );
  }
}

for (const [kind, mk] of WORLDS) {
  describe(`S02 basic lifecycle [${kind}]`, () => {
    test('ping, rebind avoiding ports, markDown, server shutdown, loopback', async () => {
      const w = mk();
      const t0 = Date.now();
      const { srv, cli, cd, addrs } = await pair(w);
      // 1) connect + 1 ping
      const c1 = cli.connectTo(addrs, 'osd');
      c1.send(ping('1'));
      assert.ok(await w.until(() => session(c1).count === 1), 'reply received');
      assert.equal(c1.isConnected(), true);
      assert.equal(c1.peerType, EntityType.OSD);
      assert.equal(session(c1).count, 1);
      // 2) rebind avoiding each current port and the 9 above it
      const avoid = new Set<number>();
      for (const a of srv.myAddrs) for (let p = a.port; p < a.port + 10; p++) avoid.add(p);
      const newAddrs = await srv.rebind(avoid);
      for (const a of newAddrs) assert.ok(!avoid.has(a.port), `port ${a.port} was to be avoided`);
      assert.notEqual(newAddrs[0]!.nonce, addrs[0]!.nonce, 'rebind takes a new nonce');
      const c2 = cli.connectTo(newAddrs, 'osd');
      assert.notEqual(c2, c1);
      c2.send(ping('2'));
      assert.ok(await w.until(() => session(c2).count === 1), 'reply on the rebound address');
      // 3) markDown: not connected immediately
      c2.markDown();
      assert.equal(c2.isConnected(), false);
      // 4) shut the server down and send again: not connected within 1 s
      const c3 = cli.connectTo(newAddrs, 'osd');
      c3.send(ping('3'));
      assert.ok(await w.until(() => session(c3).count === 1));
      await srv.shutdown();
      c3.send(ping('4'));
      assert.ok(await w.until(() => !c3.isConnected(), 1000), 'not connected within 1 s of server shutdown');
      // 5) loopback delivers one message whose source is ourselves
      const before = cd.messages;
      const lb = cli.getLoopbackConnection();
      lb.send(ping('self'));
      assert.ok(await w.until(() => cd.messages === before + 1));
      assert.equal(session(lb).count, 1);
      assert.deepEqual(lb.peerName, cli.myName);
      assert.deepEqual(cd.violations, []);
      assertClean(await w.cleanup());
      if (kind === 'tcp') assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
    });

    test('bind refuses after start; search honours the port range', async () => {
      const w = mk();
      const m = w.messenger({ name: 'osd.1', config: { ms_bind_port_min: 6900, ms_bind_port_max: 6905 } });
      const a = await m.bind('v2:127.0.0.1:0', { avoidPorts: [6900, 6901] });
      assert.ok(a[0]!.port >= 6902 && a[0]!.port <= 6905, `port ${a[0]!.port}`);
      await m.start();
      await assert.rejects(m.bind('v2:127.0.0.1:0'), (e: MsgrError) => e.code === 'ERR_ALREADY_STARTED');
      const m2 = w.messenger({ name: 'osd.2', config: { ms_bind_port_min: 6900, ms_bind_port_max: 6905 } });
      await assert.rejects(m2.bind('v2:127.0.0.1:0', { avoidPorts: [6900, 6901, 6902, 6903, 6904, 6905] }), (e: MsgrError) => e.code === 'ERR_BIND');
      assertClean(await w.cleanup());
    });
  });

  describe(`S07 anonymous connections [${kind}]`, () => {
    test('two anon connects are distinct on both sides', async () => {
      const w = mk();
      const { sd, cli, addrs } = await pair(w);
      const a = cli.connectTo(addrs, 'osd', { anon: true });
      const b = cli.connectTo(addrs, 'osd', { anon: true });
      assert.notEqual(a, b);
      a.send(ping('a1'));
      b.send(ping('b1'));
      assert.ok(await w.until(() => session(a).count === 1 && session(b).count === 1));
      assert.equal(sd.accepts, 2);
      a.send(ping('a2'));
      b.send(ping('b2'));
      assert.ok(await w.until(() => session(a).count === 2 && session(b).count === 2));
      const srvConns = new Set(sd.events.filter((e) => e.startsWith('accept')));
      assert.equal(srvConns.size, 2, 'two distinct server-side connections');
      a.markDown();
      b.markDown();
      assert.equal(a.isConnected(), false);
      assert.equal(b.isConnected(), false);
      assertClean(await w.cleanup());
    });
  });

  describe(`S08 lossy client / stateless server [${kind}]`, () => {
    test('client markDown + reconnect; server markDown; no automatic reconnect', async () => {
      const w = mk();
      const { sd, cli, cd, addrs } = await pair(w);
      const c1 = cli.connectTo(addrs, 'osd');
      c1.send(ping('x'));
      assert.ok(await w.until(() => session(c1).count === 1));
      const s1 = sd.lastAccepted!;
      // (a) client marks down, reconnects: server sees a new connection and one local reset
      c1.markDown();
      const c2 = cli.connectTo(addrs, 'osd');
      assert.notEqual(c2, c1);
      c2.send(ping('y'));
      assert.ok(await w.until(() => session(c2).count === 1 && sd.resets === 1));
      const s2 = sd.lastAccepted!;
      assert.notEqual(s2, s1);
      assert.equal(session(s2).count, 1);
      assert.equal(cd.resets, 0, 'a local markDown produces no reset event');
      // (b) server marks its connection down, client sends a keepalive: client closed, 1 reset
      s2.markDown();
      c2.sendKeepalive();
      assert.ok(await w.until(() => c2.isClosed, 1000), 'client connection closed within 1 s');
      assert.equal(cd.resets, 1);
      assert.equal(cd.remoteResets, 0);
      const attempts = c2.stats?.connectAttempts ?? 0;
      await w.sleep(2000);
      assert.equal(c2.stats?.connectAttempts ?? attempts, attempts, 'no automatic reconnect attempts');
      // (c) a fresh connection works
      const c3 = cli.connectTo(addrs, 'osd');
      c3.send(ping('z'));
      assert.ok(await w.until(() => session(c3).count === 1));
      assertClean(await w.cleanup());
    });
  });
}
