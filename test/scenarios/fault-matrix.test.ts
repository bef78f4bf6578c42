/**
 * S14 — the lossless fault matrix on the connector (crimson's lossless_connect_fault,
 * lossless_connected_fault(2); Ceph's ReconnectTest): a FAULT at one breakpoint while one op
 * flows each way must be healed transparently: everything delivered exactly once, no resets,
 * and the connection's counters match crimson's connect(attempts, idents, reconnects, events).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import type { Breakpoint } from '../../src/core/interceptor.ts';
import { RuleInterceptor } from '../../src/testing/fault-interceptor.ts';
import { WORLDS } from '../helpers/world.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';

interface Case {
  bp: Breakpoint;
  /** expected connect(attempts, client idents, reconnects, connect events) */
  expect: [number, number, number, number];
}

const CASES: Case[] = [
  { bp: 'CLIENT_IDENT:w', expect: [2, 2, 0, 1] },
  { bp: 'SERVER_IDENT:r', expect: [2, 2, 0, 1] },
  { bp: 'MESSAGE:w', expect: [2, 1, 1, 2] },
  { bp: 'MESSAGE:r', expect: [2, 1, 1, 2] },
  { bp: 'ACK:w', expect: [2, 1, 1, 2] },
  { bp: 'ACK:r', expect: [2, 1, 1, 2] },
  { bp: 'KEEPALIVE2:w', expect: [2, 1, 1, 2] },
  { bp: 'KEEPALIVE2:r', expect: [2, 1, 1, 2] },
  { bp: 'KEEPALIVE2_ACK:w', expect: [2, 1, 1, 2] },
  { bp: 'KEEPALIVE2_ACK:r', expect: [2, 1, 1, 2] },
];

for (const [kind, mk] of WORLDS) {
  describe(`S14 lossless fault matrix, connector [${kind}]`, () => {
    for (const k of CASES) {
      test(`FAULT at ${k.bp}: connect(${k.expect.join(',')}), exactly once, no resets`, async () => {
        const w = mk();
        const ic = new RuleInterceptor().fault(k.bp, 1);
        // Test (connector, lossless_client) and its peer (stateful_server); neither replies by itself
        const peer = w.messenger({ name: 'osd.4', config: { ms_initial_backoff: 0.05, ms_max_backoff: 0.2 } });
        peer.setDefaultPolicy(Policy.stateful_server());
        const pd = new FakeDispatcher(false);
        peer.addDispatcher(pd);
        const paddrs = await peer.bind('v2:127.0.0.1:0');
        await peer.start();
        const t = w.messenger({ name: 'osd.2', interceptor: ic, config: { ms_initial_backoff: 0.05, ms_max_backoff: 0.2 } });
        t.setDefaultPolicy(Policy.lossless_client());
        const td = new FakeDispatcher(false);
        t.addDispatcher(td);
        await t.start();
        let acks = 0;
        t.on('keepalive-ack', () => acks++);
        let peerAcks = 0;
        peer.on('keepalive-ack', () => peerAcks++);

        // connect → establish → send → keepalive → peer send → peer keepalive → send → peer send
        const c = t.connectTo(paddrs, 'osd');
        c.send(ping('t1'));
        assert.ok(await w.until(() => pd.messages === 1), 'peer got t1');
        const pc = pd.lastAccepted!;
        // a keepalive lost with a faulted socket is not replayed (as in Ceph): don't require its ack
        c.sendKeepalive();
        await w.until(() => acks >= 1, 300);
        pc.send(ping('p1'));
        assert.ok(await w.until(() => td.messages === 1), 'test got p1');
        pc.sendKeepalive();
        await w.until(() => peerAcks >= 1, 300);
        c.send(ping('t2'));
        pc.send(ping('p2'));
        assert.ok(await w.until(() => pd.messages === 2 && td.messages === 2 && c.isConnected()), 'all ops delivered');
        await w.sleep(50);

        assert.deepEqual(ic.unfired(), [], 'the breakpoint was reached');
        assert.deepEqual(session(c).payloads, ['p1', 'p2'], 'test side: exactly once, in order');
        assert.deepEqual(pd.received, ['t1', 't2'], 'peer side: exactly once, in order');
        const st = c.stats!;
        assert.deepEqual([st.connectAttempts, st.clientIdents, st.reconnects, st.connectEvents], k.expect);
        assert.deepEqual([td.resets, td.remoteResets, pd.resets, pd.remoteResets], [0, 0, 0, 0], 'no resets');
        assert.deepEqual([td.violations, pd.violations], [[], []]);
        assert.equal(c.stats!.duplicates + (pd.lastAccepted!.stats?.duplicates ?? 0), 0);
        if (k.expect[2] === 1) {
          // exactly one SESSION_RECONNECT sent and one RECONNECT_OK received
          assert.equal(ic.count(c.id, 'SESSION_RECONNECT:w'), 1);
          assert.equal(ic.count(c.id, 'SESSION_RECONNECT_OK:r'), 1);
        }
        await w.cleanup();
      });
    }
  });
}
