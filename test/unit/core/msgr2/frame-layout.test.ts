import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsgrError } from '../../../../src/errors.ts';
import { checkTag, onwireParts, padded, readU32, writePreamble, writeU32 } from '../../../../src/core/msgr2/frame-layout.ts';

test('frame-layout: padded() rounds up to 16, including near 2^32', () => {
  const cases: [number, number][] = [[0, 0], [1, 16], [15, 16], [16, 16], [17, 32], [41, 48], [101, 112], [202, 208], [303, 304], [4096, 4096], [0xfffffff0, 0xfffffff0], [0xffffffff, 0x100000000]];
  for (const [n, p] of cases) assert.equal(padded(n), p, String(n));
});

test('frame-layout: writePreamble gives the wire §2.11 preambles (HELLO 36 B; MESSAGE 41+18)', () => {
  const b = Buffer.alloc(40, 0xee);
  writePreamble(b, 4, 1, [36], [8], 1);
  assert.equal(b.subarray(4, 36).toString('hex'), '010124000000080000000000000000000000000000000000000000003fbd6b06');
  assert.ok(b.subarray(0, 4).every((x) => x === 0xee) && b.subarray(36).every((x) => x === 0xee), 'nothing outside the 32 bytes');
  const m = Buffer.alloc(32, 0xff);
  writePreamble(m, 0, 17, [41, 18, 99, 99], [8, 8, 1, 1], 2);
  assert.equal(m.toString('hex'), '11 02 29 00 00 00 08 00 12 00 00 00 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 d1 01 2e 8f'.replace(/ /g, ''));
});

test('frame-layout: u32 helpers, tag check, onwireParts total', () => {
  const b = Buffer.alloc(8);
  for (const v of [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0x12345678]) {
    writeU32(b, 2, v);
    assert.equal(b.readUInt32LE(2), v);
    assert.equal(readU32(b, 2), v);
  }
  for (const t of [0, 256, 1.5, -1]) {
    assert.throws(() => checkTag(t), (e) => isMsgrError(e) && e.code === 'ERR_ENCODE_INVALID');
  }
  checkTag(1);
  checkTag(255);
  assert.equal(onwireParts({ rev1: true, secure: true }, [49, 101, 202, 303]).total, 96 + 32 + 112 + 208 + 304 + 32);
  assert.equal(onwireParts({ rev1: false, secure: false }, [0]).total, 32 + 17);
});
