import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import {
  AUTH_ENC_MAGIC,
  CEPHX_IV,
  aesCbcDecrypt,
  aesCbcEncrypt,
  cephxChallengeKey,
  cephxMessageSignature,
  decryptEnvelope,
  encryptEnvelope,
  readEncrypted,
  writeEncrypted,
} from '../../../../src/core/auth/cephx-crypto.ts';
import { Reader } from '../../../../src/encoding/reader.ts';
import { Writer } from '../../../../src/encoding/writer.ts';
import { expectCode } from './helpers.ts';

const KEY = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

test('§6.4 challenge-key vector (envelope bytes and key)', () => {
  const body = Buffer.alloc(16);
  body.writeBigUInt64LE(0x1122334455667788n, 0);
  body.writeBigUInt64LE(0x99aabbccddeeff00n, 8);
  assert.equal(encryptEnvelope(KEY, body).toString('hex'), '5e4c58eba0ea931c02ef662853edc6c29f2f6fbccbaae9ce9354fc30c472810b');
  assert.equal(cephxChallengeKey(KEY, 0x1122334455667788n, 0x99aabbccddeeff00n), 0x4fadd85010bcad18n);
});

test('challenge key: XOR of the le64 words of le32(len)+ciphertext, last 4 bytes unused', () => {
  const s = 0x0102030405060708n;
  const c = 0xfffefdfcfbfaf9f8n;
  const body = Buffer.alloc(16);
  body.writeBigUInt64LE(s, 0);
  body.writeBigUInt64LE(c, 8);
  const ct = encryptEnvelope(KEY, body);
  assert.equal(ct.length, 32);
  const withLen = Buffer.concat([Buffer.from([32, 0, 0, 0]), ct]);
  let k = 0n;
  for (const off of [0, 8, 16, 24]) k ^= withLen.readBigUInt64LE(off);
  assert.equal(cephxChallengeKey(KEY, s, c), k);
  assert.notEqual(cephxChallengeKey(KEY, s, c + 1n), k);
});

test('AES-CBC: fixed IV "cephsageyudagreg", PKCS#7 always pads (1..16 bytes)', () => {
  assert.equal(CEPHX_IV.toString('latin1'), 'cephsageyudagreg');
  for (let n = 0; n <= 70; n++) {
    const plain = Buffer.alloc(n, n);
    const ct = aesCbcEncrypt(KEY, plain);
    assert.equal(ct.length, (Math.floor(n / 16) + 1) * 16, `n=${n}`);
    const ref = createCipheriv('aes-128-cbc', KEY, Buffer.from('cephsageyudagreg'));
    assert.deepEqual(ct, Buffer.concat([ref.update(plain), ref.final()]));
    assert.deepEqual(aesCbcDecrypt(KEY, ct), plain);
  }
});

test('AES-CBC decrypt: bad lengths → ERR_AUTH_FAILED; padding handled like Ceph (last byte, capped at 16)', () => {
  for (const n of [0, 1, 15, 17, 31]) expectCode(() => aesCbcDecrypt(KEY, Buffer.alloc(n)), 'ERR_AUTH_FAILED');
  // A block whose last plaintext byte is 0 strips nothing; 0xff strips 16 (no padding check).
  const raw = (plain: Buffer): Buffer => {
    const c = createCipheriv('aes-128-cbc', KEY, CEPHX_IV);
    c.setAutoPadding(false);
    return Buffer.concat([c.update(plain), c.final()]);
  };
  const p0 = Buffer.alloc(32, 0xaa);
  p0[31] = 0;
  assert.deepEqual(aesCbcDecrypt(KEY, raw(p0)), p0);
  const pff = Buffer.alloc(32, 0xbb);
  pff[31] = 0xff;
  assert.deepEqual(aesCbcDecrypt(KEY, raw(pff)), pff.subarray(0, 16));
  const p3 = Buffer.alloc(16, 7);
  p3[15] = 3;
  assert.deepEqual(aesCbcDecrypt(KEY, raw(p3)), p3.subarray(0, 13));
});

test('short keys are refused', () => {
  expectCode(() => aesCbcEncrypt(Buffer.alloc(8), Buffer.alloc(1)), 'ERR_AUTH_FAILED');
});

test('envelope: u8 1 + le64 magic + body; blob and raw forms; wrong key → chosen code', () => {
  const body = Buffer.from('hello cephx envelope');
  const ct = encryptEnvelope(KEY, body);
  const plain = aesCbcDecrypt(KEY, ct);
  assert.equal(plain[0], 1);
  assert.equal(plain.readBigUInt64LE(1), AUTH_ENC_MAGIC);
  assert.deepEqual(decryptEnvelope(KEY, ct), body);
  const w = new Writer();
  writeEncrypted(w, KEY, body);
  const bytes = w.finish();
  assert.equal(bytes.readUInt32LE(0), ct.length);
  assert.deepEqual(readEncrypted(new Reader(bytes), KEY), body);
  const other = Buffer.alloc(16, 9);
  expectCode(() => decryptEnvelope(other, ct), 'ERR_AUTH_FAILED');
  expectCode(() => decryptEnvelope(other, ct, 'ERR_AUTH_REJECTED'), 'ERR_AUTH_REJECTED');
  expectCode(() => readEncrypted(new Reader(bytes.subarray(0, 10)), KEY), 'ERR_DECODE_SHORT');
});

const SIG_IN = { headerCrc: 0x11111111, frontCrc: 0x22222222, frontLen: 100, middleCrc: 0x33333333, middleLen: 0, dataCrc: 0x44444444, dataLen: 4096, seq: 0x1_0000_0005n };

test('msgr1 signature, CEPHX_V2: XOR of four le64 words of AES(32-byte block)', () => {
  const b = Buffer.alloc(32);
  [SIG_IN.headerCrc, SIG_IN.frontCrc, SIG_IN.frontLen, SIG_IN.middleCrc, SIG_IN.middleLen, SIG_IN.dataCrc, SIG_IN.dataLen, 5].forEach((v, i) =>
    b.writeUInt32LE(v, i * 4),
  );
  const c = createCipheriv('aes-128-cbc', KEY, CEPHX_IV);
  const ct = Buffer.concat([c.update(b), c.final()]);
  assert.equal(ct.length, 48);
  const expected = ct.readBigUInt64LE(0) ^ ct.readBigUInt64LE(8) ^ ct.readBigUInt64LE(16) ^ ct.readBigUInt64LE(24);
  assert.equal(cephxMessageSignature(KEY, SIG_IN, true), expected);
  // covers lengths and the low 32 bits of seq
  assert.notEqual(cephxMessageSignature(KEY, { ...SIG_IN, frontLen: 101 }, true), expected);
  assert.notEqual(cephxMessageSignature(KEY, { ...SIG_IN, seq: 6n }, true), expected);
  assert.equal(cephxMessageSignature(KEY, { ...SIG_IN, seq: 5n }, true), expected);
});

test('msgr1 signature, legacy: first le64 of AES(u8 1, magic, le32 16, four crcs)', () => {
  const b = Buffer.alloc(29);
  b[0] = 1;
  b.writeBigUInt64LE(0xff009cad8826aa55n, 1);
  b.writeUInt32LE(16, 9);
  [SIG_IN.headerCrc, SIG_IN.frontCrc, SIG_IN.middleCrc, SIG_IN.dataCrc].forEach((v, i) => b.writeUInt32LE(v, 13 + i * 4));
  const c = createCipheriv('aes-128-cbc', KEY, CEPHX_IV);
  const ct = Buffer.concat([c.update(b), c.final()]);
  assert.equal(ct.length, 32);
  assert.equal(cephxMessageSignature(KEY, SIG_IN, false), ct.readBigUInt64LE(0));
  // legacy ignores lengths and seq; being the first CBC block, it only depends on the first 16
  // plaintext bytes (version, magic, length, 3 bytes of header crc) — Ceph's behaviour too
  assert.equal(cephxMessageSignature(KEY, { ...SIG_IN, frontLen: 1, seq: 99n }, false), ct.readBigUInt64LE(0));
  assert.equal(cephxMessageSignature(KEY, { ...SIG_IN, dataCrc: 0 }, false), ct.readBigUInt64LE(0));
  assert.notEqual(cephxMessageSignature(KEY, { ...SIG_IN, headerCrc: 0x11111112 }, false), ct.readBigUInt64LE(0));
});
