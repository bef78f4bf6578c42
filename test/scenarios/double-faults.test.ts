/**
 * S16 — double faults during a reconnect (crimson test_v2_lossless_reconnect_fault #11 on the
 * connector, test_v2_lossless_reaccept_fault #15 on the acceptor; acceptance.md §3.3): a second
 * fault hits the session-reconnect exchange itself; the session still resumes with nothing lost
 * or duplicated and no reset.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import type { Breakpoint } from '../../src/core/interceptor.ts';
import { WORLDS } from '../helpers/world.ts';
import { FailoverSuite, assertResults, type Expect } from '../helpers/failover.ts';

interface Case {
  name: string;
  faults: [Breakpoint, Breakpoint];
  role: 'connector' | 'acceptor';
  expect: Expect[];
}

const CASES: Case[] = [
  {
    name: '#11 lossless_reconnect_fault',
    faults: ['MESSAGE:w', 'SESSION_RECONNECT:w'],
    role: 'connector',
    expect: [{ state: 'established', connect: [3, 1, 2, 2] }],
  },
  {
    name: '#11 lossless_reconnect_fault',
    faults: ['MESSAGE:w', 'SESSION_RECONNECT_OK:r'],
    role: 'connector',
    expect: [{ state: 'established', connect: [3, 1, 2, 2] }],
  },
  {
    name: '#15 lossless_reaccept_fault',
    faults: ['MESSAGE:r', 'SESSION_RECONNECT:r'],
    role: 'acceptor',
    expect: [
      { state: 'established', accept: [1, 1, 0, 2] },
      { state: 'closed', accept: [1, 0, 1, 0] },
      { state: 'replaced', accept: [1, 0, 1, 0] },
    ],
  },
  {
    name: '#15 lossless_reaccept_fault',
    faults: ['MESSAGE:r', 'SESSION_RECONNECT_OK:w'],
    role: 'acceptor',
    expect: [
      { state: 'established', accept: [1, 1, 0, 3] },
      { state: 'replaced', accept: [1, 0, 1, 0] },
      { state: 'replaced', accept: [1, 0, 1, 0] },
    ],
  },
];

for (const [kind, mk] of WORLDS) {
  describe(`S16 double faults during reconnect [${kind}]`, () => {
    for (const k of CASES) {
      test(`${k.name}: FAULT at ${k.faults.join(' then ')}`, async () => {
        const w = mk();
        const t0 = Date.now();
        const connector = k.role === 'connector';
        const s = await FailoverSuite.create(w, {
          testPolicy: connector ? Policy.lossless_client() : Policy.stateful_server(),
          peerPolicy: connector ? Policy.stateful_server() : Policy.lossless_client(),
        });
        for (const bp of k.faults) s.ic.rules.fault(bp, 1);
        s.sendBidirectional();
        if (connector) s.connectPeer();
        else s.peerConnectMe();
        await s.waitResults(k.expect.length);
        assertResults(s.results, k.expect);
        assert.deepEqual([s.testGot, s.peerGot], [['p1'], ['t1']], 'one op each way, exactly once');
        assert.equal(s.peerResets + s.peerRemoteResets, 0, 'no resets on the peer either');
        await s.check();
        if (kind === 'tcp') assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
      });
    }
  });
}
