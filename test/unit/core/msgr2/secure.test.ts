import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { isMsgrError } from '../../../../src/errors.ts';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { FrameEncoder } from '../../../../src/core/msgr2/frame-encoder.ts';
import { FrameDecoder } from '../../../../src/core/msgr2/frame-decoder.ts';
import { SecureRx, SecureTx, createSecureHandlers } from '../../../../src/core/msgr2/secure.ts';
import { encodeAuthSignature } from '../../../../src/core/msgr2/frames.ts';
import { Tag } from '../../../../src/core/msgr2/tags.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `not a MsgrError: ${String(e)}`);
    return e.code;
  }
  return 'no error';
}
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');
const SECRET = Buffer.from(Array.from({ length: 64 }, (_, i) => i));

const VECTOR_C = hex(`
5e e8 3e 47 77 93 cc 7c bb 38 14 80 b3 0c c6 94 31 da bd f8 79 b5 0b 48 3d 40 3c fd 1b 1e c9 6a
46 c6 36 fd d3 4f f7 96 50 36 a3 b4 f0 29 08 ec d7 f8 cc 4f 26 88 a2 8a b0 1f 76 1a ee e6 fd ba
01 65 4a 9d 4a 84 8c 68 91 72 d4 52 1f cf 81 08 f4 5a 41 cb f7 7b 63 66 d5 c3 4c f7 dd c9 fc 0a`);

function encoderFor(rev1: boolean, isServer: boolean, secret = SECRET): FrameEncoder {
  const e = new FrameEncoder({ rev1 });
  e.setSecure(createSecureHandlers(secret, { rev1, isServer }).tx);
  return e;
}

test('secure: wire §2.11 C — client AUTH_SIGNATURE(32 zero bytes), rev1, 96 bytes exact', () => {
  const { tx } = createSecureHandlers(SECRET, { rev1: true, isServer: false });
  assert.equal(tx.nextNonce.toString('hex'), '1c1d1e1f2021222324252627');
  const enc = new FrameEncoder({ rev1: true });
  enc.setSecure(tx);
  const sig = encodeAuthSignature({ signature: Buffer.alloc(32) });
  assert.deepEqual(enc.encodeBytes(Tag.AUTH_SIGNATURE, [sig]), VECTOR_C);
  // "the next rev1 frame uses nonce counter+1"
  assert.equal(tx.nextNonce.toString('hex'), '1c1d1e1f2121222324252627');
  // and the same frame in rev0 is byte-identical (same plaintext, same first nonce)
  assert.deepEqual(encoderFor(false, false).encodeBytes(Tag.AUTH_SIGNATURE, [sig]), VECTOR_C);
});

test('secure: vector C equals an independent AES-128-GCM of preamble + 48 zero bytes', () => {
  const plain = Buffer.alloc(80);
  hex('07 01 20 00 00 00 08 00').copy(plain);
  hex('a8 0c 98 72').copy(plain, 28);
  const c = createCipheriv('aes-128-gcm', SECRET.subarray(0, 16), SECRET.subarray(28, 40));
  const ct = Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  assert.deepEqual(ct, VECTOR_C);
});

test('secure: key/nonce layout and crossing (client tx = server rx = bytes 28..39; server tx = client rx = 16..27)', () => {
  const client = createSecureHandlers(SECRET, { rev1: true, isServer: false });
  const server = createSecureHandlers(SECRET, { rev1: true, isServer: true });
  assert.equal(client.tx.nextNonce.toString('hex'), SECRET.subarray(28, 40).toString('hex'));
  assert.equal(client.rx.nextNonce.toString('hex'), SECRET.subarray(16, 28).toString('hex'));
  assert.deepEqual(server.rx.nextNonce, client.tx.nextNonce);
  assert.deepEqual(server.tx.nextNonce, client.rx.nextNonce);
  // frames flow both ways
  for (const [tx, rx] of [[client.tx, server.rx], [server.tx, client.rx]] as const) {
    const enc = new FrameEncoder({ rev1: true });
    enc.setSecure(tx);
    const dec = new FrameDecoder({ rev1: true });
    dec.setSecure(rx);
    const q = new ByteQueue();
    q.push(enc.encodeBytes(Tag.ACK, [Buffer.from('0100000000000000', 'hex')]));
    const f = dec.readFrame(q);
    assert.ok(f);
    assert.equal(f.tag, Tag.ACK);
  }
  // a decoder built with the same direction's nonce as the encoder's peer fails: not crossed
  const wrong = new FrameDecoder({ rev1: true });
  wrong.setSecure(createSecureHandlers(SECRET, { rev1: true, isServer: false }).rx);
  const q = new ByteQueue();
  q.push(encoderFor(true, false).encodeBytes(Tag.ACK, [Buffer.alloc(8)]));
  assert.equal(code(() => wrong.readFrame(q)), 'ERR_FRAME_AUTH_TAG');
});

test('secure: rev1 uses 1, 2 or 3 nonces per frame; rev0 exactly 1', () => {
  const counter = (b: Buffer): bigint => b.readBigUInt64LE(4);
  const fixed = (b: Buffer): number => b.readUInt32LE(0);
  const cases: [number[], number][] = [
    [[0], 1], [[41], 1], [[48], 1], [[49], 2], [[0, 1], 2], [[41, 101], 2], [[49, 0, 0, 303], 3], [[200, 1, 1, 1], 3],
  ];
  for (const [lens, ops] of cases) {
    const { tx } = createSecureHandlers(SECRET, { rev1: true, isServer: false });
    const enc = new FrameEncoder({ rev1: true });
    enc.setSecure(tx);
    const before = tx.nextNonce;
    enc.encode(Tag.MESSAGE, lens.map((l) => Buffer.alloc(l, 1)));
    const after = tx.nextNonce;
    assert.equal(counter(after) - counter(before), BigInt(ops), `rev1 ${lens}`);
    assert.equal(fixed(after), fixed(before), 'rev1 leaves the fixed field alone');

    const t0 = createSecureHandlers(SECRET, { rev1: false, isServer: false }).tx;
    const e0 = new FrameEncoder({ rev1: false });
    e0.setSecure(t0);
    const b0 = t0.nextNonce;
    e0.encode(Tag.MESSAGE, lens.map((l) => Buffer.alloc(l, 1)));
    assert.equal(fixed(t0.nextNonce), (fixed(b0) + 1) >>> 0, `rev0 ${lens}`);
    assert.equal(counter(t0.nextNonce), counter(b0), 'rev0 leaves the counter alone');
  }
});

test('secure: rev1 counter carries into the high word; rev0 fixed field wraps mod 2^32', () => {
  const init = hex('00000000 ffffffff 00000000');
  const tx = new SecureTx(SECRET.subarray(0, 16), init, { rev1: true });
  tx.begin();
  assert.equal(tx.nextNonce.toString('hex'), '00000000' + '00000000' + '01000000');
  const init0 = hex('ffffffff 0102030405060708');
  const t0 = new SecureTx(SECRET.subarray(0, 16), init0, { rev1: false });
  t0.begin();
  assert.equal(t0.nextNonce.toString('hex'), '00000000' + '0102030405060708');
});

test('secure: refuses to reuse the initial nonce (ERR_NONCE_EXHAUSTED), tx and rx, both revisions', () => {
  const key = SECRET.subarray(0, 16);
  const init = hex('10000000 2000000000000000');
  // rev0: one step before wrapping back to the initial value: fixed = 0x0f
  const last0 = hex('0f000000 2000000000000000');
  // rev1: counter = initial - 1
  const last1 = hex('10000000 1f00000000000000');
  for (const [rev1, last] of [[false, last0], [true, last1]] as const) {
    const tx = new SecureTx(key, init, { rev1, startNonce: last });
    tx.begin(); // uses `last`, the nonce is now the initial one again
    assert.deepEqual(tx.nextNonce, init);
    assert.equal(code(() => tx.begin()), 'ERR_NONCE_EXHAUSTED');
    const rx = new SecureRx(key, init, { rev1, startNonce: last });
    rx.begin();
    assert.equal(code(() => rx.begin()), 'ERR_NONCE_EXHAUSTED');
    // a fresh sequence may use the initial nonce once
    const fresh = new SecureTx(key, init, { rev1 });
    fresh.begin();
    assert.notDeepEqual(fresh.nextNonce, init);
  }
  // through the frame encoder: the frame that would need the initial nonce again is refused
  const tx = new SecureTx(key, init, { rev1: false, startNonce: last0 });
  const enc = new FrameEncoder({ rev1: false });
  enc.setSecure(tx);
  enc.encode(Tag.ACK, [Buffer.alloc(8)]);
  assert.equal(code(() => enc.encode(Tag.ACK, [Buffer.alloc(8)])), 'ERR_NONCE_EXHAUSTED');
  // and the decoder side: the frame sent under `last0` is read, the next one would reuse the initial nonce
  const dec = new FrameDecoder({ rev1: false });
  dec.setSecure(new SecureRx(key, init, { rev1: false, startNonce: last0 }));
  const sender = new FrameEncoder({ rev1: false });
  sender.setSecure(new SecureTx(key, init, { rev1: false, startNonce: last0 }));
  const q = new ByteQueue();
  q.push(sender.encodeBytes(Tag.ACK, [Buffer.alloc(8)]));
  assert.ok(dec.readFrame(q));
  q.push(Buffer.alloc(64));
  assert.equal(code(() => dec.readFrame(q)), 'ERR_NONCE_EXHAUSTED');
});

test('secure: tampered ciphertext or tag → ERR_FRAME_AUTH_TAG (rev1 preamble block)', () => {
  for (let bit = 0; bit < 96 * 8; bit += 7) {
    const ct = Buffer.from(VECTOR_C);
    ct[bit >> 3]! ^= 1 << (bit & 7);
    const dec = new FrameDecoder({ rev1: true });
    dec.setSecure(createSecureHandlers(SECRET, { rev1: true, isServer: true }).rx);
    const q = new ByteQueue();
    q.push(ct);
    assert.equal(code(() => dec.readFrame(q)), 'ERR_FRAME_AUTH_TAG', `bit ${bit}`);
  }
  const dec = new FrameDecoder({ rev1: true });
  dec.setSecure(createSecureHandlers(SECRET, { rev1: true, isServer: true }).rx);
  const q = new ByteQueue();
  q.push(VECTOR_C);
  const f = dec.readFrame(q);
  assert.ok(f);
  assert.deepEqual(f.segments, [Buffer.alloc(32)]);
});

test('secure: argument checks', () => {
  assert.equal(code(() => createSecureHandlers(Buffer.alloc(39), { rev1: true, isServer: false })), 'ERR_INVALID_ARG');
  assert.ok(createSecureHandlers(Buffer.alloc(40), { rev1: true, isServer: false }));
  assert.equal(code(() => new SecureTx(Buffer.alloc(15), Buffer.alloc(12), { rev1: true })), 'ERR_INVALID_ARG');
  assert.equal(code(() => new SecureRx(Buffer.alloc(16), Buffer.alloc(11), { rev1: true })), 'ERR_INVALID_ARG');
  assert.equal(code(() => new SecureRx(Buffer.alloc(16), Buffer.alloc(12), { rev1: true }).open(Buffer.alloc(15))), 'ERR_FRAME_INVALID');
});
