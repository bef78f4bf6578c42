/**
 * S18 — simultaneous connect races (Ceph's ConnectionRaceTest; crimson racing_connect_* #21/#22,
 * acceptance.md §3.3). Two lossless peers dial each other at once; classic's rule
 * (handle_existing_connection) keeps the connection initiated by the LOWER v2 address (compareAddr:
 * Ceph's memcmp order) and moves its socket into the other side's existing Connection object,
 * so both user-held Connections end up connected over one socket, with nothing lost.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AddrType, compareAddr, pickAddr } from '../../src/encoding/types/entity-addr.ts';
import { EntityType } from '../../src/encoding/types/entity-name.ts';
import { Policy } from '../../src/core/session/policy.ts';
import type { Breakpoint } from '../../src/core/interceptor.ts';
import { RuleInterceptor } from '../../src/testing/fault-interceptor.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { WORLDS, simWorld, type World } from '../helpers/world.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';
import { FAST, FailoverSuite, assertResults, shutdownClean } from '../helpers/failover.ts';

interface RaceRun {
  /** A's nonce is the lower one (A's address sorts first) */
  aLower: boolean;
  /** release B first, then A after `skewMs` (else A first) */
  bFirst: boolean;
  skewMs: number;
}

/**
 * One ConnectionRaceTest: both frozen before CLIENT_IDENT, released with a skew. Returns which
 * path the race took (did the loser get WAIT, did each side read the other's CLIENT_IDENT).
 */
async function connectionRace(w: World, run: RaceRun): Promise<string> {
  const [na, nb] = run.aLower ? [0x100, 0x200] : [0x200, 0x100];
  const mk = async (name: string, nonce: number) => {
    const ic = new RuleInterceptor().block('CLIENT_IDENT:w', 1);
    const m = w.messenger({ name, nonce, interceptor: ic, config: FAST });
    m.setDefaultPolicy(Policy.lossless_peer_reuse());
    const d = new FakeDispatcher(false);
    m.addDispatcher(d);
    const addrs = await m.bind('v2:127.0.0.1:0');
    await m.start();
    return { m, ic, d, addrs };
  };
  const A = await mk('osd.1', na);
  const B = await mk('osd.2', nb);
  const aLow = compareAddr(pickAddr(A.addrs, AddrType.MSGR2)!, pickAddr(B.addrs, AddrType.MSGR2)!) < 0;
  assert.equal(aLow, run.aLower, 'the nonces decide the address order');
  const ab = A.m.connectTo(B.addrs, 'osd');
  ab.send(ping('from-a'));
  const ba = B.m.connectTo(A.addrs, 'osd');
  ba.send(ping('from-b'));
  assert.ok(await w.until(() => A.ic.blocked.length === 1 && B.ic.blocked.length === 1), 'both frozen before CLIENT_IDENT');
  const t0 = Date.now();
  const [first, second] = run.bFirst ? [B, A] : [A, B];
  first.m.unblock(first.m.handle(first.ic.blocked[0]!));
  if (run.skewMs > 0) await w.sleep(run.skewMs);
  second.m.unblock(second.m.handle(second.ic.blocked[0]!));
  const done = () => ab.isConnected() && ba.isConnected() && session(ab).count === 1 && session(ba).count === 1;
  assert.ok(await w.until(done, 10_000), `race did not resolve: ${ab} ${ba}`);
  await w.sleep(20);
  if (w.kind === 'tcp') assert.ok(Date.now() - t0 < 10_000);
  const why = `run ${JSON.stringify(run)}`;
  // each side got exactly the other's message, on the Connection the user holds
  assert.deepEqual([session(ab).payloads, session(ba).payloads], [['from-b'], ['from-a']], why);
  assert.equal(ab.peerType, EntityType.OSD);
  assert.equal(ba.peerType, EntityType.OSD);
  // the winner is the connection initiated by the lower address: its side connected (connect
  // event), the other side's Connection took over the winner's socket (accept event)
  const [lo, hi] = aLow ? [ab, ba] : [ba, ab];
  assert.deepEqual([lo.stats!.connectEvents, lo.stats!.acceptEvents], [1, 0], `${why}: lower side connected`);
  assert.deepEqual([hi.stats!.connectEvents, hi.stats!.acceptEvents], [0, 1], `${why}: higher side adopted the winner's socket`);
  // exactly one socket survives the pair; every other connection is closed or replaced
  for (const x of [A, B]) {
    const live = x.m.connections().filter((c) => !c.isClosed);
    assert.equal(live.length, 1, `${why}: one live connection`);
    assert.equal(x.m.resources().sockets, 1, `${why}: one socket`);
  }
  if (w.sim) assert.equal(w.sim.openSockets, 2, `${why}: one TCP connection (two ends)`);
  assert.deepEqual([A.d.resets, A.d.remoteResets, B.d.resets, B.d.remoteResets], [0, 0, 0, 0], why);
  assert.deepEqual([A.d.violations, B.d.violations], [[], []]);
  assert.equal(ab.stats!.duplicates + ba.stats!.duplicates, 0);
  assert.deepEqual([A.ic.unfired(), B.ic.unfired()], [[], []]);
  const [L, H] = aLow ? [A, B] : [B, A];
  const path = `loser got WAIT ${H.ic.hits('WAIT:r')}, idents read: winner side ${L.ic.hits('CLIENT_IDENT:r')} loser side ${H.ic.hits('CLIENT_IDENT:r')}`;
  await shutdownClean(w);
  return path;
}

describe('S18 ConnectionRaceTest, 500 runs [sim]', () => {
  test('random 0-5 ms skews, both release orders, both address orderings, a seed per run', async () => {
    const rnd = new SeededRandom(18);
    const paths = new Map<string, number>();
    for (let i = 0; i < 500; i++) {
      const run: RaceRun = { aLower: i % 2 === 0, bFirst: rnd.next() < 0.5, skewMs: Math.floor(rnd.next() * 6 * 100) / 100 };
      const w = simWorld({ seed: 1000 + i, splitWrites: true, latencyMs: 0.05 + rnd.next() * 1.5 });
      const path = await connectionRace(w, run);
      paths.set(path, (paths.get(path) ?? 0) + 1);
    }
    // the runs really raced: the loser was told to WAIT, or its CLIENT_IDENT crossed the winner's
    const seen = [...paths.keys()];
    assert.ok(seen.some((p) => p.startsWith('loser got WAIT 1')), `paths: ${seen}`);
    assert.ok(seen.some((p) => p.endsWith('winner side 1 loser side 1') && p.startsWith('loser got WAIT 0')), `paths: ${seen}`);
    assert.ok(seen.some((p) => p.endsWith('winner side 0 loser side 1')), `paths: ${seen}`);
  });
});

const ACCEPT_POINTS: Breakpoint[] = [
  'BANNER_WRITE', 'BANNER_READ', 'BANNER_PAYLOAD_READ', 'HELLO:w', 'HELLO:r',
  'AUTH_REQUEST:r', 'AUTH_DONE:w', 'AUTH_SIGNATURE:w', 'AUTH_SIGNATURE:r', 'CLIENT_IDENT:r',
];
const CONNECT_POINTS: Breakpoint[] = [
  'SOCKET_CONNECTING', 'BANNER_WRITE', 'BANNER_READ', 'BANNER_PAYLOAD_READ', 'HELLO:w', 'HELLO:r',
  'AUTH_REQUEST:w', 'AUTH_DONE:r', 'AUTH_SIGNATURE:w', 'AUTH_SIGNATURE:r', 'CLIENT_IDENT:w',
];

for (const [kind, mk] of WORLDS) {
  describe(`S18 ConnectionRaceTest [${kind}]`, () => {
    for (const aLower of [true, false]) {
      test(`frozen before CLIENT_IDENT, released together, ${aLower ? 'A' : 'B'} has the lower address`, async () => {
        await connectionRace(mk(), { aLower, bFirst: false, skewMs: 0 });
      });
    }
  });

  describe(`S18 racing_connect (crimson #21/#22) [${kind}]`, () => {
    for (const bp of ACCEPT_POINTS) {
      test(`#21 Test wins (lower address): Test's acceptor blocked at ${bp}`, async () => {
        const s = await FailoverSuite.create(mk(), { testPolicy: Policy.lossless_peer(), peerPolicy: Policy.lossless_peer(), testNonce: 2, peerNonce: 4 });
        assert.equal(s.peerWins, false);
        s.ic.rules.block(bp, 1);
        s.peerSendMe();
        s.peerConnectMe();
        await s.waitBlocked();
        s.sendPeer();
        s.connectPeer();
        await s.waitEstablished();
        s.unblock();
        await s.waitResults(2);
        assertResults(s.results, [
          { state: 'closed', accept: [1, 0] },
          { state: 'established', connect: [1, 1, 0, 1] },
        ]);
        assert.deepEqual([s.testGot, s.peerGot], [['p1'], ['t1']]);
        await s.check();
      });
    }
    for (const bp of CONNECT_POINTS) {
      test(`#22 peer wins (lower address): Test's connector blocked at ${bp}`, async () => {
        const s = await FailoverSuite.create(mk(), { testPolicy: Policy.lossless_peer(), peerPolicy: Policy.lossless_peer(), testNonce: 4, peerNonce: 2 });
        assert.equal(s.peerWins, true);
        s.ic.rules.block(bp, 1);
        s.sendPeer();
        s.connectPeer();
        await s.waitBlocked();
        s.peerSendMe();
        s.peerConnectMe();
        await s.waitReplaced(1);
        s.unblock();
        await s.waitResults(2);
        assertResults(s.results, [
          { state: 'established', connect: [1, 0], accept: [0, 0, 0, 1] },
          { state: 'replaced', accept: [1, 1, 0, 0] },
        ]);
        assert.deepEqual([s.testGot, s.peerGot], [['p1'], ['t1']]);
        await s.check();
      });
    }
  });
}
