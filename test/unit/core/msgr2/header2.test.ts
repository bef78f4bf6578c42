import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsgrError } from '../../../../src/errors.ts';
import { HEADER2_LEN, decodeHeader2, encodeHeader2, type MsgHeader2 } from '../../../../src/core/msgr2/header2.ts';
import { Prng } from './prng.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `not a MsgrError: ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

// wire §2.11 B: MMonGetVersion header, seq 1, tid 7, type 0x13, prio 127, v1/compat 1, flags 3
const EXAMPLE_B = Buffer.from('0100000000000000' + '0700000000000000' + '1300' + '7f00' + '0100' + '00000000' + '0000' + '0000000000000000' + '03' + '0100' + '0000', 'hex');
const B: MsgHeader2 = {
  seq: 1n,
  tid: 7n,
  type: 0x13,
  priority: 127,
  version: 1,
  dataPrePaddingLen: 0,
  dataOff: 0,
  ackSeq: 0n,
  flags: 3,
  compatVersion: 1,
  reserved: 0,
};

test('header2: 41 bytes, wire §2.11 B example byte-exact both ways', () => {
  assert.equal(HEADER2_LEN, 41);
  assert.equal(EXAMPLE_B.length, 41);
  assert.deepEqual(encodeHeader2(B), EXAMPLE_B);
  assert.deepEqual(decodeHeader2(EXAMPLE_B), B);
});

test('header2: field offsets (each field set alone lands at its wire offset)', () => {
  const zero: MsgHeader2 = { seq: 0n, tid: 0n, type: 0, priority: 0, version: 0, dataPrePaddingLen: 0, dataOff: 0, ackSeq: 0n, flags: 0, compatVersion: 0, reserved: 0 };
  const cases: [Partial<MsgHeader2>, number, string][] = [
    [{ seq: 0x0102030405060708n }, 0, '0807060504030201'],
    [{ tid: 0xfffffffffffffffen }, 8, 'feffffffffffffff'],
    [{ type: 0xabcd }, 16, 'cdab'],
    [{ priority: 0x1234 }, 18, '3412'],
    [{ version: 0x0506 }, 20, '0605'],
    [{ dataPrePaddingLen: 0x89abcdef }, 22, 'efcdab89'],
    [{ dataOff: 0x4321 }, 26, '2143'],
    [{ ackSeq: 0x100000000n }, 28, '0000000001000000'],
    [{ flags: 0xa5 }, 36, 'a5'],
    [{ compatVersion: 0x0708 }, 37, '0807'],
    [{ reserved: 0xbeef }, 39, 'efbe'],
  ];
  for (const [patch, off, hex] of cases) {
    const h = { ...zero, ...patch };
    const b = encodeHeader2(h);
    const expect = Buffer.alloc(41);
    Buffer.from(hex, 'hex').copy(expect, off);
    assert.deepEqual(b, expect, JSON.stringify(patch, (_k, v) => (typeof v === 'bigint' ? v.toString() : v)));
    assert.deepEqual(decodeHeader2(b), h);
  }
});

test('header2: encode into a caller buffer at an offset, no other bytes touched', () => {
  const out = Buffer.alloc(100, 0xee);
  const r = encodeHeader2(B, out, 50);
  assert.equal(r, out);
  assert.deepEqual(out.subarray(50, 91), EXAMPLE_B);
  assert.ok(out.subarray(0, 50).every((x) => x === 0xee));
  assert.ok(out.subarray(91).every((x) => x === 0xee));
  assert.equal(code(() => encodeHeader2(B, Buffer.alloc(40))), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => encodeHeader2(B, out, 60)), 'ERR_ENCODE_INVALID');
});

test('header2: random round trips (u64 across the 2^32 and 2^53 boundaries)', () => {
  const rng = new Prng(0x4e4d);
  const u64 = (): bigint => {
    switch (rng.int(4)) {
      case 0: return BigInt(rng.u32());
      case 1: return (BigInt(rng.u32()) << 32n) | BigInt(rng.u32());
      case 2: return (BigInt(rng.int(0x200000)) << 32n) | BigInt(rng.u32());
      default: return [0n, 0xffffffffn, 0x100000000n, (1n << 53n) - 1n, 1n << 53n, (1n << 64n) - 1n][rng.int(6)]!;
    }
  };
  for (let i = 0; i < 2000; i++) {
    const h: MsgHeader2 = {
      seq: u64(), tid: u64(), type: rng.int(0x10000), priority: rng.int(0x10000), version: rng.int(0x10000),
      dataPrePaddingLen: rng.u32(), dataOff: rng.int(0x10000), ackSeq: u64(), flags: rng.int(256),
      compatVersion: rng.int(0x10000), reserved: rng.int(0x10000),
    };
    const b = encodeHeader2(h);
    assert.equal(b.length, 41);
    assert.deepEqual(decodeHeader2(b), h);
    // an independent check of the u64 encoding
    assert.equal(b.readBigUInt64LE(0), h.seq);
    assert.equal(b.readBigUInt64LE(28), h.ackSeq);
  }
});

test('header2: out-of-range values → ERR_ENCODE_INVALID', () => {
  for (const patch of [{ seq: -1n }, { tid: 1n << 64n }, { ackSeq: -5n }, { type: 0x10000 }, { priority: -1 }, { flags: 256 }, { dataOff: 1.5 }, { dataPrePaddingLen: 2 ** 32 }, { compatVersion: NaN }]) {
    assert.equal(code(() => encodeHeader2({ ...B, ...(patch as Partial<MsgHeader2>) })), 'ERR_ENCODE_INVALID', String(Object.keys(patch)));
  }
});

test('header2: short input → ERR_DECODE_SHORT; trailing bytes ignored like Ceph', () => {
  for (let n = 0; n < 41; n++) assert.equal(code(() => decodeHeader2(EXAMPLE_B.subarray(0, n))), 'ERR_DECODE_SHORT', `n=${n}`);
  assert.deepEqual(decodeHeader2(Buffer.concat([EXAMPLE_B, Buffer.from('junk')])), B);
});
