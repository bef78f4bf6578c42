/**
 * S27 (crimson test_echo: 2 servers × 2 clients, 4 connections opened in parallel, 512 pings
 * each with keepalives at ratio 0.1) and S28(a) (pre-emptive shutdown of a client sending in a
 * tight loop), in the simulator and over real loopback TCP.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { MsgrError, isMsgrError } from '../../src/errors.ts';
import type { Connection } from '../../src/node/connection.ts';
import { WORLDS } from '../helpers/world.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';

const ROUNDS = 512;

for (const [kind, mk] of WORLDS) {
  describe(`S27 echo with keepalives, parallel connects [${kind}]`, () => {
    test(`2 servers x 2 clients, ${ROUNDS} pings per connection, keepalive ratio 0.1`, async () => {
      const w = mk();
      const t0 = Date.now();
      const servers = [];
      for (let i = 0; i < 2; i++) {
        const s = w.messenger({ name: `osd.${i}` });
        s.setDefaultPolicy(Policy.stateless_server());
        s.addDispatcher(new FakeDispatcher(true));
        const addrs = await s.bind('v2:127.0.0.1:0');
        await s.start();
        servers.push(addrs);
      }
      const rnd = new SeededRandom(42);
      const conns: Array<{ c: Connection; sent: number; keepalives: number; acks: number; over: boolean }> = [];
      for (let i = 0; i < 2; i++) {
        const cl = w.messenger({ name: `client.${i}` });
        cl.setDefaultPolicy(Policy.lossy_client());
        cl.addDispatcher({
          dispatch(_m, c) {
            const e = conns.find((x) => x.c === c)!;
            const s = session(c);
            s.count++;
            if (s.count > ROUNDS) e.over = true;
            if (e.sent < ROUNDS) send(e);
          },
        });
        cl.on('keepalive-ack', (c: Connection) => {
          const e = conns.find((x) => x.c === c);
          if (e) e.acks++;
        });
        await cl.start();
        for (const addrs of servers) conns.push({ c: cl.connectTo(addrs, 'osd'), sent: 0, keepalives: 0, acks: 0, over: false });
      }
      function send(e: (typeof conns)[number]): void {
        while (rnd.next() < 0.1) {
          e.c.sendKeepalive();
          e.keepalives++;
        }
        e.c.send(ping(String(e.sent++)));
      }
      // all four connections are opened in parallel: first ping on each right away
      for (const e of conns) send(e);
      assert.ok(await w.until(() => conns.every((e) => session(e.c).count >= ROUNDS), 20_000), 'all pongs');
      // keepalives requested while one is pending coalesce into one KEEPALIVE2 (Ceph's flag)
      const wire = (e: (typeof conns)[number]): number => e.c.stats?.keepalivesSent ?? 0;
      assert.ok(await w.until(() => conns.every((e) => e.acks >= wire(e)), 2000), 'all keepalives acked');
      await w.sleep(500);
      for (const e of conns) {
        assert.equal(session(e.c).count, ROUNDS, 'exactly 512 pongs');
        assert.equal(e.over, false);
        assert.equal(e.acks, wire(e), 'one ack per KEEPALIVE2 on the wire');
        assert.ok(wire(e) <= e.keepalives);
        assert.ok(e.c.isConnected(), 'still connected 500 ms after completion');
      }
      assert.ok(conns.some((e) => wire(e) > 0));
      await w.cleanup();
      if (kind === 'tcp') assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
    });
  });

  describe(`S28(a) pre-emptive shutdown [${kind}]`, () => {
    test('a client sending in a tight loop is shut down after 100 ms', async () => {
      const w = mk();
      const unhandled: unknown[] = [];
      const onUnhandled = (e: unknown): void => void unhandled.push(e);
      process.on('unhandledRejection', onUnhandled);
      try {
        const s = w.messenger({ name: 'osd.0' });
        s.setDefaultPolicy(Policy.stateless_server());
        s.addDispatcher(new FakeDispatcher(true));
        const addrs = await s.bind('v2:127.0.0.1:0');
        await s.start();
        const cl = w.messenger({ name: 'client.0' });
        cl.setDefaultPolicy(Policy.lossy_client());
        let replies = 0;
        cl.addDispatcher({ dispatch: () => void replies++ });
        await cl.start();
        const c = cl.connectTo(addrs, 'osd');
        let loopError: unknown;
        let sent = 0;
        let stop = false;
        const loop = (async () => {
          try {
            while (!stop) {
              c.send(ping('x'));
              sent++;
              if (sent % 16 === 0) await new Promise((r) => setImmediate(r));
            }
          } catch (e) {
            loopError = e;
          }
        })();
        await w.sleep(100);
        const t0 = Date.now();
        await cl.shutdown();
        await s.shutdown();
        const took = Date.now() - t0;
        await Promise.race([loop, new Promise((r) => setTimeout(r, 1000))]);
        stop = true;
        await loop;
        assert.ok(took < 1000, `shutdown took ${took} ms`);
        assert.ok(isMsgrError(loopError), 'the send loop ended with a defined error');
        assert.equal((loopError as MsgrError).code, 'ERR_STOPPED');
        assert.ok(sent > 0 && replies > 0, `sent ${sent}, replies ${replies}`);
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(unhandled, []);
        const res = await w.cleanup();
        for (const r of res) assert.equal(r.sockets + r.listeners + r.all + r.dispatchQueue + (r.timer ? 1 : 0), 0);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });
  });
}
