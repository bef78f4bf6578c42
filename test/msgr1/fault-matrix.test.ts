/**
 * S14 over msgr1 (real loopback TCP): lossless connector fault matrix. A lossless_client dials a
 * stateful_server; the client queues one op (a ping) and a keepalive; the server answers the op
 * with a ping and a keepalive of its own. The client's interceptor FAULTs the first hit of one
 * breakpoint. Whatever the breakpoint: each op is delivered exactly once, in order, no reset or
 * remote reset on the client, and the counters show what Ceph's ProtocolV1 does:
 *
 *  - handshake faults (CONNECT:w, CONNECT_REPLY:r, SEQ:r, SEQ:w): the client never saw the
 *    session open, backs off and connects again with connect_seq 0. CONNECT:w never reached the
 *    server; for the others the server had opened the session, so it sees connect_seq 0 against
 *    an existing session = a peer restart: 1 remote reset on the server (nothing was queued there
 *    yet, nothing is lost), the existing server Connection is reused (RETRY_GLOBAL round).
 *  - faults once open (MSG, ACK, KEEPALIVE2, KEEPALIVE2_ACK, r and w): the client reconnects at
 *    once with connect_seq + 1; the server's existing session adopts the socket, answers
 *    RETRY_GLOBAL, then SEQ; both sides drop what the other acknowledged and resend the rest.
 *    Client counters: 2 attempts, 1 new-session connect, 2 reconnect connects (cs > 0, before
 *    and after RETRY_GLOBAL), 2 connect events; 0 remote resets anywhere.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import type { ConnId } from '../../src/core/events.ts';
import type { Breakpoint, InterceptAction, Interceptor } from '../../src/core/interceptor.ts';
import type { Connection } from '../../src/node/connection.ts';
import { node, ping, protoVersion, shutdownClean, until } from './helpers.ts';

/** FAULT the n-th hit of one breakpoint (over all connections), count every hit. */
class FaultAt implements Interceptor {
  readonly hits = new Map<string, number>();
  fired = false;
  constructor(
    readonly bp: Breakpoint,
    readonly round = 1,
  ) {}
  intercept(_c: ConnId, bp: Breakpoint): InterceptAction {
    const n = (this.hits.get(bp) ?? 0) + 1;
    this.hits.set(bp, n);
    if (bp === this.bp && n === this.round) {
      this.fired = true;
      return 'FAULT';
    }
    return 'CONTINUE';
  }
}

interface Expect {
  attempts: number;
  idents: number;
  reconnects: number;
  connectEvents: number;
  serverRemoteResets: number;
}

const HANDSHAKE_BACKOFF: Expect = { attempts: 2, idents: 3, reconnects: 0, connectEvents: 1, serverRemoteResets: 1 };
const OPEN: Expect = { attempts: 2, idents: 1, reconnects: 2, connectEvents: 2, serverRemoteResets: 0 };

const CASES: Array<[Breakpoint, Expect]> = [
  ['CONNECT:w', { attempts: 2, idents: 2, reconnects: 0, connectEvents: 1, serverRemoteResets: 0 }],
  ['CONNECT_REPLY:r', HANDSHAKE_BACKOFF],
  ['SEQ:r', HANDSHAKE_BACKOFF],
  ['SEQ:w', HANDSHAKE_BACKOFF],
  ['MSG:w', OPEN],
  ['MSG:r', OPEN],
  ['ACK:r', OPEN],
  ['ACK:w', OPEN],
  ['KEEPALIVE2:w', OPEN],
  ['KEEPALIVE2:r', OPEN],
  ['KEEPALIVE2_ACK:w', OPEN],
  ['KEEPALIVE2_ACK:r', OPEN],
];

for (const [bp, want] of CASES) {
  test(`S14 msgr1 lossless connector fault at ${bp}`, async (t) => {
    const t0 = Date.now();
    const ic = new FaultAt(bp);
    const srv = await node(t, 'osd.0', Policy.stateful_server(), { bind: 'v1:127.0.0.1:0', replies: true });
    srv.d.onMessage = (_m, c) => c.sendKeepalive();
    const cli = await node(t, 'client.-1', Policy.lossless_client(), { msgr: { interceptor: ic, config: { ms_initial_backoff: 0.05 } } });
    const steps: string[] = [];
    const kaAcks: number[] = [];
    cli.m.on('step', (_c: Connection, s: string) => steps.push(s));
    cli.m.on('keepalive-ack', (_c: Connection, ms: number) => kaAcks.push(ms));

    const c = cli.m.connectTo(srv.m.myAddrs.slice(), 'osd');
    c.send(ping('op'));
    c.sendKeepalive();
    assert.ok(await until(() => cli.d.log(c).count === 1 && srv.d.messages === 1, 3000), `op and reply delivered (${bp})`);
    await until(() => false, 50); // anything duplicated would show up now
    assert.ok(ic.fired, `breakpoint ${bp} was reached`);
    assert.equal(protoVersion(c), 1);
    assert.equal(c.isConnected(), true);

    // exactly once, both ways
    assert.deepEqual(cli.d.log(c).payloads, ['re:op']);
    const s = srv.d.lastAccepted!;
    assert.deepEqual(srv.d.log(s).payloads, ['op']);
    assert.equal(srv.d.messages, 1);
    assert.equal(srv.d.accepts, want.serverRemoteResets === 0 && want.reconnects === 0 ? 1 : 2);
    assert.equal(srv.m.connections().length, 1, 'one server Connection carries the session');
    assert.deepEqual([...cli.d.violations, ...srv.d.violations], []);
    // counters
    const st = c.stats!;
    assert.deepEqual(
      { attempts: st.connectAttempts, idents: st.clientIdents, reconnects: st.reconnects, connectEvents: st.connectEvents, serverRemoteResets: srv.d.remoteResets },
      want,
    );
    assert.equal(st.faults, 1);
    assert.deepEqual([cli.d.resets, cli.d.remoteResets, cli.d.refused.length, srv.d.resets], [0, 0, 0, 0], '0 resets');
    assert.equal(steps.filter((x) => x === 'RETRY_GLOBAL').length, want === OPEN || want === HANDSHAKE_BACKOFF ? 1 : 0);
    assert.equal(steps.filter((x) => x === 'READY').length, want.connectEvents);
    // the keepalive is lost when its own write faults, when its ack is what faulted, and when
    // it shared the faulted write batch with the op (MSG:w): it is not a message, nothing resends it
    const kaLost = bp === 'KEEPALIVE2:w' || bp === 'KEEPALIVE2_ACK:r' || bp === 'MSG:w';
    assert.equal(kaAcks.length, kaLost ? 0 : 1, 'keepalive acks');
    await shutdownClean(cli.m, srv.m);
    assert.ok(Date.now() - t0 < 2000, `took ${Date.now() - t0} ms`);
  });
}
