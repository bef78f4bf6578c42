/**
 * S21 — stale connections overtaken (crimson test_v2_stale_* #27–#31, acceptance.md §3.3). A STALL
 * breakpoint lets a handshake step complete on the socket, then kills the socket and freezes the
 * protocol: a newer connection from the peer replaces it; when the stale protocol wakes up it
 * must neither emit events nor deliver messages of its own.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import { WORLDS } from '../helpers/world.ts';
import { FailoverSuite, assertResults, type ConnResult } from '../helpers/failover.ts';

const peers = { testPolicy: Policy.lossless_peer(), peerPolicy: Policy.lossless_peer() };

/** what the upper layer has seen so far (events per connection + messages) */
function seen(s: FailoverSuite): string {
  const ev = (r: ConnResult): string => `${r.connectDispatched}/${r.acceptDispatched}/${r.resetDispatched}/${r.remoteResetDispatched}`;
  return `${s.results.map(ev).join(' ')} | ${s.testGot.join(',')}`;
}

/**
 * Let the newer connection settle (the peer's op delivered), then unblock the stale protocol and
 * check it adds nothing (no event, no message).
 */
async function unblockQuietly(s: FailoverSuite): Promise<void> {
  assert.ok(await s.w.until(() => s.pendingReceive === 0 && s.pendingPeerReceive === 0), s.dump());
  await s.w.sleep(100);
  const before = seen(s);
  s.unblock();
  await s.w.sleep(300);
  assert.equal(seen(s), before, `the stale protocol emitted something after unblock\n${s.dump()}`);
}

for (const [kind, mk] of WORLDS) {
  describe(`S21 stale connections [${kind}]`, () => {
    test('#27 stale_connect: STALL at SERVER_IDENT:r', async () => {
      const s = await FailoverSuite.create(mk(), peers);
      s.ic.rules.stall('SERVER_IDENT:r', 1);
      s.connectPeer();
      await s.waitBlocked();
      s.peerSendMe();
      await s.waitReplaced(1);
      await unblockQuietly(s);
      await s.waitResults(2);
      assertResults(s.results, [
        { state: 'established', connect: [1, 1, 0, 0], accept: [0, 0, 0, 1] },
        { state: 'replaced', accept: [1, 1, 1, 0] },
      ]);
      assert.deepEqual(s.testGot, ['p1']);
      await s.check();
    });

    test('#28 stale_reconnect: FAULT at MESSAGE:w, STALL at SESSION_RECONNECT_OK:r', async () => {
      const s = await FailoverSuite.create(mk(), peers);
      s.ic.rules.fault('MESSAGE:w', 1).stall('SESSION_RECONNECT_OK:r', 1);
      s.sendPeer();
      s.connectPeer();
      await s.waitBlocked();
      s.peerSendMe();
      await s.waitReplaced(1);
      await unblockQuietly(s);
      await s.waitResults(2);
      assertResults(s.results, [
        { state: 'established', connect: [2, 1, 1, 1], accept: [0, 0, 0, 1] },
        { state: 'replaced', accept: [1, 0, 1, 0] },
      ]);
      assert.deepEqual([s.testGot, s.peerGot], [['p1'], ['t1']]);
      await s.check();
    });

    test('#29 stale_accept: STALL at CLIENT_IDENT:r', async () => {
      const s = await FailoverSuite.create(mk(), peers);
      s.ic.rules.stall('CLIENT_IDENT:r', 1);
      s.peerConnectMe();
      await s.waitBlocked();
      s.peerSendMe();
      await s.waitEstablished();
      assert.ok(await s.w.until(() => s.testGot.length === 1));
      await unblockQuietly(s);
      await s.waitResults(2);
      assertResults(s.results, [
        { state: 'closed', accept: [1, 1, 0, 0] },
        { state: 'established', accept: [1, 1, 0, 1] },
      ]);
      assert.deepEqual(s.testGot, ['p1']);
      await s.check();
    });

    test('#30 stale_establishing: STALL at SERVER_IDENT:w', async () => {
      const s = await FailoverSuite.create(mk(), peers);
      s.ic.rules.stall('SERVER_IDENT:w', 1);
      s.peerConnectMe();
      await s.waitBlocked();
      s.peerSendMe();
      await s.waitReplaced(1);
      await unblockQuietly(s);
      await s.waitResults(2);
      assertResults(s.results, [
        { state: 'established', accept: [1, 1, 0, 2] },
        { state: 'replaced', accept: [1, 0] },
      ]);
      assert.deepEqual(s.testGot, ['p1']);
      await s.check();
    });

    test('#31 stale_reaccept: FAULT at MESSAGE:r, STALL at SESSION_RECONNECT_OK:w for 210 ms', async () => {
      const s = await FailoverSuite.create(mk(), peers);
      s.ic.rules.fault('MESSAGE:r', 1).stall('SESSION_RECONNECT_OK:w', 1);
      s.peerSendMe();
      s.peerConnectMe();
      await s.waitBlocked();
      await s.w.sleep(210); // the broken replacing stays blocked
      s.unblock();
      await s.waitResults(3);
      assertResults(s.results, [
        { state: 'established', accept: [1, 1, 0, 3] },
        { state: 'replaced', accept: [1, 0, 1, 0] },
        { state: 'replaced', accept: [1, 0] },
      ]);
      assert.ok(s.results[2]!.serverReconnectAttempts >= 1, s.dump());
      assert.deepEqual(s.testGot, ['p1']);
      await s.check();
    });
  });
}
