import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { isMsgrError } from '../../../../src/errors.ts';
import {
  CEPH_MDSC_PROTOCOL,
  CEPH_MON_PROTOCOL,
  CEPH_MONC_PROTOCOL,
  CEPH_OSD_PROTOCOL,
  CEPH_OSDC_PROTOCOL,
  clusterProtocolFor,
  CONNECT_REPLY_TAGS,
  encodeMsgr1Connect,
  encodeMsgr1ConnectReply,
  MSGR1_CONNECT_LEN,
  MSGR1_CONNECT_REPLY_LEN,
  MSGR1_MAX_AUTHORIZER_LEN,
  Msgr1Tag,
  msgr1TagName,
  protocolVersionFor,
  readMsgr1Connect,
  readMsgr1ConnectReply,
  type Msgr1Connect,
  type Msgr1ConnectReply,
} from '../../../../src/core/msgr1/connect.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `expected MsgrError, got ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

const connect: Msgr1Connect = {
  features: 0x3f01cfb9fffdffffn,
  hostType: EntityType.OSD,
  globalSeq: 0x01020304,
  connectSeq: 7,
  protocolVersion: 24,
  authorizerProtocol: 2,
  authorizer: Buffer.from('an authorizer blob'),
  flags: 1,
};
const reply: Msgr1ConnectReply = {
  tag: Msgr1Tag.CHALLENGE_AUTHORIZER,
  features: 0xffffffffffffffffn,
  globalSeq: 0xfffffffe,
  connectSeq: 8,
  protocolVersion: 24,
  authorizer: Buffer.from([1, 2, 3, 4, 5]),
  flags: 0,
};

test('tags: numbers and names as in msgr.h', () => {
  assert.equal(Msgr1Tag.READY, 1);
  assert.equal(Msgr1Tag.CLOSE, 6);
  assert.equal(Msgr1Tag.MSG, 7);
  assert.equal(Msgr1Tag.ACK, 8);
  assert.equal(Msgr1Tag.KEEPALIVE, 9);
  assert.equal(Msgr1Tag.SEQ, 13);
  assert.equal(Msgr1Tag.KEEPALIVE2, 14);
  assert.equal(Msgr1Tag.KEEPALIVE2_ACK, 15);
  assert.equal(Msgr1Tag.CHALLENGE_AUTHORIZER, 16);
  assert.equal(msgr1TagName(13), 'SEQ');
  assert.equal(msgr1TagName(16), 'CHALLENGE_AUTHORIZER');
  assert.equal(msgr1TagName(99), 'unknown(99)');
  assert.equal(new Set(Object.values(Msgr1Tag)).size, 16);
});

test('connect: 33-byte layout per §5.2', () => {
  const b = encodeMsgr1Connect(connect);
  assert.equal(b.length, MSGR1_CONNECT_LEN + connect.authorizer.length);
  assert.equal(b.readBigUInt64LE(0), connect.features);
  assert.equal(b.readUInt32LE(8), EntityType.OSD);
  assert.equal(b.readUInt32LE(12), 0x01020304);
  assert.equal(b.readUInt32LE(16), 7);
  assert.equal(b.readUInt32LE(20), 24);
  assert.equal(b.readUInt32LE(24), 2);
  assert.equal(b.readUInt32LE(28), connect.authorizer.length);
  assert.equal(b[32], 1);
  assert.ok(b.subarray(33).equals(connect.authorizer));
});

test('connect_reply: 26-byte layout per §5.2', () => {
  const b = encodeMsgr1ConnectReply(reply);
  assert.equal(b.length, MSGR1_CONNECT_REPLY_LEN + 5);
  assert.equal(b[0], 16);
  assert.equal(b.readBigUInt64LE(1), reply.features);
  assert.equal(b.readUInt32LE(9), 0xfffffffe);
  assert.equal(b.readUInt32LE(13), 8);
  assert.equal(b.readUInt32LE(17), 24);
  assert.equal(b.readUInt32LE(21), 5);
  assert.equal(b[25], 0);
});

test('connect / reply: round trip, byte at a time, nothing consumed until the authorizer is complete', () => {
  for (const [enc, read, value] of [
    [encodeMsgr1Connect(connect), readMsgr1Connect, connect],
    [encodeMsgr1ConnectReply(reply), readMsgr1ConnectReply, reply],
  ] as const) {
    const q = new ByteQueue();
    for (let i = 0; i < enc.length - 1; i++) {
      q.push(enc.subarray(i, i + 1));
      assert.equal(read(q), undefined);
      assert.equal(q.length, i + 1);
    }
    q.push(enc.subarray(enc.length - 1));
    q.push(Buffer.from([0xaa]));
    assert.deepEqual(read(q), value);
    assert.equal(q.length, 1);
  }
});

test('connect / reply: empty authorizer', () => {
  const q = new ByteQueue();
  q.push(encodeMsgr1Connect({ ...connect, authorizer: Buffer.alloc(0), authorizerProtocol: 0 }));
  q.push(encodeMsgr1ConnectReply({ ...reply, tag: Msgr1Tag.READY, authorizer: Buffer.alloc(0) }));
  assert.equal(readMsgr1Connect(q)!.authorizer.length, 0);
  assert.equal(readMsgr1ConnectReply(q)!.tag, Msgr1Tag.READY);
  assert.equal(q.length, 0);
});

test('connect / reply: authorizer_len over the limit is ERR_DECODE_TOO_LARGE once the fixed part is in', () => {
  const big = Buffer.from(encodeMsgr1Connect(connect).subarray(0, MSGR1_CONNECT_LEN));
  big.writeUInt32LE(MSGR1_MAX_AUTHORIZER_LEN + 1, 28);
  const q = new ByteQueue();
  q.push(big.subarray(0, 32));
  assert.equal(readMsgr1Connect(q), undefined);
  q.push(big.subarray(32));
  assert.equal(code(() => readMsgr1Connect(q)), 'ERR_DECODE_TOO_LARGE');

  const r = Buffer.from(encodeMsgr1ConnectReply(reply).subarray(0, MSGR1_CONNECT_REPLY_LEN));
  r.writeUInt32LE(0xffffffff, 21);
  const q2 = new ByteQueue();
  q2.push(r);
  assert.equal(code(() => readMsgr1ConnectReply(q2)), 'ERR_DECODE_TOO_LARGE');
  // a configured limit applies
  const q3 = new ByteQueue();
  q3.push(encodeMsgr1Connect(connect));
  assert.equal(code(() => readMsgr1Connect(q3, { maxAuthorizerLen: 4 })), 'ERR_DECODE_TOO_LARGE');
});

test('connect_reply: a tag that is not a reply tag fails on its first byte', () => {
  for (let tag = 0; tag < 256; tag++) {
    const q = new ByteQueue();
    q.push(Buffer.from([tag]));
    const c = code(() => readMsgr1ConnectReply(q));
    assert.equal(c, CONNECT_REPLY_TAGS.has(tag) ? 'no error' : 'ERR_MSGR1_TAG', `tag ${tag}`);
  }
  for (const t of [Msgr1Tag.MSG, Msgr1Tag.ACK, Msgr1Tag.CLOSE, Msgr1Tag.KEEPALIVE2]) assert.ok(!CONNECT_REPLY_TAGS.has(t));
});

test('connect / reply: encoders reject out-of-range fields', () => {
  assert.equal(code(() => encodeMsgr1Connect({ ...connect, flags: 256 })), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => encodeMsgr1Connect({ ...connect, globalSeq: -1 })), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => encodeMsgr1Connect({ ...connect, features: -1n })), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => encodeMsgr1ConnectReply({ ...reply, tag: 300 })), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => encodeMsgr1ConnectReply({ ...reply, connectSeq: 2 ** 32 })), 'ERR_ENCODE_INVALID');
});

test('protocol versions: constants from Ceph', () => {
  assert.equal(CEPH_MONC_PROTOCOL, 15);
  assert.equal(CEPH_OSDC_PROTOCOL, 24);
  assert.equal(CEPH_MDSC_PROTOCOL, 32);
  assert.equal(CEPH_MON_PROTOCOL, 13);
  assert.equal(CEPH_OSD_PROTOCOL, 10);
  assert.equal(clusterProtocolFor(EntityType.CLIENT), 0);
  assert.equal(clusterProtocolFor(EntityType.MGR), 0);
});

test('protocol versions: what a connector sends (Ceph get_proto_version(peer, true))', () => {
  const { MON, MDS, OSD, CLIENT, MGR } = EntityType;
  assert.equal(protocolVersionFor(CLIENT, MON, true), 15);
  assert.equal(protocolVersionFor(CLIENT, OSD, true), 24);
  assert.equal(protocolVersionFor(CLIENT, MDS, true), 32);
  assert.equal(protocolVersionFor(CLIENT, MGR, true), 0);
  assert.equal(protocolVersionFor(OSD, MON, true), 15);
  assert.equal(protocolVersionFor(MGR, OSD, true), 24);
  assert.equal(protocolVersionFor(MON, MON, true), CEPH_MON_PROTOCOL);
  assert.equal(protocolVersionFor(OSD, OSD, true), CEPH_OSD_PROTOCOL);
  assert.equal(protocolVersionFor(MDS, MDS, true), clusterProtocolFor(MDS));
  assert.equal(protocolVersionFor(CLIENT, CLIENT, true), 0);
  // acceptor side: its own public protocol
  assert.equal(protocolVersionFor(MON, CLIENT, false), 15);
  assert.equal(protocolVersionFor(OSD, CLIENT, false), 24);
  assert.equal(protocolVersionFor(MGR, CLIENT, false), 0);
});

test('protocol versions: connector and acceptor agree for every pair of entity types', () => {
  const types = Object.values(EntityType);
  for (const a of types) {
    for (const b of types) {
      assert.equal(protocolVersionFor(a, b, true), protocolVersionFor(b, a, false), `${a} -> ${b}`);
    }
  }
});
