import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import {
  encodeMsgr1Ack,
  encodeMsgr1Close,
  encodeMsgr1Keepalive,
  encodeMsgr1Keepalive2,
  encodeMsgr1Keepalive2Ack,
  encodeMsgr1Record,
  encodeMsgr1Seq,
  readMsgr1Seq,
} from '../../../../src/core/msgr1/records.ts';
import { Msgr1RecordDecoder } from '../../../../src/core/msgr1/record-decoder.ts';

test('records: byte layout of the small records', () => {
  assert.deepEqual([...encodeMsgr1Ack(0x0102030405060708n)], [8, 8, 7, 6, 5, 4, 3, 2, 1]);
  assert.deepEqual([...encodeMsgr1Keepalive()], [9]);
  assert.deepEqual([...encodeMsgr1Close()], [6]);
  assert.deepEqual([...encodeMsgr1Keepalive2({ sec: 0x11223344, nsec: 999999999 })], [14, 0x44, 0x33, 0x22, 0x11, 0xff, 0xc9, 0x9a, 0x3b]);
  assert.deepEqual([...encodeMsgr1Keepalive2Ack({ sec: 1, nsec: 2 })], [15, 1, 0, 0, 0, 2, 0, 0, 0]);
  assert.deepEqual([...encodeMsgr1Seq(0x100n)], [0, 1, 0, 0, 0, 0, 0, 0]);
});

test('records: readMsgr1Seq waits for 8 bytes and consumes exactly 8', () => {
  const q = new ByteQueue();
  const b = Buffer.concat([encodeMsgr1Seq(0xfffffffffffffffen), Buffer.from([9])]);
  for (let i = 0; i < 8; i++) {
    assert.equal(readMsgr1Seq(q), undefined);
    q.push(b.subarray(i, i + 1));
  }
  q.push(b.subarray(8));
  assert.equal(readMsgr1Seq(q), 0xfffffffffffffffen);
  assert.equal(q.length, 1);
});

test('records: encodeMsgr1Record of every small kind decodes back to the same record', () => {
  const recs = [
    { kind: 'ack', seq: 12345678901234n },
    { kind: 'keepalive' },
    { kind: 'keepalive2', stamp: { sec: 1795676283, nsec: 677347347 } },
    { kind: 'keepalive2_ack', stamp: { sec: 0, nsec: 1 } },
    { kind: 'close' },
  ] as const;
  const q = new ByteQueue();
  for (const r of recs) for (const p of encodeMsgr1Record(r, true)) q.push(p);
  const d = new Msgr1RecordDecoder({ msgAuth: true });
  for (const r of recs) assert.deepEqual(d.read(q), r);
  assert.equal(d.read(q), undefined);
  assert.equal(q.length, 0);
});
