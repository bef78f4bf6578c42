/**
 * S20 — reconnect races (Ceph's ReconnectRaceTest; crimson racing_reconnect_* and
 * racing_connect_reconnect_* #23–#26, acceptance.md §3.3). After a fault both lossless peers
 * send SESSION_RECONNECT at once; classic's handle_reconnect answers the one from the higher
 * address with WAIT (equal connect_seq) and resumes the session on the lower address's socket:
 * exactly one SESSION_RECONNECT_OK in total, the loser retries at most twice (the second time
 * only after a SESSION_RETRY), nothing lost or duplicated, resolved within 2 s.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import type { Breakpoint } from '../../src/core/interceptor.ts';
import { RuleInterceptor } from '../../src/testing/fault-interceptor.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { WORLDS, simWorld, type World } from '../helpers/world.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';
import { FailoverSuite, assertResults, debugLog, shutdownClean } from '../helpers/failover.ts';

/** Ceph's test_msgr runs with ms_max_backoff = 1 */
const CONF = { ms_initial_backoff: 0.2, ms_max_backoff: 1 };

/**
 * ReconnectRaceTest: A (the client side of the socket) faults while m2 is still unacked, B has
 * its reply to m2 queued or unacked: both reconnect at once. Ceph fails A in HANDLE_MESSAGE of
 * B's reply (B fast-dispatches, so the reply carries the only ack of m2); our FakeDispatcher
 * replies from the dispatch queue, so B's ACK(m2) frame goes out first and we fail A on reading
 * that ACK instead — the same state: A must resend m2, B must resend its reply.
 */
async function reconnectRace(w: World, aLower: boolean, skewMs: number): Promise<void> {
  const icA = new RuleInterceptor().fault('ACK:r', 2).block('SESSION_RECONNECT:w', 1);
  const icB = new RuleInterceptor().block('SESSION_RECONNECT:w', 1);
  const a = w.messenger({ name: 'osd.1', nonce: aLower ? 0x100 : 0x200, interceptor: icA, config: CONF, log: debugLog(w, 'A') });
  const b = w.messenger({ name: 'osd.0', nonce: aLower ? 0x200 : 0x100, interceptor: icB, config: CONF, log: debugLog(w, 'B') });
  a.setDefaultPolicy(Policy.lossless_peer());
  b.setDefaultPolicy(Policy.lossless_peer());
  const ad = new FakeDispatcher(false);
  const bd = new FakeDispatcher(true); // B answers every ping
  a.addDispatcher(ad);
  b.addDispatcher(bd);
  await a.bind('v2:127.0.0.1:0');
  const baddrs = await b.bind('v2:127.0.0.1:0');
  await a.start();
  await b.start();
  const c = a.connectTo(baddrs, 'osd');
  c.send(ping('m1'));
  assert.ok(await w.until(() => session(c).count === 1));
  c.send(ping('m2')); // A faults reading B's ack of m2
  assert.ok(await w.until(() => icA.blocked.length === 1 && icB.blocked.length === 1), 'both frozen before SESSION_RECONNECT');
  const bc = bd.lastAccepted!;
  const t0 = w.kind === 'sim' ? w.sim!.now : Date.now();
  const now = (): number => (w.kind === 'sim' ? w.sim!.now : Date.now());
  a.unblock(a.handle(icA.blocked[0]!));
  if (skewMs) await w.sleep(skewMs);
  b.unblock(b.handle(icB.blocked[0]!));
  const resolved = () => c.isConnected() && bc.isConnected() && session(c).count === 2;
  assert.ok(await w.until(resolved, 5_000), `reconnect race unresolved: ${c} ${bc}`);
  const took = now() - t0;
  assert.ok(took <= 2000, `resolution took ${took} ms`);
  await w.sleep(20);
  const why = `aLower=${aLower} skew=${skewMs}`;
  const [win, lose] = aLower ? [icA, icB] : [icB, icA];
  // exactly one RECONNECT_OK in total: the loser (higher address) accepted the winner's reconnect
  assert.equal(icA.hits('SESSION_RECONNECT_OK:w') + icB.hits('SESSION_RECONNECT_OK:w'), 1, why);
  assert.equal(lose.hits('SESSION_RECONNECT_OK:w'), 1, `${why}: the winner's reconnect was accepted by the loser`);
  assert.equal(lose.hits('SESSION_RECONNECT:w'), 1, `${why}: the loser tried once (then WAIT)`);
  // Ceph's ReconnectRaceTest: the winner sends SESSION_RECONNECT once or twice — twice when the
  // loser's WAIT fault already bumped its connect_seq (classic _fault: connect_seq++ when a
  // server_cookie exists) and it answered the winner's first attempt with SESSION_RETRY
  const winnerTries = win.hits('SESSION_RECONNECT:w');
  assert.ok(winnerTries >= 1 && winnerTries <= 2, `${why}: winner sent SESSION_RECONNECT ${winnerTries}x`);
  const retries = lose.hits('SESSION_RETRY:w') + lose.hits('SESSION_RETRY_GLOBAL:w');
  assert.equal(retries, winnerTries === 2 ? 1 : 0, `${why}: SESSION_RETRY count`);
  assert.equal(win.hits('SESSION_RETRY:w') + win.hits('SESSION_RETRY_GLOBAL:w'), 0, why);
  tally.set(`winner tries ${winnerTries}`, (tally.get(`winner tries ${winnerTries}`) ?? 0) + 1);
  // the session was resumed, not reset: m2's reply exactly once, seqs in order
  assert.deepEqual(session(c).payloads, ['re:m1', 're:m2'], why);
  assert.deepEqual(bd.received, ['m1', 'm2'], why);
  assert.deepEqual([ad.resets, ad.remoteResets, bd.resets, bd.remoteResets], [0, 0, 0, 0], why);
  assert.deepEqual([ad.violations, bd.violations], [[], []]);
  assert.equal(c.stats!.duplicates + bc.stats!.duplicates, 0);
  // and a message still gets through afterwards
  c.send(ping('m3'));
  assert.ok(await w.until(() => session(c).count === 3));
  assert.deepEqual([icA.unfired(), icB.unfired()], [[], []]);
  await shutdownClean(w);
}

/** how often the winner needed one or two SESSION_RECONNECTs (both paths must be exercised) */
const tally = new Map<string, number>();

describe('S20 ReconnectRaceTest, 100 runs [sim]', () => {
  test('random 0-5 ms skews, both address orderings, a seed per run', async () => {
    const rnd = new SeededRandom(20);
    tally.clear();
    for (let i = 0; i < 100; i++) {
      const w = simWorld({ seed: 2000 + i, splitWrites: true, latencyMs: 0.05 + rnd.next() });
      await reconnectRace(w, i % 2 === 0, Math.floor(rnd.next() * 500) / 100);
    }
    assert.ok((tally.get('winner tries 1') ?? 0) > 0 && (tally.get('winner tries 2') ?? 0) > 0, `paths: ${[...tally]}`);
  });
});

const EARLY_ACCEPT: Breakpoint[] = ['BANNER_WRITE', 'BANNER_READ', 'BANNER_PAYLOAD_READ', 'HELLO:w', 'HELLO:r', 'AUTH_REQUEST:r', 'AUTH_DONE:w', 'AUTH_SIGNATURE:w', 'AUTH_SIGNATURE:r'];
const EARLY_CONNECT: Breakpoint[] = ['BANNER_WRITE', 'BANNER_READ', 'BANNER_PAYLOAD_READ', 'HELLO:w', 'HELLO:r', 'AUTH_REQUEST:w', 'AUTH_DONE:r', 'AUTH_SIGNATURE:w', 'AUTH_SIGNATURE:r'];
const peers = { testPolicy: Policy.lossless_peer(), peerPolicy: Policy.lossless_peer() };

for (const [kind, mk] of WORLDS) {
  describe(`S20 ReconnectRaceTest [${kind}]`, () => {
    for (const aLower of [true, false]) {
      test(`both reconnect at once, ${aLower ? 'A' : 'B'} has the lower address`, async () => {
        await reconnectRace(mk(), aLower, 0);
      });
    }
  });

  describe(`S20 racing_reconnect (crimson #23-#26) [${kind}]`, () => {
    const winCases: Array<[Breakpoint, number]> = [...EARLY_ACCEPT.map((b): [Breakpoint, number] => [b, 2]), ['SESSION_RECONNECT:r', 1]];
    for (const [bp, round] of winCases) {
      test(`#23 Test wins: MESSAGE:r fault, peer's reconnect blocked at ${bp}(${round})`, async () => {
        const s = await FailoverSuite.create(mk(), { ...peers, testNonce: 2, peerNonce: 4 });
        s.ic.rules.fault('MESSAGE:r', 1).block(bp, round);
        s.peerSendMe();
        s.peerConnectMe();
        await s.waitBlocked();
        s.sendPeer();
        await s.waitEstablished();
        s.unblock();
        await s.waitResults(2);
        assertResults(s.results, [
          { state: 'established', connect: [1, 0, 1, 1], accept: [1, 1, 0, 1] },
          { state: 'closed', accept: [1, 0] },
        ]);
        assert.deepEqual([s.testGot, s.peerGot], [['p1'], ['t1']]);
        await s.check();
      });
    }
    const loseCases: Array<[Breakpoint, number]> = [...EARLY_CONNECT.map((b): [Breakpoint, number] => [b, 2]), ['SESSION_RECONNECT:w', 1]];
    for (const [bp, round] of loseCases) {
      test(`#24 peer wins: MESSAGE:w fault, Test's reconnect blocked at ${bp}(${round})`, async () => {
        const s = await FailoverSuite.create(mk(), { ...peers, testNonce: 4, peerNonce: 2 });
        s.ic.rules.fault('MESSAGE:w', 1).block(bp, round);
        s.sendPeer();
        s.connectPeer();
        await s.waitBlocked();
        s.peerSendMe();
        await s.waitReplaced(1);
        s.unblock();
        await s.waitResults(2);
        assertResults(s.results, [
          { state: 'established', connect: [2, 1], accept: [0, 0, 0, 1] },
          { state: 'replaced', accept: [1, 0, 1, 0] },
        ]);
        assert.deepEqual([s.testGot, s.peerGot], [['p1'], ['t1']]);
        await s.check();
      });
    }
    test('#25 racing_connect_reconnect_lose: SERVER_IDENT:r fault, retry blocked at CLIENT_IDENT:w(2)', async () => {
      const s = await FailoverSuite.create(mk(), peers);
      s.ic.rules.fault('SERVER_IDENT:r', 1).block('CLIENT_IDENT:w', 2);
      s.sendPeer();
      s.connectPeer();
      await s.waitBlocked();
      s.peerSendMe();
      await s.waitReplaced(1);
      s.unblock();
      await s.waitResults(2);
      assertResults(s.results, [
        { state: 'established', connect: [2, 2, 0, 0], accept: [0, 0, 0, 1] },
        { state: 'replaced', accept: [1, 1, 1, 0] },
      ]);
      assert.deepEqual([s.testGot, s.peerGot], [['p1'], ['t1']]);
      await s.check();
    });
    test("#26 racing_connect_reconnect_win: SERVER_IDENT:r fault, peer's reconnect blocked at SESSION_RECONNECT:r", async () => {
      const s = await FailoverSuite.create(mk(), peers);
      s.ic.rules.fault('SERVER_IDENT:r', 1).block('SESSION_RECONNECT:r', 1);
      s.peerSendMe();
      s.connectPeer();
      await s.waitBlocked();
      s.sendPeer();
      await s.waitEstablished();
      s.unblock();
      await s.waitResults(2);
      assertResults(s.results, [
        { state: 'established', connect: [2, 2, 0, 1] },
        { state: 'closed', accept: [1, 0, 1, 0] },
      ]);
      assert.deepEqual([s.testGot, s.peerGot], [['p1'], ['t1']]);
      await s.check();
    });
  });
}
