/**
 * S15 — the lossless fault matrix on the acceptor and the replacement bookkeeping (crimson
 * test_v2_lossless_accept/establishing/accepted_fault #12–#14, peer_accept/establishing_fault
 * #17–#18, peer_connected_fault_reaccept #20; acceptance.md §3.3): the peer's reconnect lands on
 * a new accepted connection that hands its socket to the original one ("replaced", 0 events),
 * and the Connection object the user holds never changes.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import type { Breakpoint } from '../../src/core/interceptor.ts';
import type { Connection } from '../../src/node/connection.ts';
import { WORLDS } from '../helpers/world.ts';
import { FailoverSuite, assertResults, type Expect } from '../helpers/failover.ts';

interface Case {
  name: string;
  bp: Breakpoint;
  peerPolicies: boolean;
  /** choreography: 'bidir' (send both ways, peer connects), 'peer' (peer sends + connects), 'reaccept' (#20) */
  flow: 'bidir' | 'peer' | 'reaccept';
  /** queue a Test op on the accepted connection when it reaches the breakpoint (before the fault) */
  queueAtFault?: boolean;
  expect: Expect[];
}

/** classic's result for a fault at SERVER_IDENT:w with nothing queued (see #13) */
const HALF_ACCEPT_CLOSED: Expect[] = [
  { state: 'closed', accept: [1, 1, 0, 1], reset: [1, 0] },
  { state: 'established', accept: [1, 1, 0, 1] },
];

const CASES: Case[] = [
  {
    name: '#12 lossless_accept_fault',
    bp: 'CLIENT_IDENT:r',
    peerPolicies: false,
    flow: 'bidir',
    expect: [
      { state: 'closed', accept: [1, 1, 0, 0] },
      { state: 'established', accept: [1, 1, 0, 1] },
    ],
  },
  {
    // crimson: #0 established accept(1,1,0,2), #1 replaced. Classic ProtocolV2 (our reference)
    // accepts-then-faults at SERVER_IDENT while still SESSION_ACCEPTING with an empty out_queue:
    // _fault() takes "nothing to send and in the half accept state just closed" → stop() +
    // queue_reset. The peer's retry is a fresh accept. Test's op, sent from the accept callback
    // on the already closed #0, is dropped (accounted for by #0's reset).
    name: '#13 lossless_establishing_fault (classic)',
    bp: 'SERVER_IDENT:w',
    peerPolicies: false,
    flow: 'bidir',
    expect: HALF_ACCEPT_CLOSED,
  },
  ...(['MESSAGE:w', 'MESSAGE:r'] as const).map(
    (bp): Case => ({
      name: '#14 lossless_accepted_fault',
      bp,
      peerPolicies: false,
      flow: 'bidir',
      expect: [
        { state: 'established', accept: [1, 1, 0, 2] },
        { state: 'replaced', accept: [1, 0] },
      ],
    }),
  ),
  {
    name: '#17 peer_accept_fault',
    bp: 'CLIENT_IDENT:r',
    peerPolicies: true,
    flow: 'peer',
    expect: [
      { state: 'closed', accept: [1, 1, 0, 0] },
      { state: 'established', accept: [1, 1, 0, 1] },
    ],
  },
  {
    // crimson: #0 established accept(1,1,0,2), #1 replaced — classic closes #0 (see #13)
    name: '#18 peer_establishing_fault (classic)',
    bp: 'SERVER_IDENT:w',
    peerPolicies: true,
    flow: 'peer',
    expect: HALF_ACCEPT_CLOSED,
  },
  {
    // classic with something queued on the half-accepted connection (as in Ceph's
    // MissingServerIdenTest): _fault() keeps it (server policy → STANDBY), the peer's retry
    // reuses it — crimson's #13 counters exactly
    name: '#13 lossless_establishing_fault, op queued at the fault',
    bp: 'SERVER_IDENT:w',
    peerPolicies: false,
    flow: 'peer',
    queueAtFault: true,
    expect: [
      { state: 'established', accept: [1, 1, 0, 2] },
      { state: 'replaced', accept: [1, 1, 0, 0] },
    ],
  },
  {
    // lossless_peer (not server) with a queued op: classic _fault() makes the half-accepted
    // connection reconnect outward (it has a server_cookie, so SESSION_RECONNECT) while the
    // peer retries its CLIENT_IDENT: a connect race with no fixed number of connections.
    // Checked: it converges on the original Connection, ops exactly once, no resets.
    name: '#18 peer_establishing_fault, op queued at the fault (race, converges)',
    bp: 'SERVER_IDENT:w',
    peerPolicies: true,
    flow: 'peer',
    queueAtFault: true,
    expect: [],
  },
  {
    name: '#20 peer_connected_fault_reaccept',
    bp: 'MESSAGE:r',
    peerPolicies: true,
    flow: 'reaccept',
    expect: [
      { state: 'established', connect: [1, 1, 0, 1], accept: [0, 0, 0, 1] },
      { state: 'replaced', accept: [1, 0, 1, 0] },
    ],
  },
];

for (const [kind, mk] of WORLDS) {
  describe(`S15 lossless acceptor fault matrix [${kind}]`, () => {
    for (const k of CASES) {
      test(`${k.name}: FAULT at ${k.bp}`, async () => {
        const w = mk();
        const t0 = Date.now();
        const s = await FailoverSuite.create(w, {
          testPolicy: k.peerPolicies ? Policy.lossless_peer() : Policy.stateful_server(),
          peerPolicy: k.peerPolicies ? Policy.lossless_peer() : Policy.lossless_client(),
        });
        if (k.queueAtFault) {
          s.ic.rules.onHit = (id, bp, n) => {
            if (bp !== k.bp || n !== 1) return undefined;
            s.sendOn(id);
            return 'FAULT';
          };
        } else s.ic.rules.fault(k.bp, 1);
        const handles: Connection[] = [];
        const track = (c: Connection): void => void handles.push(c);
        s.test.on('accept', track);
        s.test.on('connect', track);
        if (k.flow === 'reaccept') {
          s.peerSendMe();
          s.connectPeer();
        } else {
          if (k.flow === 'bidir') s.sendBidirectional();
          else s.peerSendMe();
          s.peerConnectMe();
        }
        if (k.expect.length) {
          await s.waitResults(k.expect.length);
          assertResults(s.results, k.expect);
        } else {
          assert.ok(await w.until(() => s.testGot.length === 1 && s.peerGot.length === 1, 10_000), s.dump());
          await s.waitEstablished();
          assert.equal(s.results[0]!.state, 'established', s.dump());
          assert.ok(s.results.slice(1).every((r) => r.state !== 'established' && r.acceptDispatched === 0), s.dump());
          assert.ok(s.results.every((r) => r.resetDispatched + r.remoteResetDispatched === 0), s.dump());
        }
        // everything delivered exactly once (checked again by I1 in check())
        assert.deepEqual(s.testGot, ['p1']);
        assert.deepEqual([...s.peerGot, ...s.dropped], k.flow === 'bidir' || k.queueAtFault ? ['t1'] : []);
        if (s.dropped.length) assert.equal(s.results[0]!.resetDispatched, 1, 'a dropped op is accounted for by a reset');
        // the user-held Connection never changes: every event came on the surviving connection
        const alive = s.results.find((r) => r.state === 'established')!;
        const closed = s.results.filter((r) => r.state === 'closed').map((r) => r.conn.id);
        assert.ok(handles.length > 0 && handles.every((h) => h.id === alive.conn.id || closed.includes(h.id)), `events on ${handles.join(', ')}`);
        assert.equal(s.tracked?.id, alive.conn.id);
        await s.check();
        if (kind === 'tcp') assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
      });
    }
  });
}
