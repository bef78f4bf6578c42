import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { isMsgrError } from '../../../../src/errors.ts';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { crc32c } from '../../../../src/encoding/crc32c.ts';
import { tryDecodeBanner } from '../../../../src/core/msgr2/banner.ts';
import { FrameDecoder, type Frame } from '../../../../src/core/msgr2/frame-decoder.ts';
import { FrameEncoder } from '../../../../src/core/msgr2/frame-encoder.ts';
import { createSecureHandlers } from '../../../../src/core/msgr2/secure.ts';
import { Tag, tagName } from '../../../../src/core/msgr2/tags.ts';
import { CRC_CAPTURES, DIRS, EXPECTED_WALK, golden } from './golden.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `not a MsgrError: ${String(e)}`);
    return e.code;
  }
  return 'no error';
}
const SECRET = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 37 + 11) & 0xff));

/** A plain preamble built by hand (independent of the encoder). */
function preamble(tag: number, lens: number[], aligns: number[] = lens.map(() => 8), n = lens.length): Buffer {
  const p = Buffer.alloc(32);
  p[0] = tag;
  p[1] = n;
  lens.forEach((l, i) => {
    p.writeUInt32LE(l, 2 + 6 * i);
    p.writeUInt16LE(aligns[i] ?? 8, 6 + 6 * i);
  });
  p.writeUInt32LE(crc32c(0, p.subarray(0, 28)), 28);
  return p;
}
const segCrc = (b: Buffer): number => crc32c(0xffffffff, b);
function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

/** Feed `chunks`, reading after each push; returns all frames. */
function readAll(dec: FrameDecoder, chunks: Buffer[]): { frames: Frame[]; left: number } {
  const q = new ByteQueue();
  const frames: Frame[] = [];
  for (const c of chunks) {
    q.push(c);
    for (let f = dec.readFrame(q); f; f = dec.readFrame(q)) frames.push(f);
  }
  return { frames, left: q.length };
}
function sameFrames(a: Frame[], b: Frame[], what: string): void {
  assert.equal(a.length, b.length, what);
  a.forEach((f, i) => {
    assert.equal(f.tag, b[i]!.tag, what);
    assert.deepEqual(f.segments, b[i]!.segments, what);
    assert.deepEqual(f.preamble, b[i]!.preamble, what);
    assert.deepEqual(f.raw, b[i]!.raw, what);
  });
}

// ---------------------------------------------------------------- golden

for (const name of CRC_CAPTURES) {
  for (const dir of DIRS) {
    test(`decoder golden ${name} ${dir}: ${EXPECTED_WALK[name][dir].length} frames decode; re-encoding (tag, segments, alignments) reproduces the stream`, () => {
      const { stream, banner, frames } = golden(name, dir);
      assert.deepEqual(frames.map((f) => tagName(f.tag)), EXPECTED_WALK[name][dir]);
      const enc = new FrameEncoder({ rev1: true });
      const parts: Buffer[] = [banner.raw];
      for (const f of frames) {
        assert.ok(f.raw);
        assert.equal(f.raw.length, f.preamble.onwireLength);
        assert.equal(f.segments.length, f.preamble.numSegments);
        assert.deepEqual(f.segments.map((s) => s.length), f.preamble.lengths);
        const re = enc.encodeBytes(f.tag, f.segments, f.preamble.alignments);
        assert.deepEqual(re, f.raw, `${tagName(f.tag)} byte-exact`);
        parts.push(re);
      }
      assert.deepEqual(Buffer.concat(parts), stream);
    });

    for (const recording of [true, false]) {
      test(`decoder golden ${name} ${dir}${recording ? ' (recording)' : ''}: every split point and one byte at a time give the same frames`, () => {
        const golden0 = golden(name, dir);
        const stream = golden0.stream;
        // not recording: same frames without raw (the preamble is parsed in place when contiguous)
        const frames = recording ? golden0.frames : golden0.frames.map((f) => ({ tag: f.tag, segments: f.segments, preamble: f.preamble }));
        const feed = (chunks: Buffer[]): Frame[] => {
          const q = new ByteQueue();
          const out: Frame[] = [];
          let dec: FrameDecoder | undefined;
          for (const c of chunks) {
            q.push(c);
            if (!dec) {
              if (!tryDecodeBanner(q)) continue;
              dec = new FrameDecoder({ rev1: true });
              dec.recording = recording;
            }
            for (let f = dec.readFrame(q); f; f = dec.readFrame(q)) out.push(f);
          }
          assert.equal(q.length, 0);
          return out;
        };
        for (let k = 0; k <= stream.length; k++) sameFrames(feed([stream.subarray(0, k), stream.subarray(k)]), frames, `split ${k}`);
        const bytes: Buffer[] = [];
        for (let i = 0; i < stream.length; i++) bytes.push(stream.subarray(i, i + 1));
        sameFrames(feed(bytes), frames, 'one byte at a time');
        // the real TCP segmentation as captured
        const segs: Buffer[] = [];
        for (let i = 0; i < stream.length; i += 7) segs.push(Buffer.from(stream.subarray(i, i + 7)));
        sameFrames(feed(segs), frames, '7-byte copies');
      });
    }
  }
}

// ---------------------------------------------------------------- preamble contract

test('decoder: readPreamble waits, then returns the same preamble until readFrame completes', () => {
  const enc = new FrameEncoder({ rev1: true });
  const f1 = enc.encodeBytes(Tag.MESSAGE, [Buffer.alloc(41, 1), Buffer.alloc(100, 2), Buffer.alloc(0), Buffer.alloc(5000, 4)]);
  const f2 = enc.encodeBytes(Tag.ACK, [Buffer.alloc(8, 9)]);
  const dec = new FrameDecoder({ rev1: true });
  const q = new ByteQueue();
  q.push(f1.subarray(0, 31));
  assert.equal(dec.readPreamble(q), undefined);
  assert.equal(dec.readFrame(q), undefined);
  q.push(f1.subarray(31, 40));
  const p = dec.readPreamble(q);
  assert.ok(p);
  assert.equal(dec.inFrame, true);
  assert.deepEqual(p, { tag: Tag.MESSAGE, numSegments: 4, lengths: [41, 100, 0, 5000], alignments: [8, 8, 8, 4096], flags: 0, onwireLength: f1.length });
  assert.equal(dec.readPreamble(q), p, 'same object');
  q.push(f1.subarray(40));
  q.push(f2);
  assert.equal(dec.readPreamble(q), p, 'still the same while the body waits');
  const f = dec.readFrame(q);
  assert.ok(f);
  assert.equal(f.preamble, p);
  assert.equal(f.raw, undefined, 'no raw when not recording');
  assert.equal(dec.inFrame, false);
  const p2 = dec.readPreamble(q);
  assert.equal(p2?.tag, Tag.ACK);
  assert.deepEqual(dec.readFrame(q)?.segments, [Buffer.alloc(8, 9)]);
  assert.equal(q.length, 0);
});

test('decoder: setSecure only between frames', () => {
  const dec = new FrameDecoder({ rev1: true });
  const q = new ByteQueue();
  q.push(new FrameEncoder({ rev1: true }).encodeBytes(Tag.ACK, [Buffer.alloc(8)]).subarray(0, 33));
  assert.ok(dec.readPreamble(q));
  const { rx } = createSecureHandlers(SECRET, { rev1: true, isServer: true });
  assert.equal(code(() => dec.setSecure(rx)), 'ERR_INVALID_ARG');
  assert.equal(code(() => new FrameDecoder({ rev1: false }).setSecure(rx)), 'ERR_INVALID_ARG');
});

// ---------------------------------------------------------------- validation

test('decoder: preamble validation errors', () => {
  const cases: [string, Buffer, string][] = [
    ['bad crc', (() => { const p = preamble(Tag.ACK, [8]); p[28]! ^= 1; return p; })(), 'ERR_FRAME_PREAMBLE_CRC'],
    ['0 segments', preamble(Tag.ACK, [], [], 0), 'ERR_FRAME_INVALID'],
    ['5 segments', preamble(Tag.ACK, [1], [8], 5), 'ERR_FRAME_INVALID'],
    ['255 segments', preamble(Tag.ACK, [1], [8], 255), 'ERR_FRAME_INVALID'],
    ['last segment empty', preamble(Tag.MESSAGE, [41, 0]), 'ERR_FRAME_INVALID'],
    ['last of 4 empty', preamble(Tag.MESSAGE, [41, 1, 1, 0]), 'ERR_FRAME_INVALID'],
    ['descriptor past n (length)', preamble(Tag.MESSAGE, [41, 5], [8, 8], 1), 'ERR_FRAME_INVALID'],
    ['descriptor past n (alignment only)', preamble(Tag.MESSAGE, [41, 0], [8, 8], 1), 'ERR_FRAME_INVALID'],
  ];
  for (const [what, p, err] of cases) {
    for (const rev1 of [false, true]) {
      const q = new ByteQueue();
      q.push(p);
      assert.equal(code(() => new FrameDecoder({ rev1 }).readFrame(q)), err, `${what} rev1=${rev1}`);
    }
  }
  // an empty first segment in a multi-segment frame is fine; so is alignment 0
  const q = new ByteQueue();
  q.push(preamble(Tag.MESSAGE, [0, 3], [0, 0]));
  assert.ok(new FrameDecoder({ rev1: true }).readPreamble(q));
});

test('decoder: segment length limit → ERR_FRAME_TOO_LARGE, before any body byte arrives', () => {
  for (const rev1 of [false, true]) {
    const q = new ByteQueue();
    q.push(preamble(Tag.MESSAGE, [41, 1025]));
    assert.equal(code(() => new FrameDecoder({ rev1, maxSegmentLength: 1024 }).readFrame(q)), 'ERR_FRAME_TOO_LARGE');
    const q2 = new ByteQueue();
    q2.push(preamble(Tag.MESSAGE, [41, 0xffffffff]));
    assert.equal(code(() => new FrameDecoder({ rev1 }).readFrame(q2)), 'ERR_FRAME_TOO_LARGE', 'default limit 256 MiB');
  }
  // exactly at the limit is accepted
  const q = new ByteQueue();
  q.push(preamble(Tag.MESSAGE, [41, 1024]));
  assert.equal(new FrameDecoder({ rev1: true, maxSegmentLength: 1024 }).readPreamble(q)?.lengths[1], 1024);
});

test('decoder: a bogus 200 MiB declared length only waits — nothing allocated from it', () => {
  const dec = new FrameDecoder({ rev1: true });
  const q = new ByteQueue();
  q.push(preamble(Tag.MESSAGE, [41, 200 * 1024 * 1024]));
  q.push(Buffer.alloc(1000));
  const before = process.memoryUsage().arrayBuffers;
  for (let i = 0; i < 100; i++) assert.equal(dec.readFrame(q), undefined);
  assert.ok(process.memoryUsage().arrayBuffers - before < 16 * 1024 * 1024);
  assert.equal(q.length, 1000);
});

test('decoder: segment crc errors (rev0 epilogue, rev1 segment-0 crc and epilogue)', () => {
  const h = Buffer.alloc(41, 1);
  const d = Buffer.alloc(10, 2);
  for (const rev1 of [false, true]) {
    const good = new FrameEncoder({ rev1 }).encodeBytes(Tag.MESSAGE, [h, d]);
    // a byte of segment 0, of segment 1, of the crc of segment 0 and of the crc of segment 1
    const offs = rev1 ? [32, 32 + 41 + 4, 32 + 41, good.length - 13 + 1] : [32, 32 + 41, good.length - 17 + 1, good.length - 17 + 5];
    for (const off of offs) {
      const bad = Buffer.from(good);
      bad[off]! ^= 0x10;
      const q = new ByteQueue();
      q.push(bad);
      assert.equal(code(() => new FrameDecoder({ rev1 }).readFrame(q)), 'ERR_FRAME_SEGMENT_CRC', `rev1=${rev1} off=${off}`);
    }
  }
});

/** rev0 crc frame by hand: preamble, segments, epilogue(late_flags, crc[4]). */
function rev0Crc(tag: number, segs: Buffer[], lateFlags: number, slots?: number[]): Buffer {
  const crcs = slots ?? [0, 1, 2, 3].map((i) => (i < segs.length ? segCrc(segs[i]!) : 0));
  return Buffer.concat([preamble(tag, segs.map((s) => s.length)), ...segs, Buffer.from([lateFlags]), ...crcs.map(u32)]);
}
/** rev1 crc multi-segment frame by hand. */
function rev1Crc(tag: number, segs: Buffer[], lateStatus: number, slots?: number[]): Buffer {
  const crcs = slots ?? [1, 2, 3].map((i) => (i < segs.length ? segCrc(segs[i]!) : 0));
  const s0 = segs[0]!;
  return Buffer.concat([
    preamble(tag, segs.map((s) => s.length)),
    ...(s0.length ? [s0, u32(segCrc(s0))] : []),
    ...segs.slice(1),
    Buffer.from([lateStatus]),
    ...crcs.map(u32),
  ]);
}

test('decoder: hand-built crc frames agree with the encoder', () => {
  const segs = [Buffer.alloc(41, 5), Buffer.alloc(7, 6)];
  assert.deepEqual(rev0Crc(Tag.MESSAGE, segs, 0), new FrameEncoder({ rev1: false }).encodeBytes(Tag.MESSAGE, segs));
  assert.deepEqual(rev1Crc(Tag.MESSAGE, segs, 0x0e), new FrameEncoder({ rev1: true }).encodeBytes(Tag.MESSAGE, segs));
});

test('decoder: late status / late flags handling and the stricter epilogue checks', () => {
  const segs = [Buffer.alloc(41, 5), Buffer.alloc(7, 6)];
  const ack = new FrameEncoder({ rev1: true }).encodeBytes(Tag.ACK, [Buffer.alloc(8, 1)]);
  const ack0 = new FrameEncoder({ rev1: false }).encodeBytes(Tag.ACK, [Buffer.alloc(8, 1)]);
  const run = (rev1: boolean, bytes: Buffer): string | Frame | undefined => {
    const q = new ByteQueue();
    q.push(bytes);
    try {
      return new FrameDecoder({ rev1 }).readFrame(q);
    } catch (e) {
      assert.ok(isMsgrError(e));
      return e.code;
    }
  };
  // rev1: 0x0e deliver, 0x01 abort (skipped → next frame), anything else invalid (high nibble too)
  assert.equal((run(true, rev1Crc(Tag.MESSAGE, segs, 0x0e)) as Frame).tag, Tag.MESSAGE);
  assert.equal((run(true, Buffer.concat([rev1Crc(Tag.MESSAGE, segs, 0x01), ack])) as Frame).tag, Tag.ACK);
  assert.equal(run(true, rev1Crc(Tag.MESSAGE, segs, 0x01)), undefined);
  for (const ls of [0x00, 0x0f, 0x0c, 0x0a, 0x06, 0x02, 0x1e, 0xee, 0x8e, 0x11, 0xff]) {
    assert.equal(run(true, rev1Crc(Tag.MESSAGE, segs, ls)), 'ERR_FRAME_INVALID', `late_status 0x${ls.toString(16)}`);
  }
  // rev0: 0 deliver, 1 abort, other bits invalid (Ceph ignores them; nobody sets them)
  assert.equal((run(false, rev0Crc(Tag.MESSAGE, segs, 0)) as Frame).tag, Tag.MESSAGE);
  assert.equal((run(false, Buffer.concat([rev0Crc(Tag.MESSAGE, segs, 1), ack0])) as Frame).tag, Tag.ACK);
  for (const lf of [2, 3, 0x80, 0xff]) assert.equal(run(false, rev0Crc(Tag.MESSAGE, segs, lf)), 'ERR_FRAME_INVALID', `late_flags ${lf}`);
  // crc slots past num_segments must be zero
  assert.equal(run(false, rev0Crc(Tag.MESSAGE, segs, 0, [segCrc(segs[0]!), segCrc(segs[1]!), 0, 4])), 'ERR_FRAME_INVALID');
  assert.equal(run(true, rev1Crc(Tag.MESSAGE, segs, 0x0e, [segCrc(segs[1]!), 1, 0])), 'ERR_FRAME_INVALID');
  // an aborted frame still has its crcs checked first (Ceph order)
  assert.equal(run(true, rev1Crc(Tag.MESSAGE, segs, 0x01, [1, 0, 0])), 'ERR_FRAME_SEGMENT_CRC');
});

test('decoder: recording — raw is the exact frame bytes, aborted frames before it included', () => {
  const segs = [Buffer.alloc(41, 5), Buffer.alloc(7, 6)];
  const aborted = rev1Crc(Tag.MESSAGE, segs, 0x01);
  const ack = new FrameEncoder({ rev1: true }).encodeBytes(Tag.ACK, [Buffer.alloc(8, 1)]);
  const dec = new FrameDecoder({ rev1: true });
  dec.recording = true;
  const { frames, left } = readAll(dec, [aborted.subarray(0, 50), aborted.subarray(50), ack.subarray(0, 10), ack.subarray(10), ack]);
  assert.equal(left, 0);
  assert.equal(frames.length, 2);
  assert.deepEqual(frames[0]!.raw, Buffer.concat([aborted, ack]));
  assert.deepEqual(frames[1]!.raw, ack);
  dec.recording = false;
  const more = readAll(dec, [ack]);
  assert.equal(more.frames[0]!.raw, undefined);
});

// ---------------------------------------------------------------- secure aborts (reference GCM assembly)

function gcm(key: Buffer, nonce: Buffer, plain: Buffer): Buffer {
  const c = createCipheriv('aes-128-gcm', key, nonce);
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}
const pad16 = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((16 - (b.length % 16)) % 16)]);

test('decoder: secure aborted frames (reference assembly per wire §2.5/§2.6) are skipped; the next frame decodes', () => {
  const key = SECRET.subarray(0, 16);
  const c2s = SECRET.subarray(28, 40);
  const segs = [Buffer.alloc(41, 5), Buffer.alloc(100, 6), Buffer.alloc(0), Buffer.alloc(33, 7)];
  const pre = preamble(Tag.MESSAGE, segs.map((s) => s.length), [8, 8, 8, 4096]);
  const nonce = (k: number, rev1: boolean): Buffer => {
    const n = Buffer.from(c2s);
    if (rev1) n.writeBigUInt64LE(n.readBigUInt64LE(4) + BigInt(k), 4);
    else n.writeUInt32LE((n.readUInt32LE(0) + k) >>> 0, 0);
    return n;
  };
  for (const rev1 of [false, true]) {
    for (const late of rev1 ? [0x0e, 0x01] : [0x00, 0x01]) {
      const epi = Buffer.alloc(16);
      epi[0] = late;
      let frame: Buffer;
      if (!rev1) frame = gcm(key, nonce(0, false), Buffer.concat([pre, ...segs.map(pad16), epi]));
      else {
        const block = Buffer.concat([pre, segs[0]!, Buffer.alloc(48 - 41)]);
        frame = Buffer.concat([gcm(key, nonce(0, true), block), gcm(key, nonce(1, true), Buffer.concat([...segs.slice(1).map(pad16), epi]))]);
      }
      // the encoder produces the same bytes for the complete case
      const enc = new FrameEncoder({ rev1 });
      enc.setSecure(createSecureHandlers(SECRET, { rev1, isServer: false }).tx);
      if (late !== 0x01) assert.deepEqual(enc.encodeBytes(Tag.MESSAGE, segs), frame, `rev1=${rev1} reference equals encoder`);
      else enc.encode(Tag.MESSAGE, segs); // keep the encoder's nonces in step with the reference
      const next = enc.encodeBytes(Tag.ACK, [Buffer.alloc(8, 3)]);
      const dec = new FrameDecoder({ rev1 });
      dec.setSecure(createSecureHandlers(SECRET, { rev1, isServer: true }).rx);
      const { frames, left } = readAll(dec, [frame, next]);
      assert.equal(left, 0);
      if (late === 0x01) assert.deepEqual(frames.map((f) => f.tag), [Tag.ACK], `rev1=${rev1} aborted frame skipped`);
      else {
        assert.deepEqual(frames.map((f) => f.tag), [Tag.MESSAGE, Tag.ACK]);
        assert.deepEqual(frames[0]!.segments, segs);
      }
    }
  }
});

test('decoder: after an error it stays failed (no resynchronisation on later bytes)', () => {
  const enc = new FrameEncoder({ rev1: true });
  const good = enc.encodeBytes(Tag.ACK, [Buffer.alloc(8, 1)]);
  const bad = Buffer.from(good);
  bad[40]! ^= 4; // payload byte → segment crc
  const dec = new FrameDecoder({ rev1: true });
  const q = new ByteQueue();
  q.push(bad);
  let first: unknown;
  try {
    dec.readFrame(q);
  } catch (e) {
    first = e;
  }
  assert.ok(isMsgrError(first) && first.code === 'ERR_FRAME_SEGMENT_CRC');
  q.push(good);
  assert.throws(() => dec.readFrame(q), (e) => e === first);
  assert.throws(() => dec.readPreamble(q), (e) => e === first);
  assert.equal(q.length, good.length, 'nothing more consumed');
});
