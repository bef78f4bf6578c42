/**
 * msgr1 acceptor with an existing connection from the same peer (handle_connect_message_2's
 * second half, wire §5.2): RETRY_GLOBAL, RETRY_SESSION, replace (the existing connection adopts
 * the socket, answers RETRY_GLOBAL, then opens with SEQ and resends what the peer lacks), peer
 * reset (connect_seq 0 → remote reset, READY), and connect races decided by legacy address order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Msgr1Tag, CEPH_OSD_PROTOCOL, CEPH_OSDC_PROTOCOL } from '../../../../src/core/msgr1/connect.ts';
import { Policy, PolicySet } from '../../../../src/core/session/policy.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { Message } from '../../../../src/messages/message.ts';
import { encodeMsgr1Message } from '../../../../src/core/msgr1/header.ts';
import { Harness, clientHello, connectMsg, le64, serverHello, takeClientHello, takeConnect, takeRecords, takeReply, takeSeq, v1 } from './harness.ts';
import type { EntityAddr } from '../../../../src/encoding/types/entity-addr.ts';

const ME = v1('10.0.0.2', 6800, 99);
const CLI = v1('10.0.0.1', 0, 5);

function server(): Harness {
  const ps = new PolicySet(Policy.stateless_server());
  ps.set(EntityType.CLIENT, Policy.stateful_server());
  ps.set(EntityType.OSD, Policy.lossless_peer());
  return new Harness({ name: { type: EntityType.OSD, num: 0n }, nonce: 99, policies: ps }, [ME]);
}

const C = { hostType: EntityType.CLIENT, protocolVersion: CEPH_OSDC_PROTOCOL };

/** A new socket from `from` that has sent its hello; returns its transport id. */
function sock(h: Harness, from: EntityAddr = CLI, port = 40000): number {
  const tid = h.core.accepted(ME, v1('10.0.0.1', port, 0), h.now, 1);
  h.feed(tid, clientHello(from));
  h.written(tid).clear();
  return tid;
}

/** Open a session (cs, gs) on a new socket; returns [connection id, transport id]. */
function session(h: Harness, cs: number, gs: number): [number, number] {
  const tid = sock(h);
  h.feed(tid, connectMsg({ ...C, connectSeq: cs, globalSeq: gs }));
  const r = takeReply(h.written(tid));
  assert.equal(r.tag, Msgr1Tag.SEQ);
  takeSeq(h.written(tid));
  h.feed(tid, le64(0n));
  const acc = h.events.filter((e) => e.kind === 'accept').at(-1);
  assert.ok(acc && acc.kind === 'accept');
  return [acc.conn, tid];
}

function msg(seq: bigint, text: string): Buffer {
  return Buffer.concat(encodeMsgr1Message(new Message({ type: 2, front: Buffer.from(text), priority: 127 }), { seq, src: { type: 8, num: 1n }, msgAuth: true }));
}

test('existing session: stale global_seq → RETRY_GLOBAL, equal connect_seq on an open session → RETRY_SESSION(cs+1)', () => {
  const h = server();
  const [a] = session(h, 0, 10);
  assert.equal(h.core.getConn(a)!.session.connectSeq, 1n);
  const tid = sock(h, CLI, 40001);
  h.feed(tid, connectMsg({ ...C, connectSeq: 0, globalSeq: 5 }));
  const r1 = takeReply(h.written(tid));
  assert.deepEqual([r1.tag, r1.globalSeq], [Msgr1Tag.RETRY_GLOBAL, 10]);
  h.feed(tid, connectMsg({ ...C, connectSeq: 1, globalSeq: 11 }));
  const r2 = takeReply(h.written(tid));
  assert.deepEqual([r2.tag, r2.connectSeq], [Msgr1Tag.RETRY_SESSION, 2]);
  assert.equal(h.proto(a).state, 'OPENED', 'the existing session is untouched');
  assert.equal(h.events.filter((e) => e.kind === 'remote-reset').length, 0);
});

test('replace: the existing session adopts the socket (RETRY_GLOBAL), opens with SEQ, resends only what the peer lacks', () => {
  const h = server();
  const [a, tidA] = session(h, 0, 10);
  // the client sent seq 1; we sent two messages, unacked
  h.feed(tidA, msg(1n, 'c1'));
  h.core.send(a, new Message({ type: 2, front: Buffer.from('s1') }), h.now);
  h.core.send(a, new Message({ type: 2, front: Buffer.from('s2') }), h.now);
  assert.deepEqual(
    takeRecords(h.written(tidA)).map((r) => (r.kind === 'message' ? r.message.front.toString() : r.kind)),
    ['ack', 's1', 's2'],
  );
  // the client reconnects on a new socket with connect_seq 2 (its old socket is still up here)
  const tidB = sock(h, CLI, 40002);
  h.feed(tidB, connectMsg({ ...C, connectSeq: 2, globalSeq: 12 }));
  const r1 = takeReply(h.written(tidB));
  assert.deepEqual([r1.tag, r1.globalSeq], [Msgr1Tag.RETRY_GLOBAL, 10], 'from the existing session');
  assert.equal(h.closes(tidA), 1, 'the old socket is closed');
  assert.equal(h.core.getConn(a)!.tid, tidB, 'the existing connection owns the new socket');
  const temp = [...h.core.all.values()].find((x) => x.replacedBy !== undefined);
  assert.equal(temp?.replacedBy, a, 'the accepted connection is marked as replaced by the existing one');
  assert.equal(temp?.dead, true);
  h.feed(tidB, connectMsg({ ...C, connectSeq: 2, globalSeq: 13 }));
  const q = h.written(tidB);
  const r2 = takeReply(q);
  assert.deepEqual([r2.tag, r2.connectSeq], [Msgr1Tag.SEQ, 3]);
  assert.equal(takeSeq(q), 1n, 'our in_seq: we have the client message 1');
  h.feed(tidB, le64(1n)); // the client got s1
  assert.equal(h.proto(a).state, 'OPENED');
  assert.deepEqual(
    takeRecords(h.written(tidB)).map((r) => (r.kind === 'message' ? `${r.header.seq}:${r.message.front.toString()}` : r.kind)),
    ['2:s2'],
  );
  assert.deepEqual(h.events.filter((e) => e.kind === 'accept').map((e) => e.conn), [a, a], 'accepted again, same connection');
  assert.equal(h.events.filter((e) => e.kind === 'remote-reset' || e.kind === 'reset').length, 0);
  assert.ok(h.steps().includes('REPLACE'));
  // now connect_seq 3: an older attempt (cs 1 < 3) is told RETRY_SESSION(4)
  const tidC = sock(h, CLI, 40003);
  h.feed(tidC, connectMsg({ ...C, connectSeq: 1, globalSeq: 14 }));
  const r3 = takeReply(h.written(tidC));
  assert.deepEqual([r3.tag, r3.connectSeq], [Msgr1Tag.RETRY_SESSION, 4]);
});

test('peer reset: connect_seq 0 against an open session → remote reset (queue discarded), READY with in_seq 0', () => {
  const h = server();
  const [a, tidA] = session(h, 0, 10);
  h.feed(tidA, msg(1n, 'c1'));
  h.core.send(a, new Message({ type: 2, front: Buffer.from('lost') }), h.now);
  h.written(tidA).clear();
  const tidB = sock(h, CLI, 40002);
  h.feed(tidB, connectMsg({ ...C, connectSeq: 0, globalSeq: 20 }));
  const rr = h.events.filter((e) => e.kind === 'remote-reset');
  assert.deepEqual(rr.map((e) => e.kind === 'remote-reset' && [e.conn, e.discarded]), [[a, 1]]);
  assert.equal(takeReply(h.written(tidB)).tag, Msgr1Tag.RETRY_GLOBAL);
  h.feed(tidB, connectMsg({ ...C, connectSeq: 0, globalSeq: 21 }));
  const q = h.written(tidB);
  const r = takeReply(q);
  assert.deepEqual([r.tag, r.connectSeq], [Msgr1Tag.READY, 1]);
  assert.equal(q.length, 0);
  assert.equal(h.proto(a).state, 'OPENED');
  assert.equal(h.core.getConn(a)!.session.inSeq, 0n);
});

/** Our own outgoing connection to PEER, stopped right after it sent its connect (cs 0). */
function dialing(h: Harness, peer: EntityAddr): number {
  const id = h.core.connect([peer], EntityType.OSD, h.now);
  const { tid } = h.lastConnectIo();
  h.core.connected(tid, v1('10.0.0.2', 50000, 0), h.now);
  h.feed(tid, serverHello(peer, v1('10.0.0.2', 50000, 0)));
  const q = h.written(tid);
  takeClientHello(q);
  assert.equal(takeConnect(q).connectSeq, 0);
  assert.equal(h.proto(id).state, 'CONNECTING_SEND_CONNECT_MSG');
  return id;
}

for (const [name, peer, wins] of [
  ['lower', v1('10.0.0.1', 6801, 5), true],
  ['higher', v1('10.0.0.1', 6801, 200), false],
] as const) {
  test(`connect race with a peer whose address is ${name}: ${wins ? 'its connection replaces ours' : 'WAIT, ours wins'}`, () => {
    const h = server();
    const ours = dialing(h, peer);
    const ourTid = h.core.getConn(ours)!.tid!;
    const tid = sock(h, peer, 40005);
    h.feed(tid, connectMsg({ hostType: EntityType.OSD, protocolVersion: CEPH_OSD_PROTOCOL, connectSeq: 0, globalSeq: 3 }));
    const r = takeReply(h.written(tid));
    const c = h.core.getConn(ours)!;
    if (wins) {
      assert.equal(r.tag, Msgr1Tag.RETRY_GLOBAL);
      assert.equal(c.tid, tid, 'our connection took the incoming socket');
      assert.equal(h.closes(ourTid), 1);
      assert.equal(h.proto(ours).state, 'ACCEPTING');
    } else {
      assert.equal(r.tag, Msgr1Tag.WAIT);
      assert.equal(c.tid, ourTid);
      assert.equal(c.session.keepalivePending, true, 'our attempt is nudged with a keepalive');
    }
  });
}
