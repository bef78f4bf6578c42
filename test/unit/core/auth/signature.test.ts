import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { authSignature, verifyAuthSignature } from '../../../../src/core/auth/signature.ts';

const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const parts = [Buffer.from('ceph v2\n'), Buffer.from([1, 2, 3]), Buffer.alloc(0), Buffer.from('frame bytes')];

test('no session key → 32 zero bytes', () => {
  assert.deepEqual(authSignature(undefined, parts), Buffer.alloc(32));
  assert.deepEqual(authSignature(Buffer.alloc(0), parts), Buffer.alloc(32));
  assert.equal(verifyAuthSignature(undefined, parts, Buffer.alloc(32)), true);
  assert.equal(verifyAuthSignature(undefined, parts, Buffer.alloc(32, 1)), false);
});

test('HMAC-SHA256 over the concatenation, independent of chunking', () => {
  const whole = Buffer.concat(parts);
  const expected = createHmac('sha256', key).update(whole).digest();
  assert.deepEqual(authSignature(key, parts), expected);
  assert.deepEqual(authSignature(key, [whole]), expected);
  assert.equal(verifyAuthSignature(key, [whole.subarray(0, 5), whole.subarray(5)], expected), true);
});

test('verify rejects tampering, wrong key and wrong length without throwing', () => {
  const sig = authSignature(key, parts);
  const bad = Buffer.from(sig);
  bad[31]! ^= 1;
  assert.equal(verifyAuthSignature(key, parts, bad), false);
  assert.equal(verifyAuthSignature(Buffer.alloc(16, 7), parts, sig), false);
  assert.equal(verifyAuthSignature(key, [Buffer.from('other')], sig), false);
  assert.equal(verifyAuthSignature(key, parts, sig.subarray(0, 31)), false);
  assert.equal(verifyAuthSignature(key, parts, Buffer.concat([sig, Buffer.alloc(1)])), false);
});
