/**
 * Acceptance S01 (acceptance.md §7.1): the frame codec round-trip matrix of Ceph's
 * test_frames_v2 — 32 layouts × {msgr2.0, msgr2.1} × {crc, secure}, each frame encoded 3× on the
 * same encoder/decoder pair; on-wire sizes per wire §2.7; byte-exact against an independent
 * reference assembler; any split of the stream; 1,000-trial single-bit corruption sweep per mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsgrError } from '../../../../src/errors.ts';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { FrameDecoder, type Frame } from '../../../../src/core/msgr2/frame-decoder.ts';
import { FrameEncoder } from '../../../../src/core/msgr2/frame-encoder.ts';
import { onwireParts } from '../../../../src/core/msgr2/frame-layout.ts';
import { createSecureHandlers } from '../../../../src/core/msgr2/secure.ts';
import { Tag } from '../../../../src/core/msgr2/tags.ts';
import { Prng } from './prng.ts';
import { MODES, RefSender, modeName, partsTotal, tableParts, trim, type Mode } from './reference.ts';

const SECRET = new Prng(0x501).bytes(64);
const ALIGNS = [8, 8, 8, 4096];
const TAG = Tag.MESSAGE;

/** header {0,1,48,49} × front {0,101} × middle {0,202} × data {0,303} */
const LAYOUTS: number[][] = [];
for (const h of [0, 1, 48, 49]) for (const f of [0, 101]) for (const m of [0, 202]) for (const d of [0, 303]) LAYOUTS.push([h, f, m, d]);

function segmentsFor(lens: number[], rng: Prng): Buffer[] {
  return lens.map((l) => rng.bytes(l));
}

function pair(mode: Mode): { enc: FrameEncoder; dec: FrameDecoder; ref: RefSender } {
  const enc = new FrameEncoder({ rev1: mode.rev1 });
  const dec = new FrameDecoder({ rev1: mode.rev1 });
  let ref = new RefSender(mode);
  if (mode.secure) {
    enc.setSecure(createSecureHandlers(SECRET, { rev1: mode.rev1, isServer: false }).tx);
    dec.setSecure(createSecureHandlers(SECRET, { rev1: mode.rev1, isServer: true }).rx);
    ref = new RefSender(mode, SECRET.subarray(0, 16), SECRET.subarray(28, 40));
  }
  return { enc, dec, ref };
}

test('S01: on-wire sizes — selected rows of wire §2.7 literally', () => {
  // lengths listed as preamble, seg0, seg1..., epilogue (per mode: rev0 crc, rev0 secure, rev1 crc, rev1 secure)
  const rows: [number[], number[][]][] = [
    [[0, 0, 0, 0], [[32, 0, 17], [32, 0, 32], [32, 0, 0], [96, 0, 0]]],
    [[1, 0, 0, 0], [[32, 1, 17], [32, 16, 32], [32, 5, 0], [96, 0, 0]]],
    [[48, 0, 0, 0], [[32, 48, 17], [32, 48, 32], [32, 52, 0], [96, 0, 0]]],
    [[49, 0, 0, 0], [[32, 49, 17], [32, 64, 32], [32, 53, 0], [96, 32, 0]]],
    [[0, 101, 0, 0], [[32, 0, 101, 17], [32, 0, 112, 32], [32, 0, 101, 13], [96, 0, 112, 32]]],
    [[49, 101, 202, 303], [[32, 49, 101, 202, 303, 17], [32, 64, 112, 208, 304, 32], [32, 53, 101, 202, 303, 13], [96, 32, 112, 208, 304, 32]]],
    [[41, 250, 0, 4096], [[32, 41, 250, 0, 4096, 17], [32, 48, 256, 0, 4096, 32], [32, 45, 250, 0, 4096, 13], [96, 0, 256, 0, 4096, 32]]],
  ];
  const order: Mode[] = [
    { rev1: false, secure: false },
    { rev1: false, secure: true },
    { rev1: true, secure: false },
    { rev1: true, secure: true },
  ];
  const rng = new Prng(7);
  for (const [lens, expected] of rows) {
    order.forEach((mode, k) => {
      const segs = trim(segmentsFor(lens, rng));
      const want = expected[k]!;
      const flat = (p: { preamble: number; segments: number[]; epilogue: number }): number[] => [p.preamble, ...p.segments, p.epilogue];
      assert.deepEqual(flat(tableParts(mode, segs.map((s) => s.length))), want, `table ${modeName(mode)} ${lens}`);
      assert.deepEqual(flat(onwireParts(mode, segs.map((s) => s.length))), want, `onwireParts ${modeName(mode)} ${lens}`);
      const { enc, ref } = pair(mode);
      const r = ref.assemble(TAG, segs, ALIGNS);
      assert.deepEqual(flat(r.parts), want, `reference ${modeName(mode)} ${lens}`);
      const bytes = enc.encodeBytes(TAG, segs);
      assert.equal(bytes.length, want.reduce((a, b) => a + b, 0), `encoder ${modeName(mode)} ${lens}`);
      assert.deepEqual(bytes, r.bytes);
    });
  }
});

for (const mode of MODES) {
  test(`S01 ${modeName(mode)}: 32 layouts × 3 on one encoder/decoder pair — sizes per §2.7, byte-exact vs reference, decode exact, no trailing bytes`, () => {
    const rng = new Prng(0x5010 + (mode.rev1 ? 2 : 0) + (mode.secure ? 1 : 0));
    const { enc, dec, ref } = pair(mode);
    const q = new ByteQueue();
    let frames = 0;
    for (const lens of LAYOUTS) {
      const segs = segmentsFor(lens, rng);
      const logical = trim(segs);
      for (let rep = 0; rep < 3; rep++) {
        const list = enc.encode(TAG, segs);
        const bytes = Buffer.concat(list);
        const r = ref.assemble(TAG, segs, ALIGNS);
        assert.deepEqual(r.parts, tableParts(mode, logical.map((s) => s.length)), `${lens} parts`);
        assert.equal(bytes.length, partsTotal(r.parts), `${lens} total`);
        assert.deepEqual(bytes, r.bytes, `${lens} rep ${rep} byte-exact`);
        // decode: the preamble part is consumed first, then the rest
        q.push(bytes);
        const pre = dec.readPreamble(q);
        assert.ok(pre);
        assert.equal(q.length, bytes.length - r.parts.preamble, 'preamble part size');
        assert.equal(pre.onwireLength, bytes.length);
        assert.deepEqual(pre.lengths, logical.map((s) => s.length));
        const f = dec.readFrame(q);
        assert.ok(f, `${lens} decodes`);
        assert.equal(f.tag, TAG);
        assert.equal(f.segments.length, logical.length);
        assert.deepEqual(f.segments, logical);
        assert.equal(q.length, 0, 'no trailing bytes');
        frames++;
      }
    }
    assert.equal(frames, 96);
  });

  test(`S01 ${modeName(mode)}: any split — every offset of each layout's first frame, and 3 frames one byte at a time`, () => {
    const rng = new Prng(0x5020);
    for (const lens of LAYOUTS) {
      const segs = segmentsFor(lens, rng);
      const logical = trim(segs);
      const { enc } = pair(mode);
      const stream = [0, 1, 2].map(() => enc.encodeBytes(TAG, segs));
      const first = stream[0]!;
      for (let k = 0; k <= first.length; k++) {
        const { dec } = pair(mode);
        const q = new ByteQueue();
        q.push(first.subarray(0, k));
        const early = dec.readFrame(q);
        if (k < first.length) assert.equal(early, undefined);
        q.push(first.subarray(k));
        const f = early ?? dec.readFrame(q);
        assert.ok(f, `${lens} split ${k}`);
        assert.deepEqual(f.segments, logical);
        assert.equal(q.length, 0);
      }
      const all = Buffer.concat(stream);
      const { dec } = pair(mode);
      const q = new ByteQueue();
      const got: Frame[] = [];
      for (let i = 0; i < all.length; i++) {
        q.push(all.subarray(i, i + 1));
        const f = dec.readFrame(q);
        if (f) got.push(f);
      }
      assert.equal(got.length, 3, `${lens}`);
      for (const f of got) assert.deepEqual(f.segments, logical);
    }
  });

  test(`S01 ${modeName(mode)}: corruption sweep — 1,000 single-bit flips in preamble / each segment / epilogue, none accepted`, (t) => {
    const rng = new Prng(0xc0de + (mode.rev1 ? 2 : 0) + (mode.secure ? 1 : 0));
    const counts: Record<string, number> = {};
    let accepted = 0;
    let stalled = 0;
    let dropped = 0;
    const expectCode = (region: string): string[] => {
      if (!mode.secure) {
        if (region === 'preamble') return ['ERR_FRAME_PREAMBLE_CRC'];
        if (region === 'epilogue') return ['ERR_FRAME_SEGMENT_CRC', 'ERR_FRAME_INVALID'];
        return ['ERR_FRAME_SEGMENT_CRC'];
      }
      // rev0 secure decrypts the preamble before the tag can be checked: the preamble crc catches it
      if (!mode.rev1 && region === 'preamble') return ['ERR_FRAME_PREAMBLE_CRC'];
      return ['ERR_FRAME_AUTH_TAG'];
    };
    for (let trial = 0; trial < 1000; trial++) {
      const lens = LAYOUTS[trial % LAYOUTS.length]!;
      const segs = segmentsFor(lens, rng);
      const { enc, dec, ref } = pair(mode);
      const bytes = enc.encodeBytes(TAG, segs);
      const parts = ref.assemble(TAG, segs, ALIGNS).parts;
      // the regions present on the wire for this frame
      const regions: [string, number, number][] = [['preamble', 0, parts.preamble]];
      let off = parts.preamble;
      parts.segments.forEach((len, i) => {
        if (len > 0) regions.push([`segment${i}`, off, len]);
        off += len;
      });
      if (parts.epilogue > 0) regions.push(['epilogue', off, parts.epilogue]);
      assert.equal(off + parts.epilogue, bytes.length);
      const [region, start, len] = rng.pick(regions);
      const bit = rng.int(len * 8);
      const pos = start + (bit >> 3);
      bytes[pos]! ^= 1 << (bit & 7);
      const q = new ByteQueue();
      q.push(bytes);
      let outcome: string;
      try {
        const f = dec.readFrame(q);
        if (f) {
          accepted++;
          outcome = 'ACCEPTED';
        } else if (q.length === 0 && dec.inFrame === false) {
          dropped++;
          outcome = 'dropped-as-aborted';
          // only msgr2.0 crc, only bit 0 of late_flags (the first epilogue byte)
          assert.ok(!mode.secure && !mode.rev1 && region === 'epilogue' && pos === bytes.length - 17 && (bit & 7) === 0, `unexpected drop at ${region} ${pos}`);
        } else {
          stalled++;
          outcome = 'stalled';
        }
      } catch (e) {
        assert.ok(isMsgrError(e), `non-MsgrError ${String(e)}`);
        assert.ok(expectCode(region).includes(e.code), `${region}: ${e.code}`);
        outcome = e.code;
      }
      counts[`${region} ${outcome}`] = (counts[`${region} ${outcome}`] ?? 0) + 1;
    }
    t.diagnostic(`${modeName(mode)}: ${JSON.stringify(counts)}`);
    assert.equal(accepted, 0, 'no corrupted frame is ever delivered');
    assert.equal(stalled, 0, 'no corrupted frame leaves the decoder waiting');
    if (mode.secure || mode.rev1) assert.equal(dropped, 0);
    const rejected = 1000 - dropped;
    const note = !mode.secure && !mode.rev1 ? ' (msgr2.0 crc: late_flags bit 0 is covered by no crc, so that flip reads as a sender abort — inherent to msgr2.0)' : '';
    t.diagnostic(`${modeName(mode)}: rejected with a MsgrError ${rejected}/1000, silently dropped as "aborted" ${dropped}/1000${note}`);
  });
}

test('S01: exhaustive single-bit flips of a 49+101+202+303 frame, every bit, all four modes', () => {
  const rng = new Prng(0xe4);
  const segs = segmentsFor([49, 101, 202, 303], rng);
  for (const mode of MODES) {
    const good = pair(mode).enc.encodeBytes(TAG, segs);
    const drops: number[] = [];
    for (let bit = 0; bit < good.length * 8; bit++) {
      const bytes = Buffer.from(good);
      bytes[bit >> 3]! ^= 1 << (bit & 7);
      const { dec } = pair(mode);
      const q = new ByteQueue();
      q.push(bytes);
      let f: Frame | undefined;
      try {
        f = dec.readFrame(q);
      } catch (e) {
        assert.ok(isMsgrError(e), String(e));
        continue;
      }
      assert.equal(f, undefined, `${modeName(mode)} bit ${bit} accepted`);
      assert.equal(q.length, 0, `${modeName(mode)} bit ${bit} stalled`);
      drops.push(bit);
    }
    // the only silent outcome: msgr2.0 crc, late_flags bit 0 (first byte of the 17-byte epilogue)
    assert.deepEqual(drops, !mode.secure && !mode.rev1 ? [(good.length - 17) * 8] : [], modeName(mode));
  }
});
