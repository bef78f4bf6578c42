/**
 * S17 — a missing SERVER_IDENT (Ceph's MissingServerIdenTest and MissingServerIdenTest2,
 * src/test/msgr/test_msgr.cc): the acceptor faults just before writing SERVER_IDENT while it has
 * a message queued on the half-accepted connection.
 *   (a) stateful_server / lossy_client: the client reconnects by itself; each side receives the
 *       other's message exactly once.
 *   (b) lossless_peer both, idle connector: the connector goes to STANDBY and the *acceptor*
 *       connects back; the acceptor's original Connection object carries its outgoing session.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { EntityType } from '../../src/encoding/types/entity-name.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { RuleInterceptor } from '../../src/testing/fault-interceptor.ts';
import type { Connection } from '../../src/node/connection.ts';
import { WORLDS } from '../helpers/world.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';
import { FAST, shutdownClean } from '../helpers/failover.ts';

for (const [kind, mk] of WORLDS) {
  describe(`S17 missing server ident [${kind}]`, () => {
    test('(a) stateful_server / lossy_client: the client reconnects, m1 and m2 exactly once', async () => {
      const w = mk();
      // B: the server, frozen before SERVER_IDENT; the test queues m2 on the accepted connection, then FAIL
      const ic = new RuleInterceptor();
      let accepted: Connection | undefined;
      const b = w.messenger({ name: 'osd.0', interceptor: ic, config: FAST });
      ic.onHit = (id, bp, n) => {
        if (bp !== 'SERVER_IDENT:w' || n !== 1) return undefined;
        accepted = b.handle(id);
        accepted.send(ping('m2'));
        return 'FAULT';
      };
      b.setPolicy('client', Policy.stateful_server());
      const bd = new FakeDispatcher(false);
      b.addDispatcher(bd);
      const baddrs = await b.bind('v2:127.0.0.1:0');
      await b.start();
      const a = w.messenger({ name: 'client.-1', config: FAST });
      a.setPolicy('osd', Policy.lossy_client());
      const ad = new FakeDispatcher(false);
      a.addDispatcher(ad);
      await a.start();

      const c = a.connectTo(baddrs, 'osd');
      c.send(ping('m1'));
      assert.ok(await w.until(() => bd.messages === 1 && ad.messages === 1 && c.isConnected() && !!accepted?.isConnected()));
      await w.sleep(50);
      assert.ok(accepted, 'B reached SERVER_IDENT');
      assert.deepEqual(bd.received, ['m1'], 'B got m1 exactly once');
      assert.deepEqual(ad.received, ['m2'], 'A got m2 exactly once');
      assert.equal(session(c).count, 1);
      assert.equal(session(accepted).count, 1, "m1 arrived on B's original accepted connection");
      assert.equal(c.peerType, EntityType.OSD);
      assert.equal(accepted.peerType, EntityType.CLIENT);
      assert.equal(c.stats!.connectAttempts, 2, 'A reconnected by itself once');
      assert.equal(accepted.stats!.acceptEvents, 2, "B's connection was announced again on the retry");
      assert.deepEqual([ad.resets, ad.remoteResets, bd.resets, bd.remoteResets], [0, 0, 0, 0]);
      assert.deepEqual([ad.violations, bd.violations], [[], []]);
      assert.deepEqual(ic.unfired(), []);
      await shutdownClean(w);
    });

    test('(b) lossless_peer both, idle connector: standby, the acceptor connects back', async () => {
      const w = mk();
      const ic = new RuleInterceptor();
      let accepted: Connection | undefined;
      const b = w.messenger({ name: 'osd.0', interceptor: ic, config: FAST });
      ic.onHit = (id, bp, n) => {
        if (bp !== 'SERVER_IDENT:w' || n !== 1) return undefined;
        accepted = b.handle(id);
        accepted.send(ping('m2'));
        return 'FAULT';
      };
      b.setDefaultPolicy(Policy.lossless_peer());
      const bd = new FakeDispatcher(false);
      b.addDispatcher(bd);
      const baddrs = await b.bind('v2:127.0.0.1:0');
      await b.start();
      const a = w.messenger({ name: 'osd.1', config: FAST });
      a.setDefaultPolicy(Policy.lossless_peer());
      const ad = new FakeDispatcher(false);
      a.addDispatcher(ad);
      await a.bind('v2:127.0.0.1:0');
      await a.start();
      const states: string[] = [];
      a.on('fault', () => queueMicrotask(() => states.push(c.state)));

      const c = a.connectTo(baddrs, 'osd'); // A queues nothing
      assert.ok(await w.until(() => ad.messages === 1 && c.isConnected() && !!accepted?.isConnected()));
      await w.sleep(50);
      assert.ok(accepted);
      assert.ok(states.includes('STANDBY'), `A went to standby (states after its faults: ${states})`);
      assert.equal(c.stats!.connectAttempts, 1, 'A did not reconnect: B connected back');
      assert.deepEqual(ad.received, ['m2'], 'A got m2 exactly once');
      assert.equal(session(c).count, 1);
      assert.equal(session(accepted).count, 0);
      assert.equal(accepted.isConnected(), true, "B's original accepted Connection is connected");
      assert.ok(accepted.stats!.connectAttempts >= 1, 'and carries B’s outgoing session');
      assert.equal(accepted.stats!.connectEvents, 1);
      assert.equal(b.connections().filter((x) => !x.isClosed).length, 1);
      assert.equal(a.connections().filter((x) => !x.isClosed).length, 1);
      assert.deepEqual([ad.resets, ad.remoteResets, bd.resets, bd.remoteResets], [0, 0, 0, 0]);
      assert.deepEqual([ad.violations, bd.violations], [[], []]);
      assert.deepEqual(ic.unfired(), []);
      await shutdownClean(w);
    });
  });
}
