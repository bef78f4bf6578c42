/**
 * SmallGcm (JS GHASH + native AES-ECB counter blocks) against node:crypto's AES-128-GCM: the
 * same ciphertext and tag for every length 0..1024 and many keys and nonces; open() refuses any
 * flipped bit of ciphertext or tag; the NIST test case 4-style vector without AAD (from
 * McGrew & Viega, "The Galois/Counter Mode of Operation", test case 3).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { SmallGcm } from '../../../../src/core/msgr2/gcm-small.ts';

/** Deterministic bytes (xorshift32), so a failure is reproducible. */
function bytes(n: number, seed: number): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    b[i] = x & 0xff;
  }
  return b;
}

function nodeSeal(key: Buffer, iv: Buffer, pt: Buffer): Buffer {
  const c = createCipheriv('aes-128-gcm', key, iv);
  const ct = Buffer.concat([c.update(pt), c.final()]);
  return Buffer.concat([ct, c.getAuthTag()]);
}

test('GCM spec test case 3 (no AAD): ciphertext and tag', () => {
  const key = Buffer.from('feffe9928665731c6d6a8f9467308308', 'hex');
  const iv = Buffer.from('cafebabefacedbaddecaf888', 'hex');
  const pt = Buffer.from(
    'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255',
    'hex',
  );
  const want =
    '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985' +
    '4d5c2af327cd64a62cf35abd2ba6fab4';
  const g = new SmallGcm(key);
  assert.equal(g.seal(iv, pt).toString('hex'), want);
  assert.deepEqual(g.open(iv, Buffer.from(want, 'hex')), pt);
});

test('every length 0..1024: the same bytes as node:crypto, and open() gives the plaintext back', () => {
  for (let k = 0; k < 4; k++) {
    const key = bytes(16, 1000 + k);
    const g = new SmallGcm(key);
    for (let n = 0; n <= 1024; n++) {
      const iv = bytes(12, n * 7 + k + 1);
      const pt = bytes(n, n + 31 * k + 5);
      const sealed = g.seal(iv, pt);
      assert.deepEqual(sealed, nodeSeal(key, iv, pt), `key ${k} length ${n}`);
      assert.deepEqual(g.open(iv, sealed), pt, `open, key ${k} length ${n}`);
    }
  }
});

test('node:crypto opens what SmallGcm sealed; SmallGcm opens what node:crypto sealed', () => {
  const key = bytes(16, 77);
  const g = new SmallGcm(key);
  for (const n of [0, 1, 15, 16, 17, 80, 4096, 70000]) {
    const iv = bytes(12, n + 3);
    const pt = bytes(n, n + 9);
    const sealed = g.seal(iv, pt);
    const d = createDecipheriv('aes-128-gcm', key, iv);
    d.setAuthTag(sealed.subarray(n));
    assert.deepEqual(Buffer.concat([d.update(sealed.subarray(0, n)), d.final()]), pt);
    assert.deepEqual(g.open(iv, nodeSeal(key, iv, pt)), pt);
  }
});

test('open() refuses every single flipped bit, a wrong nonce, and input shorter than the tag', () => {
  const key = bytes(16, 5);
  const g = new SmallGcm(key);
  const iv = bytes(12, 6);
  const sealed = g.seal(iv, bytes(40, 7));
  for (let i = 0; i < sealed.length * 8; i++) {
    const bad = Buffer.from(sealed);
    bad[i >>> 3] = bad[i >>> 3]! ^ (1 << (i & 7));
    assert.equal(g.open(iv, bad), undefined, `bit ${i}`);
  }
  assert.equal(g.open(bytes(12, 8), sealed), undefined);
  assert.equal(g.open(iv, Buffer.alloc(15)), undefined);
});

test('SecureTx/SecureRx: the same bytes with and without SmallGcm around the threshold, in nonce order', async () => {
  const { SecureTx, SecureRx, SMALL_GCM_MAX } = await import('../../../../src/core/msgr2/secure.ts');
  const key = bytes(16, 11);
  const nonce = bytes(12, 12);
  const fast = new SecureTx(key, nonce, { rev1: true });
  const slow = new SecureTx(key, nonce, { rev1: true, smallMax: 0 });
  const rxFast = new SecureRx(key, nonce, { rev1: true });
  const rxSlow = new SecureRx(key, nonce, { rev1: true, smallMax: 0 });
  for (let n = SMALL_GCM_MAX - 20; n <= SMALL_GCM_MAX + 20; n++) {
    const parts = [bytes(n >> 1, n), bytes(n - (n >> 1), n + 1)];
    const a: Buffer[] = [];
    const b: Buffer[] = [];
    fast.seal(parts, a);
    slow.seal(parts, b);
    const ct = Buffer.concat(a);
    assert.deepEqual(ct, Buffer.concat(b), `length ${n}`);
    assert.deepEqual(rxFast.open(ct), Buffer.concat(parts));
    assert.deepEqual(rxSlow.open(ct), Buffer.concat(parts));
  }
  const bad = Buffer.alloc(SMALL_GCM_MAX + 16);
  assert.throws(() => rxFast.open(bad), { code: 'ERR_FRAME_AUTH_TAG' });
});
