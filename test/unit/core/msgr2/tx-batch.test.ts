/**
 * The transmit fast path: frames encoded into a TxBatch (slab + references) are byte-identical to
 * the gather lists of FrameEncoder.encode/encodeMessage, in all four modes, for every layout, and
 * many frames in one batch decode back in order. Large payloads are referenced, not copied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { FrameDecoder } from '../../../../src/core/msgr2/frame-decoder.ts';
import { FrameEncoder, concatGather } from '../../../../src/core/msgr2/frame-encoder.ts';
import { decodeHeader2, type MsgHeader2 } from '../../../../src/core/msgr2/header2.ts';
import { createSecureHandlers } from '../../../../src/core/msgr2/secure.ts';
import { COPY_MAX, SLAB_SIZE, TxBatch } from '../../../../src/core/msgr2/tx-batch.ts';

const SECRET = Buffer.from(Array.from({ length: 64 }, (_, i) => i));
const SIZES = [0, 1, 100, COPY_MAX, COPY_MAX + 1, 70_000];

function header(seq: number): MsgHeader2 {
  return { seq: BigInt(seq), tid: 7n, type: 42, priority: 127, version: 3, dataPrePaddingLen: 0, dataOff: 0, ackSeq: 5n, flags: 3, compatVersion: 1, reserved: 0 };
}

function pair(rev1: boolean, secure: boolean): [FrameEncoder, FrameEncoder, FrameDecoder] {
  const a = new FrameEncoder({ rev1 });
  const b = new FrameEncoder({ rev1 });
  const d = new FrameDecoder({ rev1 });
  if (secure) {
    a.setSecure(createSecureHandlers(SECRET, { rev1, isServer: false }).tx);
    b.setSecure(createSecureHandlers(SECRET, { rev1, isServer: false }).tx);
    d.setSecure(createSecureHandlers(SECRET, { rev1, isServer: true }).rx);
  }
  return [a, b, d];
}

for (const rev1 of [false, true]) {
  for (const secure of [false, true]) {
    test(`TxBatch ${rev1 ? 'rev1' : 'rev0'} ${secure ? 'secure' : 'crc'}: same bytes as encodeMessage/encode, every layout`, () => {
      const [ref, fast, dec] = pair(rev1, secure);
      const batch = new TxBatch();
      const expected: Buffer[] = [];
      let seq = 0;
      for (const f of SIZES)
        for (const m of [0, 3])
          for (const d of SIZES) {
            const front = Buffer.alloc(f, 1);
            const middle = Buffer.alloc(m, 2);
            const data = Buffer.alloc(d, 3);
            seq++;
            expected.push(concatGather(ref.encodeMessage(header(seq), front, middle, data)));
            fast.encodeMessageTo(batch, header(seq), front, middle, data);
            // a control frame between messages
            expected.push(concatGather(ref.encode(20, [Buffer.alloc(8, seq & 0xff)])));
            fast.encodeTo(batch, 20, Buffer.alloc(8, seq & 0xff));
          }
      expected.push(concatGather(ref.encode(16, [Buffer.alloc(0)])));
      fast.encodeTo(batch, 16, Buffer.alloc(0));
      const got = concatGather(batch.take());
      assert.ok(got.equals(Buffer.concat(expected)), 'identical bytes');
      // and it decodes back, frame by frame
      const q = new ByteQueue();
      q.push(got);
      let n = 0;
      for (let fr = dec.readFrame(q); fr; fr = dec.readFrame(q)) {
        if (fr.tag === 17) assert.equal(decodeHeader2(fr.segments[0]!).seq, BigInt(++n));
      }
      assert.equal(n, seq);
      assert.equal(q.length, 0);
    });
  }
}

test('TxBatch: small frames share one slab slice; large payloads are referenced, not copied', () => {
  const enc = new FrameEncoder({ rev1: true });
  const b = new TxBatch();
  for (let i = 0; i < 100; i++) enc.encodeMessageTo(b, header(i + 1), Buffer.alloc(64, i), Buffer.alloc(0), Buffer.alloc(0));
  const small = b.take();
  assert.equal(small.length, 1, 'one buffer for 100 small messages');
  assert.equal(small[0]!.length, 100 * (32 + 41 + 4 + 64 + 13));
  const big = Buffer.alloc(1 << 20, 9);
  enc.encodeMessageTo(b, header(101), Buffer.alloc(10), Buffer.alloc(0), big);
  const list = b.take();
  assert.ok(list.includes(big), 'the 1 MiB data segment is the caller buffer itself');
  // the slab is reused across takes and never rewrites bytes it handed out
  const first = Buffer.from(small[0]!);
  for (let i = 0; i < 2000; i++) enc.encodeMessageTo(b, header(i + 200), Buffer.alloc(64, 7), Buffer.alloc(0), Buffer.alloc(0));
  b.take();
  assert.ok(small[0]!.equals(first), 'a taken slice is never overwritten');
  assert.ok(SLAB_SIZE >= 4096);
});
