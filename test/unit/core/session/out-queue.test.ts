/**
 * OutQueue (Ceph's out_queue): highest priority first, FIFO within a priority, requeue at the
 * front, per-priority access for discard_requeued_up_to, counts and bytes; empty FIFOs are
 * reused without changing any of that, and the map of kept FIFOs stays bounded.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Message } from '../../../../src/messages/message.ts';
import { OutQueue } from '../../../../src/core/session/out-queue.ts';

const msg = (tid: number, bytes = 1): Message => new Message({ type: 2, tid: BigInt(tid), data: Buffer.alloc(bytes) });
const tids = (ms: (Message | undefined)[]): number[] => ms.map((m) => Number(m?.tid ?? -1));

test('priority order, FIFO within a priority, counts and bytes', () => {
  const q = new OutQueue();
  q.push(msg(1, 10), 127);
  q.push(msg(2, 20), 196);
  q.push(msg(3, 30), 127);
  q.push(msg(4, 40), 63);
  q.push(msg(5, 50), 196);
  assert.equal(q.count, 5);
  assert.equal(q.bytes, 150);
  const out: Message[] = [];
  for (let m = q.shift(); m; m = q.shift()) out.push(m);
  assert.deepEqual(tids(out), [2, 5, 1, 3, 4]);
  assert.equal(q.count, 0);
  assert.equal(q.bytes, 0);
  assert.ok(q.empty);
  assert.equal(q.shift(), undefined);
});

test('pushFront, peekPrio / shiftPrio / hasPrio, clear in send order', () => {
  const q = new OutQueue();
  q.push(msg(1), 127);
  q.pushFront(msg(0), 255);
  q.push(msg(2), 127);
  assert.ok(q.hasPrio(255));
  assert.equal(Number(q.peekPrio(255)?.tid), 0);
  assert.equal(Number(q.shiftPrio(255)?.tid), 0);
  assert.ok(!q.hasPrio(255));
  assert.equal(q.shiftPrio(255), undefined);
  q.pushFront(msg(9), 127);
  assert.deepEqual(tids(q.clear()), [9, 1, 2]);
  assert.equal(q.count, 0);
  assert.equal(q.shift(), undefined);
});

test('one message at a time (empty FIFOs reused) and many priorities coming and going', () => {
  const q = new OutQueue();
  for (let i = 0; i < 1000; i++) {
    q.push(msg(i), 127);
    assert.equal(Number(q.shift()?.tid), i);
    assert.ok(q.empty);
  }
  // 100 distinct priorities, interleaved; order must stay exact
  let tid = 0;
  const want: number[] = [];
  for (let round = 0; round < 3; round++) {
    const batch: [number, number][] = [];
    for (let p = 0; p < 100; p++) batch.push([(p * 37) % 100, tid++]);
    for (const [p, t] of batch) q.push(msg(t), p);
    want.push(...[...batch].sort((a, b) => b[0] - a[0] || a[1] - b[1]).map(([, t]) => t));
    const got: number[] = [];
    for (let m = q.shift(); m; m = q.shift()) got.push(Number(m.tid));
    assert.deepEqual(got, want.splice(0));
  }
  const kept = (q as unknown as { fifos: Map<number, unknown> }).fifos.size;
  assert.ok(kept <= 16, `empty FIFOs kept: ${kept}`);
});
