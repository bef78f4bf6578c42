/**
 * Acceptance scenario S29 (identity / nonce handling; Ceph PR #58673, tracker 67033): a peer
 * restarts on the same ip:port with (a) a new random nonce, (b) the same nonce — in the simulator
 * and over real loopback TCP — and nonces are random by default.
 *
 * Behaviour (Ceph's): a session is resumed only when the peer still knows it (SESSION_RECONNECT
 * with matching cookies); a restarted peer does not, so the lossless side is told with exactly one
 * remote reset and its stale queue is discarded, never delivered to the new incarnation. With a new
 * nonce the old address is simply not the new peer's (CLIENT_IDENT to it is refused): the
 * application must connect to the new address vector, and that new session delivers.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import { Messenger } from '../../src/node/messenger.ts';
import { WORLDS, type World } from '../helpers/world.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';

async function server(w: World, port: number, nonce?: number): Promise<{ srv: Messenger; sd: FakeDispatcher }> {
  const srv = w.messenger({ name: 'osd.0', config: { ms_max_backoff: 0.5 }, ...(nonce !== undefined ? { nonce } : {}) });
  srv.setDefaultPolicy(Policy.stateful_server());
  const sd = new FakeDispatcher(true);
  srv.addDispatcher(sd);
  await srv.bind(`v2:127.0.0.1:${port}`);
  await srv.start();
  return { srv, sd };
}

async function client(w: World, nonce?: number): Promise<{ cli: Messenger; cd: FakeDispatcher }> {
  const cli = w.messenger({ name: 'client.7', config: { ms_max_backoff: 0.5 }, ...(nonce !== undefined ? { nonce } : {}) });
  cli.setDefaultPolicy(Policy.lossless_client());
  const cd = new FakeDispatcher(false);
  cli.addDispatcher(cd);
  await cli.start();
  return { cli, cd };
}

/** Run a scenario in a fresh world; its messengers are shut down whatever happens. */
function inWorld(mk: () => World, body: (w: World) => Promise<void>): () => Promise<void> {
  return async () => {
    const w = mk();
    try {
      await body(w);
    } finally {
      await w.cleanup();
    }
  };
}

for (const [kind, mk] of WORLDS) {
  describe(`S29 identity / nonce [${kind}]`, () => {
    test('(a) server restarts on the same ip:port with a new random nonce: 1 remote reset, old address refused, new session delivers', inWorld(mk, async (w) => {
      const { srv: s1, sd: sd1 } = await server(w, 0);
      const port = s1.myAddrs[0]!.port;
      const { cli, cd } = await client(w);
      const c = cli.connectTo(s1.myAddrs.slice(), 'osd');
      c.send(ping('a1'));
      assert.ok(await w.until(() => session(c).count === 1));
      await s1.shutdown();
      const { srv: s2, sd: sd2 } = await server(w, port);
      assert.notEqual(s2.nonce, s1.nonce, 'a restarted messenger draws a new nonce');
      assert.equal(s2.myAddrs[0]!.port, port);
      c.send(ping('a2')); // queued on the session with the old incarnation
      assert.ok(await w.until(() => cd.remoteResets === 1, 5000), 'the lossless client is told its session is gone');
      await w.sleep(2000);
      assert.equal(cd.remoteResets, 1, 'exactly one remote reset');
      assert.equal(c.isConnected(), false, 'the old address (old nonce) is not the new server: never ready');
      assert.equal(sd2.accepts, 0, 'the new incarnation accepted no session for the old address');
      assert.deepEqual(sd2.received, [], 'nothing of the stale session reached the new server');
      // the application learns the new address vector and connects to it
      const c2 = cli.connectTo(s2.myAddrs.slice(), 'osd');
      assert.notEqual(c2, c);
      c2.send(ping('b1'));
      assert.ok(await w.until(() => session(c2).count === 1), 'the new session delivers');
      c.markDown();
      await w.sleep(100);
      assert.deepEqual(sd2.received, ['b1']);
      assert.deepEqual(sd1.received, ['a1']);
      assert.deepEqual([cd.violations, sd2.violations], [[], []]);
    }));

    test('(b) server restarts with the same nonce: no stale resume (1 remote reset), the same Connection gets a fresh session', inWorld(mk, async (w) => {
      const { srv: s1 } = await server(w, 0);
      const port = s1.myAddrs[0]!.port;
      const nonce = s1.nonce;
      const { cli, cd } = await client(w);
      const c = cli.connectTo(s1.myAddrs.slice(), 'osd');
      c.send(ping('a1'));
      assert.ok(await w.until(() => session(c).count === 1));
      await s1.shutdown();
      const { srv: s2, sd: sd2 } = await server(w, port, nonce);
      assert.deepEqual(s2.myAddrs, s1.myAddrs, 'identical address vector');
      c.send(ping('a2'));
      assert.ok(await w.until(() => cd.remoteResets === 1 && c.isConnected(), 5000), 'reset, then a new session on the same Connection');
      // SESSION_RECONNECT found no session (cookies unknown): the queue went with the reset
      assert.equal(cd.remoteResets, 1);
      c.send(ping('a3'));
      assert.ok(await w.until(() => session(c).count === 1 && session(c).payloads.includes('re:a3')));
      await w.sleep(100);
      assert.deepEqual(sd2.received, ['a3'], 'the new incarnation got no stale message and no replay');
      assert.equal(sd2.accepts, 1);
      assert.deepEqual([cd.violations, sd2.violations], [[], []]);
    }));

    test('(b) client restarts with the same nonce: the stateful server resets the old session once and serves the new one', inWorld(mk, async (w) => {
      const { srv, sd } = await server(w, 0);
      const nonce = 0x5eed1234;
      const { cli: c1 } = await client(w, nonce);
      const x = c1.connectTo(srv.myAddrs.slice(), 'osd');
      x.send(ping('1'));
      assert.ok(await w.until(() => session(x).count === 1));
      const s1 = sd.lastAccepted!;
      await c1.shutdown();
      assert.ok(await w.until(() => s1.state === 'STANDBY'));
      s1.send(ping('stale')); // the server queues for the old incarnation
      const { cli: c2, cd: cd2 } = await client(w, nonce);
      const y = c2.connectTo(srv.myAddrs.slice(), 'osd');
      y.send(ping('2'));
      assert.ok(await w.until(() => session(y).count === 1 && cd2.received.includes('re:2')));
      await w.sleep(200);
      assert.equal(sd.remoteResets, 1, 'the lossless (server) side sees exactly one remote reset');
      assert.equal(sd.lastAccepted, s1, 'the registered connection object is reused for the new session');
      assert.ok(!cd2.received.includes('stale'), 'the stale queue was not delivered to the new incarnation');
      assert.equal(cd2.remoteResets, 0);
    }));

    test('(a) client restarts with a new nonce: a separate session; the old one is not resumed', inWorld(mk, async (w) => {
      const { srv, sd } = await server(w, 0);
      const { cli: c1 } = await client(w);
      const x = c1.connectTo(srv.myAddrs.slice(), 'osd');
      x.send(ping('1'));
      assert.ok(await w.until(() => session(x).count === 1));
      const s1 = sd.lastAccepted!;
      await c1.shutdown();
      const { cli: c2, cd: cd2 } = await client(w);
      assert.notEqual(c2.nonce, c1.nonce);
      const y = c2.connectTo(srv.myAddrs.slice(), 'osd');
      y.send(ping('2'));
      assert.ok(await w.until(() => cd2.received.includes('re:2')));
      assert.notEqual(sd.lastAccepted, s1, 'a different peer identity: a new server-side session');
      assert.equal(session(sd.lastAccepted!).count, 1);
      assert.equal(sd.remoteResets, 0, 'nothing resumed or reset: the old session just waits in STANDBY (Ceph: until marked down)');
      assert.equal(s1.state, 'STANDBY');
    }));
  });
}

test('nonces are random by default (>= 32 bits of entropy, never pid-like)', () => {
  const ns = Array.from({ length: 256 }, () => Messenger.create({ name: 'osd.1' }).nonce);
  assert.equal(new Set(ns).size, ns.length, 'all distinct');
  const or = ns.reduce((a, b) => (a | b) >>> 0, 0);
  const and = ns.reduce((a, b) => (a & b) >>> 0, 0xffffffff);
  assert.equal(or, 0xffffffff, 'every one of the 32 bits is set in some nonce');
  assert.equal(and, 0, 'and clear in some nonce');
  assert.ok(ns.every((n) => n !== 0 && n !== process.pid && n !== 1), 'never 0, 1 or the pid');
  assert.ok(ns.filter((n) => n < 65536).length < 8, 'not small numbers');
});
