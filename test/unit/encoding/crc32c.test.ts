import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { crc32c, crc32cTs, crc32cChunks, NATIVE_THRESHOLD } from '../../../src/encoding/crc32c.ts';

test('crc32c: Ceph reference values (seed, no final xor)', () => {
  assert.equal(crc32c(0, Buffer.from('foo bar baz')), 4119623852);
  assert.equal(crc32c(1234, Buffer.from('foo bar baz')), 881700046);
  assert.equal(crc32c(0, Buffer.from('whiz bang boom')), 2360230088);
  assert.equal(crc32c(0, Buffer.alloc(5, 1)), 2715569182);
  assert.equal(crc32c(0xffffffff, Buffer.alloc(0)), 0xffffffff);
});

test('crc32c: TS and native paths agree at every size around the threshold', () => {
  for (const n of [0, 1, 7, 8, 9, 63, 64, 65, NATIVE_THRESHOLD - 1, NATIVE_THRESHOLD, NATIVE_THRESHOLD + 1, 4096, 100000]) {
    const b = randomBytes(n);
    for (const seed of [0, 0xffffffff, 0x12345678]) {
      assert.equal(crc32c(seed, b), crc32cTs(seed, b), `n=${n} seed=${seed}`);
    }
  }
});

test('crc32c: chunked equals whole', () => {
  const b = randomBytes(10000);
  const chunks = [b.subarray(0, 3), b.subarray(3, 500), b.subarray(500, 9999), b.subarray(9999)];
  assert.equal(crc32cChunks(0xffffffff, chunks), crc32c(0xffffffff, b));
});
