import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { isMsgrError } from '../../../../src/errors.ts';
import {
  BANNER_LEN,
  MSGR2_BANNER_PREFIX,
  Msgr2Feature,
  encodeBanner,
  tryDecodeBanner,
} from '../../../../src/core/msgr2/banner.ts';
import { loadStream, V2_CAPTURES } from '../../../helpers/captures.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `not a MsgrError: ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

const PACIFIC = Buffer.from('636570682076320a10000100000000000000000000000000000000', 'hex').subarray(0, 26);

test('banner: encode matches the Pacific banner bytes (wire §2.11 A)', () => {
  const b = encodeBanner(Msgr2Feature.REVISION_1, 0n);
  assert.equal(b.length, BANNER_LEN);
  assert.equal(b.toString('hex'), '636570682076320a1000' + '0100000000000000' + '0000000000000000');
  assert.deepEqual(b, PACIFIC);
  assert.equal(b.subarray(0, 8).toString('latin1'), MSGR2_BANNER_PREFIX);
});

test('banner: encode rejects values outside u64', () => {
  assert.equal(code(() => encodeBanner(-1n, 0n)), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => encodeBanner(0n, 1n << 64n)), 'ERR_ENCODE_INVALID');
});

test('banner: every v2 capture starts with the same banner in both directions', () => {
  for (const name of V2_CAPTURES) {
    for (const dir of ['c2s', 's2c'] as const) {
      const s = loadStream(name, dir);
      const q = new ByteQueue();
      q.push(s);
      const b = tryDecodeBanner(q);
      assert.ok(b, `${name} ${dir}`);
      assert.equal(b.supported, 1n);
      assert.equal(b.required, 0n);
      assert.deepEqual(b.raw, s.subarray(0, 26));
      assert.equal(q.length, s.length - 26, 'consumed exactly the banner');
    }
  }
});

test('banner: undefined until complete, at every split, consuming nothing early', () => {
  const full = Buffer.concat([encodeBanner(0x3n, 0x1n), Buffer.from('next')]);
  for (let k = 0; k < BANNER_LEN; k++) {
    const q = new ByteQueue();
    q.push(full.subarray(0, k));
    assert.equal(tryDecodeBanner(q), undefined, `k=${k}`);
    assert.equal(q.length, k);
    q.push(full.subarray(k));
    const b = tryDecodeBanner(q);
    assert.ok(b);
    assert.equal(b.supported, 3n);
    assert.equal(b.required, 1n);
    assert.equal(q.length, 4);
  }
  // one byte at a time
  const q = new ByteQueue();
  let got;
  for (let i = 0; i < full.length && !got; i++) {
    q.push(full.subarray(i, i + 1));
    got = tryDecodeBanner(q);
    if (!got) assert.ok(i < BANNER_LEN - 1);
    else assert.equal(i, BANNER_LEN - 1);
  }
  assert.ok(got);
});

test('banner: longer payload (future fields) accepted, raw covers it all', () => {
  const b = Buffer.alloc(10 + 24);
  Buffer.from(MSGR2_BANNER_PREFIX, 'latin1').copy(b);
  b.writeUInt16LE(24, 8);
  b.writeBigUInt64LE(5n, 10);
  b.writeBigUInt64LE(0n, 18);
  b.writeBigUInt64LE(0xdeadn, 26);
  const q = new ByteQueue();
  q.push(b);
  const r = tryDecodeBanner(q);
  assert.ok(r);
  assert.equal(r.supported, 5n);
  assert.equal(r.raw.length, 34);
  assert.equal(q.length, 0);
});

test('banner: msgr1 peer → ERR_BANNER_MSGR1 (once 9 bytes are there)', () => {
  const v1 = Buffer.from('ceph v027\x00\x00\x00', 'latin1');
  for (let k = 1; k < 9; k++) {
    const q = new ByteQueue();
    q.push(v1.subarray(0, k));
    assert.equal(tryDecodeBanner(q), undefined, `k=${k}: still ambiguous or v1-compatible`);
  }
  const q = new ByteQueue();
  q.push(v1);
  assert.equal(code(() => tryDecodeBanner(q)), 'ERR_BANNER_MSGR1');
});

test('banner: wrong prefix detected on the first differing byte', () => {
  for (const junk of ['G', 'GET / HTTP/1.1\r\n', 'ceph v1\n', 'ceph v3\n', 'ceph v02X', 'cepH', '\x00']) {
    const q = new ByteQueue();
    q.push(Buffer.from(junk, 'latin1'));
    assert.equal(code(() => tryDecodeBanner(q)), 'ERR_BANNER', JSON.stringify(junk));
  }
});

test('banner: payload length outside 16..4096 → ERR_BANNER', () => {
  for (const len of [0, 8, 15, 4097, 0xffff]) {
    const b = Buffer.alloc(10);
    Buffer.from(MSGR2_BANNER_PREFIX, 'latin1').copy(b);
    b.writeUInt16LE(len, 8);
    const q = new ByteQueue();
    q.push(b);
    assert.equal(code(() => tryDecodeBanner(q)), 'ERR_BANNER', `len=${len}`);
  }
  for (const len of [16, 4096]) {
    const b = Buffer.alloc(10);
    Buffer.from(MSGR2_BANNER_PREFIX, 'latin1').copy(b);
    b.writeUInt16LE(len, 8);
    const q = new ByteQueue();
    q.push(b);
    assert.equal(tryDecodeBanner(q), undefined, `len=${len} waits for the payload`);
  }
});
