/**
 * S19 — a connect race won by the peer while our own connection is still in its banner phase
 * (Ceph's ConnectionRaceReuseBannerTest; PRs #35816, #26965). A's existing outgoing Connection,
 * frozen before it even wrote its banner, must adopt the socket B opened and come up through
 * SERVER_IDENT exactly like a connection that never raced: banner exchange once, no
 * SESSION_RECONNECT, READY once, the negotiated features and auth state of a plain connection.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { AddrType, compareAddr, pickAddr } from '../../src/encoding/types/entity-addr.ts';
import { Policy } from '../../src/core/session/policy.ts';
import type { ProtocolV2 } from '../../src/core/msgr2/protocol.ts';
import type { Connection } from '../../src/node/connection.ts';
import type { Messenger } from '../../src/node/messenger.ts';
import { RuleInterceptor } from '../../src/testing/fault-interceptor.ts';
import { WORLDS, type World } from '../helpers/world.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';
import { FAST, shutdownClean } from '../helpers/failover.ts';

async function side(w: World, name: string, nonce: number) {
  const ic = new RuleInterceptor();
  const m = w.messenger({ name, nonce, interceptor: ic, config: FAST });
  m.setDefaultPolicy(Policy.lossless_peer_reuse());
  const d = new FakeDispatcher(false);
  m.addDispatcher(d);
  const addrs = await m.bind('v2:127.0.0.1:0');
  await m.start();
  const steps = new Map<number, string[]>();
  m.on('step', (c: Connection, step: string) => {
    const l = steps.get(c.id) ?? [];
    l.push(step);
    steps.set(c.id, l);
  });
  return { m, ic, d, addrs, steps };
}

/** Block the first time a connection of `role` reaches `bp` (and remember it). */
function blockOnce(m: Messenger, ic: RuleInterceptor, bp: string, role: 'connector' | 'acceptor'): { id: number | undefined } {
  const hit: { id: number | undefined } = { id: undefined };
  const prev = ic.onHit;
  ic.onHit = (id, b, n) => {
    if (hit.id === undefined && b === bp && m.core.getConn(id)?.role === role) {
      hit.id = id;
      return 'BLOCK';
    }
    return prev?.(id, b, n);
  };
  return hit;
}

const proto = (c: Connection): ProtocolV2 => c.core!.proto as ProtocolV2;

for (const [kind, mk] of WORLDS) {
  describe(`S19 ConnectionRaceReuseBannerTest [${kind}]`, () => {
    test("the peer's connection wins while ours is still before its banner", async () => {
      const w = mk();
      // B must win the race: its address sorts first
      const A = await side(w, 'osd.1', 0x200);
      const B = await side(w, 'osd.2', 0x100);
      assert.ok(compareAddr(pickAddr(B.addrs, AddrType.MSGR2)!, pickAddr(A.addrs, AddrType.MSGR2)!) < 0);
      const bIdent = blockOnce(B.m, B.ic, 'CLIENT_IDENT:w', 'connector');
      const aBanner = blockOnce(A.m, A.ic, 'BANNER_WRITE', 'connector');
      const bAcceptBanner = blockOnce(B.m, B.ic, 'BANNER_WRITE', 'acceptor');

      // 1) B→A reaches the session phase and is frozen just before CLIENT_IDENT
      const ba = B.m.connectTo(A.addrs, 'osd');
      ba.send(ping('from-b'));
      assert.ok(await w.until(() => bIdent.id !== undefined), 'B frozen before CLIENT_IDENT');
      // 2) A→B starts and is frozen before writing its banner; B's acceptor of it freezes at its banner
      const ab = A.m.connectTo(B.addrs, 'osd');
      ab.send(ping('from-a'));
      assert.ok(await w.until(() => aBanner.id !== undefined && bAcceptBanner.id !== undefined), 'A frozen before its banner, B accepting');
      assert.equal(ab.state, 'BANNER_CONNECTING');
      // 3) release B's CLIENT_IDENT: A reuses its banner-phase Connection with B's socket
      B.m.unblock(B.m.handle(bIdent.id!));
      assert.ok(await w.until(() => ab.isConnected() && ba.isConnected() && session(ab).count === 1 && session(ba).count === 1), `${ab} ${ba}`);
      // 4) release B's frozen acceptor: its socket is gone (A dropped it when reusing)
      const loser = B.m.handle(bAcceptBanner.id!);
      B.m.unblock(loser);
      A.m.unblock(A.m.handle(aBanner.id!));
      assert.ok(await w.until(() => loser.isClosed), "B's acceptor for the losing socket closes");
      await w.sleep(50);

      assert.deepEqual([session(ab).payloads, session(ba).payloads], [['from-b'], ['from-a']]);
      assert.equal(loser.isConnected(), false);
      assert.equal(loser.stats?.acceptEvents ?? 0, 0);
      // A's winning Connection: established once, never faulted and reconnected
      const st = A.steps.get(ab.id) ?? [];
      assert.equal(st.filter((s) => s === 'START_CLIENT_BANNER_EXCHANGE').length, 1, `steps ${st}`);
      assert.equal(st.filter((s) => s === 'SEND_RECONNECT').length, 0, `steps ${st}`);
      assert.equal(st.filter((s) => s === 'READY').length, 1, `steps ${st}`);
      assert.equal(ab.stats!.faults, 0);
      assert.deepEqual([ab.stats!.connectAttempts, ab.stats!.connectEvents, ab.stats!.acceptEvents], [1, 0, 1]);
      // negotiated state equals a connection that never raced (B's own side of the same socket)
      assert.equal(ab.features, ba.features);
      assert.ok(ab.features !== 0n);
      const pa = proto(ab);
      const pb = proto(ba);
      assert.equal(pa.auth.conMode, pb.auth.conMode);
      assert.equal(pa.rev1, pb.rev1);
      assert.equal(pa.txRecord, null, 'no pre-auth recording on the reused connection (#26965)');
      assert.equal(pa.rxRecord, null);
      assert.equal(ab.core!.session.clientCookie, ba.core!.session.clientCookie);
      assert.equal(ab.core!.session.serverCookie, ba.core!.session.serverCookie);
      // one socket survives
      for (const x of [A, B]) {
        assert.equal(x.m.connections().filter((c) => !c.isClosed).length, 1);
        assert.equal(x.m.resources().sockets, 1);
      }
      // the session keeps working after the race
      ab.send(ping('again-a'));
      ba.send(ping('again-b'));
      assert.ok(await w.until(() => session(ab).count === 2 && session(ba).count === 2));
      assert.deepEqual([A.d.resets, A.d.remoteResets, B.d.resets, B.d.remoteResets], [0, 0, 0, 0]);
      assert.deepEqual([A.d.violations, B.d.violations], [[], []]);
      await shutdownClean(w);
    });
  });
}
