/**
 * S13 — the lossy handshake fault matrix (crimson test_v2_lossy_* #1–#7, acceptance.md §3.3):
 * a FAULT at each connector and acceptor breakpoint of a lossy_client ↔ stateless_server pair.
 * Handshake faults are retried silently and the queued op still goes through; a fault after
 * READY closes the lossy connection with exactly one local reset (only if it was announced).
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import type { Breakpoint } from '../../src/core/interceptor.ts';
import { WORLDS } from '../helpers/world.ts';
import { FailoverSuite, assertResults, type Expect } from '../helpers/failover.ts';

const EARLY_CONNECT: Breakpoint[] = [
  'BANNER_WRITE',
  'BANNER_READ',
  'BANNER_PAYLOAD_READ',
  'SOCKET_CONNECTING',
  'HELLO:w',
  'HELLO:r',
  'AUTH_REQUEST:w',
  'AUTH_DONE:r',
  'AUTH_SIGNATURE:w',
  'AUTH_SIGNATURE:r',
];
const EARLY_ACCEPT: Breakpoint[] = [
  'BANNER_WRITE',
  'BANNER_READ',
  'BANNER_PAYLOAD_READ',
  'HELLO:w',
  'HELLO:r',
  'AUTH_REQUEST:r',
  'AUTH_DONE:w',
  'AUTH_SIGNATURE:w',
  'AUTH_SIGNATURE:r',
];

interface Case {
  name: string;
  bp: Breakpoint;
  /** Test is the connector (lossy_client) or the acceptor (stateless_server) */
  role: 'connector' | 'acceptor';
  /** one op each way (send_bidirectional) instead of one op from the connecting side */
  bidirectional: boolean;
  expect: Expect[];
}

const CASES: Case[] = [
  ...EARLY_CONNECT.map((bp): Case => ({
    name: '#1 lossy_early_connect_fault',
    bp,
    role: 'connector',
    bidirectional: false,
    expect: [{ state: 'established', connect: [2, 1, 0, 1] }],
  })),
  ...(['CLIENT_IDENT:w', 'SERVER_IDENT:r'] as const).map((bp): Case => ({
    name: '#2 lossy_connect_fault',
    bp,
    role: 'connector',
    bidirectional: false,
    expect: [{ state: 'established', connect: [2, 2, 0, 1] }],
  })),
  ...(['MESSAGE:w', 'MESSAGE:r'] as const).map((bp): Case => ({
    name: '#3 lossy_connected_fault',
    bp,
    role: 'connector',
    bidirectional: true,
    expect: [{ state: 'closed', connect: [1, 1, 0, 1], reset: [1, 0] }],
  })),
  ...EARLY_ACCEPT.map((bp): Case => ({
    name: '#4 lossy_early_accept_fault',
    bp,
    role: 'acceptor',
    bidirectional: false,
    expect: [
      { state: 'closed', accept: [1, 0, 0, 0] },
      { state: 'established', accept: [1, 1, 0, 1] },
    ],
  })),
  {
    name: '#5 lossy_accept_fault',
    bp: 'CLIENT_IDENT:r',
    role: 'acceptor',
    bidirectional: false,
    expect: [
      { state: 'closed', accept: [1, 1, 0, 0] },
      { state: 'established', accept: [1, 1, 0, 1] },
    ],
  },
  {
    name: '#6 lossy_establishing_fault',
    bp: 'SERVER_IDENT:w',
    role: 'acceptor',
    bidirectional: false,
    expect: [
      { state: 'closed', accept: [1, 1, 0, 1], reset: [1, 0] },
      { state: 'established', accept: [1, 1, 0, 1] },
    ],
  },
  ...(['MESSAGE:w', 'MESSAGE:r'] as const).map((bp): Case => ({
    name: '#7 lossy_accepted_fault',
    bp,
    role: 'acceptor',
    bidirectional: true,
    expect: [{ state: 'closed', accept: [1, 1, 0, 1], reset: [1, 0] }],
  })),
];

for (const [kind, mk] of WORLDS) {
  describe(`S13 lossy handshake fault matrix [${kind}]`, () => {
    for (const k of CASES) {
      test(`${k.name}: FAULT at ${k.bp}`, async () => {
        const w = mk();
        const t0 = Date.now();
        const connector = k.role === 'connector';
        const s = await FailoverSuite.create(w, {
          testPolicy: connector ? Policy.lossy_client() : Policy.stateless_server(),
          peerPolicy: connector ? Policy.stateless_server() : Policy.lossy_client(),
        });
        s.ic.rules.fault(k.bp, 1);
        if (connector) {
          if (k.bidirectional) s.sendBidirectional();
          else s.sendPeer();
          s.connectPeer();
        } else {
          if (k.bidirectional) s.sendBidirectional();
          else s.peerSendMe();
          s.peerConnectMe();
        }
        await s.waitResults(k.expect.length);
        assertResults(s.results, k.expect);
        if (k.expect.at(-1)!.state === 'established') {
          // the op queued before the fault was delivered, exactly once
          if (connector) assert.deepEqual(s.peerGot, ['t1']);
          else assert.deepEqual(s.testGot, ['p1']);
        }
        await s.check();
        if (kind === 'tcp') assert.ok(Date.now() - t0 < 1000, `took ${Date.now() - t0} ms`);
      });
    }
  });
}

