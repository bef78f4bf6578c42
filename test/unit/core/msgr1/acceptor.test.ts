/**
 * msgr1 acceptor against a scripted client: the banner we write, the client's address fix-up,
 * and the replies of handle_connect_message_2 that do not involve an existing connection
 * (BADPROTOVER, FEATURES, BADAUTHORIZER, RESETSESSION, READY, SEQ + le64, lossy servers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Msgr1Tag, CEPH_OSDC_PROTOCOL } from '../../../../src/core/msgr1/connect.ts';
import { encodeNonePayload } from '../../../../src/core/auth/none.ts';
import { AuthMethod } from '../../../../src/core/auth/types.ts';
import { Policy, PolicySet } from '../../../../src/core/session/policy.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { DEFAULT_FEATURES, Feature } from '../../../../src/encoding/types/features.ts';
import { Harness, clientHello, connectMsg, le64, takeReply, takeSeq, takeServerHello, v1 } from './harness.ts';

const ME = v1('10.0.0.2', 6800, 99);
const SOCK = v1('10.0.0.1', 40000, 0);

function server(clientPolicy = Policy.stateful_server()): Harness {
  const ps = new PolicySet(Policy.stateless_server());
  ps.set(EntityType.CLIENT, clientPolicy);
  return new Harness({ name: { type: EntityType.OSD, num: 0n }, nonce: 99, policies: ps }, [ME]);
}

function accept(h: Harness, sock = SOCK): number {
  const tid = h.core.accepted(ME, sock, h.now, 1);
  h.pump();
  return tid;
}

/** The connection id behind a transport (the only live one unless a test says otherwise). */
function connOf(h: Harness): number {
  const ids = [...h.core.all.keys()];
  assert.equal(ids.length, 1);
  return ids[0]!;
}

const OK_CONNECT = { hostType: EntityType.CLIENT, protocolVersion: CEPH_OSDC_PROTOCOL };

test('server banner: "ceph v027", our v1 address, the client address as seen (nonce 0)', () => {
  const h = server();
  const tid = accept(h);
  const q = h.written(tid);
  const hello = takeServerHello(q);
  assert.equal(q.length, 0);
  assert.deepEqual([hello.serverAddr.ip, hello.serverAddr.port, hello.serverAddr.nonce], ['10.0.0.2', 6800, 99]);
  assert.deepEqual([hello.peerAddrForMe.ip, hello.peerAddrForMe.port, hello.peerAddrForMe.nonce], ['10.0.0.1', 40000, 0]);
});

test('blank client address: IP from the socket, its port and nonce kept; SEQ + le64 exchange opens', () => {
  const h = server();
  const tid = accept(h);
  takeServerHello(h.written(tid));
  h.feed(tid, clientHello(v1('0.0.0.0', 0, 5)));
  const id = connOf(h);
  const c = h.core.getConn(id)!;
  assert.deepEqual([c.peerAddrs[0]!.ip, c.peerAddrs[0]!.port, c.peerAddrs[0]!.nonce], ['10.0.0.1', 0, 5]);
  h.feed(tid, connectMsg({ ...OK_CONNECT, globalSeq: 9 }));
  const q = h.written(tid);
  const r = takeReply(q);
  assert.equal(r.tag, Msgr1Tag.SEQ, 'the client has RECONNECT_SEQ');
  assert.equal(r.connectSeq, 1);
  assert.equal(r.protocolVersion, CEPH_OSDC_PROTOCOL);
  assert.equal(r.features, DEFAULT_FEATURES, 'our supported set');
  assert.equal(r.flags, 0, 'stateful_server is lossless');
  assert.equal(takeSeq(q), 0n, 'our in_seq follows the reply');
  assert.deepEqual(h.eventKinds(), ['accept']);
  assert.equal(h.proto(id).state, 'ACCEPTING_HANDLED_CONNECT_MSG');
  h.feed(tid, le64(0n));
  assert.equal(h.proto(id).state, 'OPENED');
  assert.equal(c.session.peerGlobalSeq, 9n);
  assert.equal(c.peerType, EntityType.CLIENT);
  assert.equal(h.core.registrySizes().conns, 1, 'registered under the client address');
});

test('READY (no SEQ exchange) for a client without RECONNECT_SEQ; LOSSY flag from our policy', () => {
  const h = server(Policy.stateless_server());
  const tid = accept(h);
  h.written(tid).clear();
  h.feed(tid, clientHello(v1('10.0.0.1', 0, 5)), connectMsg({ ...OK_CONNECT, features: DEFAULT_FEATURES & ~Feature.RECONNECT_SEQ, flags: 1 }));
  const q = h.written(tid);
  const r = takeReply(q);
  assert.equal(r.tag, Msgr1Tag.READY);
  assert.equal(r.flags, 1);
  assert.equal(q.length, 0, 'no le64 after READY');
  const id = connOf(h);
  assert.equal(h.proto(id).state, 'OPENED');
  assert.equal(h.core.getConn(id)!.session.features, DEFAULT_FEATURES & ~Feature.RECONNECT_SEQ);
  assert.deepEqual(h.core.registrySizes().anon, 1, 'lossy unregistered client: anonymous');
});

test('BADPROTOVER, then the same socket accepts a corrected connect', () => {
  const h = server();
  const tid = accept(h);
  h.written(tid).clear();
  h.feed(tid, clientHello(v1('10.0.0.1', 0, 5)), connectMsg({ ...OK_CONNECT, protocolVersion: 99 }));
  const r = takeReply(h.written(tid));
  assert.equal(r.tag, Msgr1Tag.BADPROTOVER);
  assert.equal(r.protocolVersion, CEPH_OSDC_PROTOCOL, 'tells ours');
  assert.equal(h.eventKinds().length, 0);
  h.feed(tid, connectMsg(OK_CONNECT));
  assert.equal(takeReply(h.written(tid)).tag, Msgr1Tag.SEQ);
});

test('FEATURES: reply features = (client ∩ ours) | our required; nothing opens', () => {
  const need = 1n << 62n;
  const h = server(Policy.with(Policy.stateful_server(), { featuresRequired: need, featuresSupported: DEFAULT_FEATURES | need }));
  const tid = accept(h);
  h.written(tid).clear();
  const theirs = DEFAULT_FEATURES & ~Feature.MSG_AUTH;
  h.feed(tid, clientHello(v1('10.0.0.1', 0, 5)), connectMsg({ ...OK_CONNECT, features: theirs }));
  const r = takeReply(h.written(tid));
  assert.equal(r.tag, Msgr1Tag.FEATURES);
  assert.equal(r.features, theirs | need);
  assert.deepEqual(h.eventKinds(), []);
});

test('BADAUTHORIZER: a method the server does not allow, or an authorizer that does not verify', () => {
  const h = server();
  const tid = accept(h);
  h.written(tid).clear();
  h.feed(tid, clientHello(v1('10.0.0.1', 0, 5)), connectMsg({ ...OK_CONNECT, authorizerProtocol: AuthMethod.CEPHX, authorizer: Buffer.from([1, 2, 3]) }));
  assert.equal(takeReply(h.written(tid)).tag, Msgr1Tag.BADAUTHORIZER);
  h.feed(tid, connectMsg({ ...OK_CONNECT, authorizerProtocol: AuthMethod.NONE, authorizer: Buffer.from([7]) }));
  assert.equal(takeReply(h.written(tid)).tag, Msgr1Tag.BADAUTHORIZER);
  // a good none authorizer is accepted
  const az = encodeNonePayload(1, { type: EntityType.CLIENT, id: 'admin' }, 4242n);
  h.feed(tid, connectMsg({ ...OK_CONNECT, authorizerProtocol: AuthMethod.NONE, authorizer: az }));
  assert.equal(takeReply(h.written(tid)).tag, Msgr1Tag.SEQ);
  assert.equal(h.core.getConn(connOf(h))!.peerGlobalId, 4242n);
});

test('RESETSESSION: connect_seq > 0 and no session for this peer', () => {
  const h = server();
  const tid = accept(h);
  h.written(tid).clear();
  h.feed(tid, clientHello(v1('10.0.0.1', 0, 5)), connectMsg({ ...OK_CONNECT, connectSeq: 3 }));
  assert.equal(takeReply(h.written(tid)).tag, Msgr1Tag.RESETSESSION);
  h.feed(tid, connectMsg({ ...OK_CONNECT, connectSeq: 0 }));
  const r = takeReply(h.written(tid));
  assert.equal(r.tag, Msgr1Tag.SEQ);
  assert.equal(r.connectSeq, 1);
});

test('a half-accepted socket that dies is closed without events', () => {
  const h = server();
  const tid = accept(h);
  h.feed(tid, clientHello(v1('10.0.0.1', 0, 5)));
  h.core.closed(tid, undefined, h.now);
  h.pump();
  assert.equal(h.proto(connOf(h)).state, 'CLOSED');
  assert.deepEqual(h.eventKinds(), ['fault']);
});
