/**
 * msgr1 READY data path against a scripted peer: keepalives (KEEPALIVE2 → echoed ACK, ack event,
 * legacy KEEPALIVE), coalesced writes (one gather list: keepalive ack, keepalive, messages, ACK),
 * incoming seq rules (old dropped, skipped accepted, die_on_old_message), cumulative ACKs,
 * corrupted records (header crc, payload crc, aborted footer), CLOSE, and read throttles.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Msgr1Tag } from '../../../../src/core/msgr1/connect.ts';
import { encodeMsgr1Message } from '../../../../src/core/msgr1/header.ts';
import { encodeMsgr1Ack, encodeMsgr1Close, encodeMsgr1Keepalive, encodeMsgr1Keepalive2, encodeMsgr1Keepalive2Ack } from '../../../../src/core/msgr1/records.ts';
import { Policy, PolicySet } from '../../../../src/core/session/policy.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { DEFAULT_FEATURES, Feature } from '../../../../src/encoding/types/features.ts';
import { Message } from '../../../../src/messages/message.ts';
import type { MsgrConfig } from '../../../../src/core/config.ts';
import type { MsgrEvent } from '../../../../src/core/events.ts';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { Harness, reply, serverHello, takeClientHello, takeConnect, takeRecords, v1 } from './harness.ts';

const PEER = v1('10.0.0.2', 6800, 99);

/** A lossless client connection opened with READY (peer features given). */
function open(opts: { features?: bigint; policy?: Policy; config?: Partial<MsgrConfig> } = {}) {
  const h = new Harness({ name: { type: EntityType.CLIENT, num: 3n }, policies: new PolicySet(opts.policy ?? Policy.lossless_client()), config: opts.config ?? {} });
  const id = h.core.connect([PEER], EntityType.OSD, h.now);
  const tid = h.lastConnectIo().tid;
  h.core.connected(tid, v1('10.0.0.1', 40000, 0), h.now);
  h.feed(tid, serverHello(PEER, v1('10.0.0.1', 40000, 0)));
  const q = h.written(tid);
  takeClientHello(q);
  takeConnect(q);
  h.feed(tid, reply(Msgr1Tag.READY, { connectSeq: 1, features: opts.features ?? DEFAULT_FEATURES }));
  assert.equal(h.proto(id).state, 'OPENED');
  return { h, id, tid };
}

function msg(seq: bigint, text: string, msgAuth = true): Buffer {
  return Buffer.concat(encodeMsgr1Message(new Message({ type: 2, front: Buffer.from(text), priority: 127 }), { seq, src: { type: EntityType.OSD, num: 0n }, msgAuth }));
}

function dispatched(h: Harness): string[] {
  return h.events.flatMap((e) => (e.kind === 'dispatch' ? [`${e.msg.seq}:${e.msg.front.toString()}`] : []));
}

function faultCode(h: Harness): string | undefined {
  const f = h.events.find((e): e is Extract<MsgrEvent, { kind: 'fault' }> => e.kind === 'fault');
  return f?.error.code;
}

test('KEEPALIVE2 is echoed as KEEPALIVE2_ACK; an ACK for ours is reported; a legacy KEEPALIVE needs no answer', () => {
  const { h, tid } = open();
  h.feed(tid, encodeMsgr1Keepalive2({ sec: 1234, nsec: 5678 }), encodeMsgr1Keepalive());
  const recs = takeRecords(h.written(tid));
  assert.deepEqual(recs, [{ kind: 'keepalive2_ack', stamp: { sec: 1234, nsec: 5678 } }]);
  h.feed(tid, encodeMsgr1Keepalive2Ack({ sec: 7, nsec: 500_000_000 }));
  const ka = h.events.find((e) => e.kind === 'keepalive-ack');
  assert.ok(ka && ka.kind === 'keepalive-ack' && ka.stampMs === 7500);
});

test('our keepalive: KEEPALIVE2 (stamp = now) when the peer has MSGR_KEEPALIVE2, bare KEEPALIVE otherwise', () => {
  const a = open();
  a.h.core.keepalive(a.id, a.h.now);
  const ra = takeRecords(a.h.written(a.tid));
  assert.deepEqual(ra.map((r) => r.kind), ['keepalive2']);
  assert.equal(ra[0]!.kind === 'keepalive2' && ra[0]!.stamp.sec, Math.floor(a.h.now / 1000));
  const b = open({ features: DEFAULT_FEATURES & ~Feature.MSGR_KEEPALIVE2 });
  b.h.core.keepalive(b.id, b.h.now);
  assert.deepEqual(takeRecords(b.h.written(b.tid)).map((r) => r.kind), ['keepalive']);
});

test('one gather list: keepalive ack, keepalive, the queued messages (seq = ++out_seq), then ACK(in_seq)', () => {
  const { h, id, tid } = open();
  h.written(tid).clear();
  // inputs without pumping: a peer message and a keepalive2, our keepalive and three messages
  h.core.received(tid, Buffer.concat([msg(1n, 'in'), encodeMsgr1Keepalive2({ sec: 1, nsec: 2 })]), h.now);
  h.core.keepalive(id, h.now);
  for (const t of ['a', 'b', 'c']) h.core.send(id, new Message({ type: 2, front: Buffer.from(t) }), h.now);
  const txs = h.transmitsNow();
  assert.equal(txs.length, 1, 'a single write');
  const q = new ByteQueue();
  for (const b of txs[0]!.bufs) q.push(b);
  const recs = takeRecords(q);
  assert.deepEqual(
    recs.map((r) => (r.kind === 'message' ? `msg${r.header.seq}` : r.kind === 'ack' ? `ack${r.seq}` : r.kind)),
    ['keepalive2_ack', 'keepalive2', 'msg1', 'msg2', 'msg3', 'ack1'],
    'msgr1 headers carry no ack, so the ACK still follows the messages',
  );
});

test('incoming seqs: old ones dropped and counted, a skipped one accepted; cumulative ACK trims the sent list', () => {
  const { h, id, tid } = open();
  h.feed(tid, msg(1n, 'one'), msg(1n, 'dup'), msg(3n, 'three'));
  assert.deepEqual(dispatched(h), ['1:one', '3:three']);
  const c = h.core.getConn(id)!;
  assert.equal(c.stats.duplicates, 1);
  assert.equal(c.stats.skipped, 1);
  for (const t of ['a', 'b', 'c']) h.core.send(id, new Message({ type: 2, front: Buffer.from(t) }), h.now);
  h.pump();
  assert.equal(c.session.sent.size, 3);
  h.feed(tid, encodeMsgr1Ack(2n));
  assert.equal(c.session.sent.size, 1);
  const acked = h.events.find((e) => e.kind === 'acked');
  assert.ok(acked && acked.kind === 'acked' && acked.count === 2);
});

test('ms_die_on_old_message: an old seq faults the connection', () => {
  const { h, tid } = open({ config: { ms_die_on_old_message: true } });
  h.feed(tid, msg(1n, 'one'), msg(1n, 'again'));
  assert.equal(faultCode(h), 'ERR_FRAME_INVALID');
  assert.deepEqual(dispatched(h), ['1:one']);
});

for (const [what, corrupt, code] of [
  ['header crc', (b: Buffer) => (b[1 + 20]! ^= 0xff), 'ERR_MSGR1_HEADER_CRC'],
  ['front crc', (b: Buffer) => (b[1 + 53]! ^= 0xff), 'ERR_MSGR1_DATA_CRC'],
  ['footer without COMPLETE', (b: Buffer) => (b[b.length - 1] = 0), 'ERR_MSGR1_ABORTED'],
] as const) {
  test(`a message with a bad ${what} faults (${code}), nothing dispatched`, () => {
    const { h, tid } = open();
    const b = msg(1n, 'payload');
    corrupt(b);
    h.feed(tid, b);
    assert.equal(faultCode(h), code);
    assert.deepEqual(dispatched(h), []);
  });
}

test('an unknown tag on an open connection faults (ERR_MSGR1_TAG)', () => {
  const { h, tid } = open();
  h.feed(tid, Buffer.from([Msgr1Tag.READY]));
  assert.equal(faultCode(h), 'ERR_MSGR1_TAG');
});

test('CLOSE from the peer closes the connection with a reset event', () => {
  const { h, id, tid } = open();
  h.feed(tid, encodeMsgr1Close());
  assert.equal(h.proto(id).state, 'CLOSED');
  assert.ok(h.eventKinds().includes('reset'));
  assert.equal(h.closes(tid), 1);
});

test('read throttle: a message waits (socket paused) until the previous one is released', () => {
  const policy = Policy.with(Policy.lossless_client(), { throttle: { messages: 1 } });
  const { h, tid } = open({ policy });
  h.feed(tid, msg(1n, 'first'), msg(2n, 'second'));
  assert.deepEqual(dispatched(h), ['1:first']);
  assert.ok(h.ios.some((x) => x.kind === 'pause' && x.tid === tid));
  const first = h.events.find((e): e is Extract<MsgrEvent, { kind: 'dispatch' }> => e.kind === 'dispatch')!;
  h.core.dispatchComplete(first.throttle);
  h.pump();
  assert.deepEqual(dispatched(h), ['1:first', '2:second']);
  assert.ok(h.ios.some((x) => x.kind === 'resume' && x.tid === tid));
});

test('ms_write_batch_bytes bounds one write; the rest follows in the next', () => {
  const { h, id, tid } = open({ config: { ms_write_batch_bytes: 1000 } });
  h.written(tid).clear();
  for (let i = 0; i < 4; i++) h.core.send(id, new Message({ type: 2, data: Buffer.alloc(600, i) }), h.now);
  const txs = h.transmitsNow();
  assert.ok(txs.length >= 2, `${txs.length} writes`);
  const q = new ByteQueue();
  for (const t of txs) for (const b of t.bufs) q.push(b);
  assert.deepEqual(takeRecords(q).map((r) => r.kind === 'message' && r.header.seq), [1n, 2n, 3n, 4n]);
});
