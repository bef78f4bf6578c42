import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { ByteQueue } from '../../../src/encoding/byte-queue.ts';

test('take: views inside a chunk, copies across chunks, in order', () => {
  const q = new ByteQueue();
  q.push(Buffer.from('abc'));
  q.push(Buffer.from('defg'));
  assert.equal(q.take(2).toString(), 'ab');
  assert.equal(q.take(3).toString(), 'cde');
  assert.equal(q.length, 2);
  assert.equal(q.peek(2).toString(), 'fg');
  assert.equal(q.take(2).toString(), 'fg');
  assert.equal(q.length, 0);
});

test('consumed chunks are released on a stream that never drains at a chunk boundary', () => {
  // large frames over 64 KiB chunks: every take ends inside a chunk (the S26 leak: the queue
  // kept every chunk it ever received, 250 MB for 400 MB of 6.8 MB messages)
  const q = new ByteQueue();
  const frame = 32 + 6_800_000 + 17;
  let maxChunks = 0;
  let frames = 0;
  for (let i = 0; i < 4000; i++) {
    const c = Buffer.alloc(65536, i & 0xff);
    q.push(c);
    while (q.length >= frame) {
      const head = q.take(32);
      assert.equal(head.length, 32);
      q.take(frame - 32);
      frames++;
    }
    const chunks = (q as unknown as { chunks: Buffer[] }).chunks;
    maxChunks = Math.max(maxChunks, chunks.filter((b) => b.length > 0).length);
  }
  assert.ok(frames >= 37);
  // only chunks holding unread bytes stay referenced
  assert.ok(maxChunks <= Math.ceil(frame / 65536) + 2, `${maxChunks} chunks still referenced`);
});
