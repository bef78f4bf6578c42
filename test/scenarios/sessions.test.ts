/**
 * Acceptance scenarios S09 (lossless client / stateful server) and S10 (standby & peer reuse),
 * in the simulator and over real loopback TCP.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import { WORLDS, type World } from '../helpers/world.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';

async function setup(w: World, serverPolicy: Policy, clientPolicy: Policy, bindClient = false) {
  const srv = w.messenger({ name: 'osd.0', config: { ms_max_backoff: 1 } });
  srv.setDefaultPolicy(serverPolicy);
  const sd = new FakeDispatcher(true);
  srv.addDispatcher(sd);
  const saddrs = await srv.bind('v2:127.0.0.1:0');
  await srv.start();
  const cli = w.messenger({ name: bindClient ? 'osd.1' : 'client.-1', config: { ms_max_backoff: 1 } });
  cli.setDefaultPolicy(clientPolicy);
  const cd = new FakeDispatcher(false);
  cli.addDispatcher(cd);
  if (bindClient) await cli.bind('v2:127.0.0.1:0');
  await cli.start();
  return { srv, sd, cli, cd, saddrs };
}

for (const [kind, mk] of WORLDS) {
  describe(`S09 lossless client / stateful server [${kind}]`, () => {
    test('(a) client markDown + reconnect: server keeps the session, then 1 remote reset', async () => {
      const w = mk();
      const { sd, cli, cd, saddrs } = await setup(w, Policy.stateful_server(), Policy.lossless_client());
      const c1 = cli.connectTo(saddrs, 'osd');
      c1.send(ping('1'));
      assert.ok(await w.until(() => session(c1).count === 1));
      const s1 = sd.lastAccepted!;
      assert.equal(session(s1).count, 1);
      c1.markDown();
      // the server keeps its session for the client (stateful): same connection, in standby
      assert.ok(await w.until(() => s1.state === 'STANDBY'));
      assert.equal(session(s1).count, 1);
      const c2 = cli.connectTo(saddrs, 'osd');
      assert.notEqual(c2, c1);
      c2.send(ping('2'));
      assert.ok(await w.until(() => session(c2).count === 1));
      assert.equal(sd.remoteResets, 1, 'server sees exactly one remote reset');
      assert.equal(sd.lastAccepted, s1, 'server reused its connection object');
      assert.equal(session(s1).count, 1, 'counters restart with the new session');
      assert.deepEqual([cd.violations, sd.violations], [[], []]);
      await w.cleanup();
    });

    test('(b) server markDown: client gets 1 remote reset, reconnects the same Connection', async () => {
      const w = mk();
      const { sd, cli, cd, saddrs } = await setup(w, Policy.stateful_server(), Policy.lossless_client());
      const c = cli.connectTo(saddrs, 'osd');
      c.send(ping('1'));
      assert.ok(await w.until(() => session(c).count === 1));
      assert.equal(cd.connects, 1);
      sd.lastAccepted!.markDown();
      c.send(ping('2'));
      assert.ok(await w.until(() => cd.remoteResets === 1 && cd.connects === 2 && c.isConnected(), 1000), 'reconnected within 1 s');
      assert.equal(cd.remoteResets, 1);
      assert.equal(c.stats!.connectEvents, 2);
      assert.equal(c.stats!.reconnects, 1, 'tried SESSION_RECONNECT once (answered by SESSION_RESET)');
      c.send(ping('3'));
      assert.ok(await w.until(() => session(c).count === 1), 'next round trip after the reset counts 1');
      assert.equal(session(sd.lastAccepted!).count, 1);
      assert.deepEqual([cd.violations, sd.violations], [[], []]);
      await w.cleanup();
    });
  });

  describe(`S10 standby & peer reuse [${kind}]`, () => {
    for (const [pname, pol] of [
      ['lossless_peer', Policy.lossless_peer()],
      ['lossless_peer_reuse', Policy.lossless_peer_reuse()],
    ] as const) {
      test(`connector side, ${pname}: peer marks down, we stand by, first send reconnects`, async () => {
        const w = mk();
        const { sd, cli, cd, saddrs } = await setup(w, pol, pol, true);
        const c = cli.connectTo(saddrs, 'osd');
        c.send(ping('1'));
        assert.ok(await w.until(() => session(c).count === 1));
        sd.lastAccepted!.markDown();
        assert.ok(await w.until(() => c.state === 'STANDBY'), `state ${c.state}`);
        const attempts = c.stats!.connectAttempts;
        await w.sleep(2000);
        assert.equal(c.stats!.connectAttempts, attempts, 'no connect attempts while idle in standby');
        assert.equal(c.state, 'STANDBY');
        c.send(ping('best-effort'));
        assert.ok(await w.until(() => c.isConnected(), 1000), 'first send reconnects within 1 s');
        // the peer had dropped the session: our queued message went with it (remote reset)
        assert.ok(await w.until(() => cd.remoteResets === 1));
        c.send(ping('2'));
        assert.ok(await w.until(() => session(c).count >= 1 && session(c).payloads.includes('re:2')));
        await w.cleanup();
      });

      test(`acceptor side, ${pname}: peer reconnects with a new session; remote reset only with resetcheck`, async () => {
        const w = mk();
        // "Test" is the server here (acceptor); the peer connects to it
        const { srv, sd, cli, saddrs } = await setup(w, pol, pol, true);
        const p1 = cli.connectTo(saddrs, 'osd');
        p1.send(ping('1'));
        assert.ok(await w.until(() => session(p1).count === 1));
        const t0 = sd.lastAccepted!;
        p1.markDown();
        assert.ok(await w.until(() => t0.state === 'STANDBY'));
        const p2 = cli.connectTo(saddrs, 'osd');
        p2.send(ping('2'));
        assert.ok(await w.until(() => session(p2).count === 1));
        assert.equal(sd.lastAccepted, t0, 'the acceptor reused its original connection');
        assert.equal(t0.stats!.acceptEvents, 2, 'accept dispatched twice on the original connection');
        assert.equal(sd.remoteResets, pol.resetcheck ? 1 : 0);
        assert.equal(srv.connections().filter((c) => !c.isClosed).length, 1);
        await w.cleanup();
      });
    }
  });
}
