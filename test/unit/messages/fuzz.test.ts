/**
 * Fuzz: for every codec of the catalogue, 10,000+ hostile fronts (5,000 random, 5,000 mutations of
 * valid encodings: byte overwrites, truncation, 0xff runs that make huge counts/lengths) under
 * random header versions. Decoding may succeed or throw a MsgrError with an ERR_DECODE_* code —
 * nothing else (no TypeError/RangeError, no ERR_MESSAGE_DECODE which would mean a wrapped bug);
 * a successful decode must re-encode without a non-MsgrError either.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import fc from 'fast-check';
import { isMsgrError } from '../../../src/errors.ts';
import { Message, type MessageCodec } from '../../../src/messages/message.ts';
import { CATALOGUE } from '../../../src/messages/registry.ts';
import { decodeMonMap, encodeMonMap } from '../../../src/messages/mon-map.ts';
import { FEATURES, sampleMonMap, samples } from './samples.ts';

const RUNS = 5000;

function check(codec: MessageCodec<unknown>, front: Buffer, version: number, compat: number): void {
  const msg = new Message({ type: codec.type, version, compatVersion: compat, front, data: front.subarray(0, 3) });
  let body: unknown;
  try {
    body = codec.decode(msg, FEATURES);
  } catch (e) {
    if (!isMsgrError(e)) throw new Error(`${codec.name}: non-MsgrError ${String(e)} on ${front.toString('hex')}`);
    if (!e.code.startsWith('ERR_DECODE_')) throw new Error(`${codec.name}: ${e.code} on ${front.toString('hex')}`);
    return;
  }
  try {
    codec.encode(body, FEATURES);
  } catch (e) {
    if (!isMsgrError(e)) throw new Error(`${codec.name}: re-encode threw ${String(e)} on ${front.toString('hex')}`);
  }
}

const mutation = fc.record({
  sets: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
  ffRun: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 4 })), { nil: undefined }),
  cut: fc.option(fc.nat(), { nil: undefined }),
  append: fc.uint8Array({ maxLength: 8 }),
});

function mutate(base: Buffer, m: { sets: [number, number][]; ffRun: [number, number] | undefined; cut: number | undefined; append: Uint8Array }): Buffer {
  let b = Buffer.from(base);
  if (b.length > 0) {
    for (const [pos, v] of m.sets) b[pos % b.length] = v;
    if (m.ffRun) {
      const at = m.ffRun[0] % b.length;
      b.fill(0xff, at, Math.min(b.length, at + m.ffRun[1]));
    }
  }
  if (m.cut !== undefined) b = b.subarray(0, m.cut % (b.length + 1));
  return Buffer.concat([b, m.append]);
}

for (const codec of CATALOGUE) {
  test(`fuzz ${codec.name}: ${2 * RUNS} random and mutated fronts → only ERR_DECODE_*`, () => {
    const bases = samples()
      .filter((s) => s.codec.type === codec.type)
      .map((s) => s.codec.encode(s.body, FEATURES).front);
    assert.ok(bases.length > 0, 'no sample for this codec');
    const hdr = fc.tuple(fc.integer({ min: 0, max: codec.headVersion + 2 }), fc.integer({ min: 0, max: codec.headVersion }));
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 96 }), hdr, (bytes, [v, c]) => {
        check(codec, Buffer.from(bytes), v, c);
      }),
      { numRuns: RUNS, seed: 0x5eed + codec.type },
    );
    fc.assert(
      fc.property(fc.nat(), mutation, hdr, (i, m, [v, c]) => {
        check(codec, mutate(bases[i % bases.length]!, m), v, c);
      }),
      { numRuns: RUNS, seed: 0xf00d + codec.type },
    );
  });
}

test('fuzz MonMap: 10,000 mutated maps (all encodings: v9, v5, v2, v1) → only ERR_DECODE_*', () => {
  const m = sampleMonMap();
  const all = FEATURES;
  const bases = [
    encodeMonMap(m, all),
    encodeMonMap(m, all & ~(1n << 2n)), // no SERVER_NAUTILUS → v5
    encodeMonMap(m, all & ~(1n << 15n)), // no MONENC → v2
    encodeMonMap(m, all & ~(1n << 5n)), // no MONNAMES → v1
  ];
  assert.deepEqual(
    bases.map((b) => b[0]),
    [9, 5, 2, 1],
  );
  fc.assert(
    fc.property(fc.nat(), mutation, (i, mu) => {
      const b = mutate(bases[i % bases.length]!, mu);
      try {
        decodeMonMap(b);
      } catch (e) {
        if (!isMsgrError(e) || !e.code.startsWith('ERR_DECODE_')) throw new Error(`${String(e)} on ${b.toString('hex')}`);
      }
    }),
    { numRuns: 2 * RUNS, seed: 0x3a9 },
  );
});
