/**
 * msgr1 connector decision logic against a scripted server: the bytes we write for the banner,
 * address and ceph_msg_connect, and our reaction to every connect reply tag (READY, SEQ + le64,
 * RESETSESSION, RETRY_SESSION, RETRY_GLOBAL, WAIT, BADAUTHORIZER, FEATURES, BADPROTOVER,
 * an unknown tag), and Ceph V1's fault rules (lossy during the handshake, backoff).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Msgr1Tag, CEPH_OSDC_PROTOCOL } from '../../../../src/core/msgr1/connect.ts';
import { MSGR1_BANNER } from '../../../../src/core/msgr1/banner.ts';
import { decodeNonePayload } from '../../../../src/core/auth/none.ts';
import { AuthMethod } from '../../../../src/core/auth/types.ts';
import { Policy, PolicySet } from '../../../../src/core/session/policy.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { DEFAULT_FEATURES, Feature } from '../../../../src/encoding/types/features.ts';
import { Message } from '../../../../src/messages/message.ts';
import type { MsgrEvent } from '../../../../src/core/events.ts';
import { Harness, le64, reply, serverHello, takeClientHello, takeConnect, takeRecords, takeSeq, v1 } from './harness.ts';

const PEER = v1('10.0.0.2', 6800, 99);
const LOCAL = v1('10.0.0.1', 40000, 0);

function client(policy = Policy.lossless_client(), config = {}): Harness {
  return new Harness({ name: { type: EntityType.CLIENT, num: -1n }, policies: new PolicySet(policy), config: { ms_initial_backoff: 0.2, ms_max_backoff: 15, ...config } });
}

/** Dial PEER up to (and including) the first connect; returns the connection id and transport. */
function dial(h: Harness): { id: number; tid: number } {
  const id = h.core.connect([PEER], EntityType.OSD, h.now);
  const { tid, addr } = h.lastConnectIo();
  assert.deepEqual(addr, PEER);
  h.core.connected(tid, LOCAL, h.now);
  return { id, tid };
}

function handshake(h: Harness, tid: number) {
  h.feed(tid, serverHello(PEER, { ...LOCAL, nonce: 0 }));
  const q = h.written(tid);
  const hello = takeClientHello(q);
  return { hello, connect: takeConnect(q), q };
}

function refusedOf(h: Harness): Extract<MsgrEvent, { kind: 'refused' }>[] {
  return h.events.filter((e): e is Extract<MsgrEvent, { kind: 'refused' }> => e.kind === 'refused');
}

test('client writes the banner first, then its learned address and ceph_msg_connect', () => {
  const h = client();
  const { tid } = dial(h);
  const first = h.written(tid);
  assert.equal(first.length, 9, 'only the banner before the server hello');
  assert.deepEqual(first.peek(9), MSGR1_BANNER);
  const { hello, connect, q } = handshake(h, tid);
  assert.equal(q.length, 0, 'nothing else');
  assert.deepEqual(
    { ip: hello.addr.ip, port: hello.addr.port, nonce: hello.addr.nonce },
    { ip: '10.0.0.1', port: 0, nonce: 7 },
    'the IP learned from "peer addr for me", our nonce, port 0 (unbound)',
  );
  assert.equal(h.core.myAddrs()[0]!.ip, '10.0.0.1');
  assert.equal(connect.features, DEFAULT_FEATURES);
  assert.equal(connect.hostType, EntityType.CLIENT);
  assert.equal(connect.globalSeq, 1);
  assert.equal(connect.connectSeq, 0);
  assert.equal(connect.protocolVersion, CEPH_OSDC_PROTOCOL);
  assert.equal(connect.flags, 0, 'lossless: no LOSSY flag');
  // auth none towards an OSD: Ceph still sends the none authorizer (u8 1, name, global_id)
  assert.equal(connect.authorizerProtocol, AuthMethod.NONE);
  const az = decodeNonePayload(connect.authorizer);
  assert.equal(az.mode, 1);
  assert.equal(az.globalId, 0n);
});

test('lossy policy sets the LOSSY flag; no authorizer towards a mon', () => {
  const h = client(Policy.lossy_client());
  const id = h.core.connect([PEER], EntityType.MON, h.now);
  const { tid } = h.lastConnectIo();
  h.core.connected(tid, LOCAL, h.now);
  const { connect } = handshake(h, tid);
  assert.equal(connect.flags, 1);
  assert.equal(connect.protocolVersion, 15, 'CEPH_MONC_PROTOCOL');
  assert.equal(connect.authorizerProtocol, 0);
  assert.equal(connect.authorizer.length, 0);
  assert.ok(id > 0);
});

test('server address check: wrong address faults; a blank IP with the same port and nonce is accepted', () => {
  const h = client();
  const { tid } = dial(h);
  h.feed(tid, serverHello(v1('10.0.0.3', 6800, 99), LOCAL));
  const f = h.events.find((e) => e.kind === 'fault');
  assert.ok(f && f.kind === 'fault' && f.error.code === 'ERR_PEER_ADDR');
  assert.equal(h.closes(tid), 1);

  const h2 = client();
  const d2 = dial(h2);
  h2.feed(d2.tid, serverHello({ ...PEER, ip: '0.0.0.0' }, LOCAL));
  assert.ok(takeConnect(((q) => (takeClientHello(q), q))(h2.written(d2.tid))));
  assert.equal(h2.eventKinds().includes('fault'), false);
});

test('READY opens the session: features = reply ∩ ours, connect_seq = reply, lossy from the reply flags', () => {
  const h = client();
  const { id, tid } = dial(h);
  handshake(h, tid);
  const theirs = DEFAULT_FEATURES & ~Feature.MSG_AUTH;
  h.feed(tid, reply(Msgr1Tag.READY, { features: theirs | (1n << 62n), connectSeq: 1, globalSeq: 77, flags: 1 }));
  assert.deepEqual(h.eventKinds(), ['connect']);
  const p = h.proto(id);
  assert.equal(p.state, 'OPENED');
  assert.equal(p.conn.session.features, theirs);
  assert.equal(p.conn.session.connectSeq, 1n);
  assert.equal(p.conn.session.peerGlobalSeq, 77n);
  assert.equal(p.conn.policy.lossy, true, 'the server decides');
  // no MSG_AUTH: messages go out with the 13-byte old footer
  h.core.send(id, new Message({ type: 2, front: Buffer.from('hi') }), h.now);
  const recs = takeRecords(h.written(tid), false);
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.kind === 'message' && recs[0]!.header.seq, 1n);
});

test('SEQ: read the server in_seq, drop what it has, send ours, resend the rest with the same seqs', () => {
  const h = client();
  const { id, tid } = dial(h);
  handshake(h, tid);
  h.feed(tid, reply(Msgr1Tag.READY, { connectSeq: 1 }));
  for (const t of ['a', 'b', 'c']) h.core.send(id, new Message({ type: 2, front: Buffer.from(t) }), h.now);
  assert.deepEqual(
    takeRecords(h.written(tid)).map((r) => r.kind === 'message' && r.header.seq),
    [1n, 2n, 3n],
  );
  h.feed(tid, Buffer.from([Msgr1Tag.ACK]), le64(0n)); // ACK 0 from the peer: nothing acked
  // socket dies: lossless client reconnects at once with connect_seq + 1
  h.core.closed(tid, undefined, h.now);
  h.pump();
  const { tid: tid2 } = h.lastConnectIo();
  assert.notEqual(tid2, tid);
  h.core.connected(tid2, LOCAL, h.now);
  const { connect } = handshake(h, tid2);
  assert.equal(connect.connectSeq, 2);
  assert.equal(connect.globalSeq, 2);
  h.feed(tid2, reply(Msgr1Tag.SEQ, { connectSeq: 3 }), le64(2n));
  const q = h.written(tid2);
  assert.equal(takeSeq(q), 0n, 'our in_seq');
  const recs = takeRecords(q);
  assert.deepEqual(
    recs.map((r) => (r.kind === 'message' ? `${r.header.seq}:${r.message.front.toString()}` : r.kind)),
    ['3:c'],
    'seq 1, 2 dropped; 3 resent with its seq',
  );
  assert.equal(h.proto(id).conn.session.connectSeq, 3n);
  assert.equal(h.events.filter((e) => e.kind === 'connect').length, 2);
  assert.equal(h.events.filter((e) => e.kind === 'remote-reset' || e.kind === 'reset').length, 0);
});

test('RESETSESSION: remote reset (queue discarded), connect again with connect_seq 0', () => {
  const h = client();
  const { id, tid } = dial(h);
  handshake(h, tid);
  h.feed(tid, reply(Msgr1Tag.READY, { connectSeq: 1 }));
  h.core.send(id, new Message({ type: 2 }), h.now);
  h.written(tid).clear();
  h.core.closed(tid, undefined, h.now);
  const { tid: tid2 } = h.lastConnectIo();
  h.core.connected(tid2, LOCAL, h.now);
  assert.equal(handshake(h, tid2).connect.connectSeq, 2);
  h.feed(tid2, reply(Msgr1Tag.RESETSESSION));
  const rr = h.events.find((e) => e.kind === 'remote-reset');
  assert.ok(rr && rr.kind === 'remote-reset' && rr.discarded === 1);
  const again = takeConnect(h.written(tid2));
  assert.equal(again.connectSeq, 0);
  const s = h.proto(id).conn.session;
  assert.equal(s.inSeq, 0n);
  assert.ok(s.outSeq < 0x80000000n, 'out_seq re-randomised below 2^31 (MSG_AUTH)');
});

test('RETRY_SESSION adopts the reply connect_seq; RETRY_GLOBAL jumps above the reply global_seq', () => {
  const h = client();
  const { tid } = dial(h);
  handshake(h, tid);
  h.feed(tid, reply(Msgr1Tag.RETRY_SESSION, { connectSeq: 5 }));
  assert.equal(takeConnect(h.written(tid)).connectSeq, 5);
  h.feed(tid, reply(Msgr1Tag.RETRY_GLOBAL, { globalSeq: 100 }));
  const c = takeConnect(h.written(tid));
  assert.ok(c.globalSeq > 100, `gs ${c.globalSeq}`);
  assert.equal(c.connectSeq, 5);
  // a RETRY_SESSION that does not move connect_seq forward is a protocol error
  h.feed(tid, reply(Msgr1Tag.RETRY_SESSION, { connectSeq: 5 }));
  const f = h.events.find((e) => e.kind === 'fault');
  assert.ok(f && f.kind === 'fault' && f.error.code === 'ERR_HANDSHAKE');
});

test('WAIT: back off ms_max_backoff before the next attempt', () => {
  const h = client();
  const { id, tid } = dial(h);
  handshake(h, tid);
  const opened = h.ios.filter((x) => x.kind === 'connect').length;
  h.feed(tid, reply(Msgr1Tag.WAIT));
  assert.equal(h.proto(id).state, 'START_CONNECT');
  assert.equal(h.core.nextTimeout(), h.now + 15_000);
  h.advance(14_999);
  assert.equal(h.ios.filter((x) => x.kind === 'connect').length, opened);
  h.advance(1);
  assert.equal(h.ios.filter((x) => x.kind === 'connect').length, opened + 1);
});

for (const [tag, code] of [
  [Msgr1Tag.BADAUTHORIZER, 'ERR_AUTH_REJECTED'],
  [Msgr1Tag.FEATURES, 'ERR_MISSING_FEATURES'],
  [Msgr1Tag.BADPROTOVER, 'ERR_MSGR1_BADPROTOVER'],
] as const) {
  test(`reply tag ${tag} (${code}): refused; lossless backs off and retries, lossy closes with a reset`, () => {
    const h = client();
    const { id, tid } = dial(h);
    handshake(h, tid);
    h.feed(tid, reply(tag, { features: DEFAULT_FEATURES | (1n << 63n) }));
    assert.deepEqual(refusedOf(h).map((e) => [e.error.code, e.final]), [[code, false]]);
    assert.equal(h.proto(id).state, 'START_CONNECT');
    assert.equal(h.core.nextTimeout(), h.now + 200, 'ms_initial_backoff');

    const l = client(Policy.lossy_client());
    const d = dial(l);
    handshake(l, d.tid);
    l.feed(d.tid, reply(tag));
    assert.deepEqual(refusedOf(l).map((e) => [e.error.code, e.final]), [[code, true]]);
    assert.equal(l.proto(d.id).state, 'CLOSED');
  });
}

test('a reply that is not a connect reply tag faults (ERR_MSGR1_TAG)', () => {
  const h = client();
  const { tid } = dial(h);
  handshake(h, tid);
  h.feed(tid, reply(Msgr1Tag.MSG));
  const f = h.events.find((e) => e.kind === 'fault');
  assert.ok(f && f.kind === 'fault' && f.error.code === 'ERR_MSGR1_TAG');
});

test('Ceph V1 fault rules: lossy fails once the banner went out, backs off before; lossless backs off', () => {
  // lossy: TCP connect refused (START_CONNECT) → backoff
  const a = client(Policy.lossy_client());
  const da = dial(a);
  const b = client(Policy.lossy_client());
  const idb = b.core.connect([PEER], EntityType.OSD, b.now);
  const tb = b.lastConnectIo().tid;
  b.core.closed(tb, new Error('ECONNREFUSED'), b.now);
  b.pump();
  assert.equal(b.proto(idb).state, 'START_CONNECT');
  assert.ok(b.core.nextTimeout()! > b.now);
  // lossy: the socket dies while waiting for the server hello → closed (reset if announced)
  a.core.closed(da.tid, undefined, a.now);
  a.pump();
  assert.equal(a.proto(da.id).state, 'CLOSED');
  // lossless: same point → backoff
  const c = client();
  const dc = dial(c);
  c.core.closed(dc.tid, undefined, c.now);
  c.pump();
  assert.equal(c.proto(dc.id).state, 'START_CONNECT');
  assert.equal(c.core.nextTimeout(), c.now + 200);
});
