import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsgrError } from '../../../../src/errors.ts';
import { AddrType, makeAddr } from '../../../../src/encoding/types/entity-addr.ts';
import { FrameEncoder, INLINE_SEGMENT0_MAX, concatGather, encodeFrameBytes, gatherLength } from '../../../../src/core/msgr2/frame-encoder.ts';
import { MODES, RefSender, modeName } from './reference.ts';
import { onwireParts } from '../../../../src/core/msgr2/frame-layout.ts';
import { createSecureHandlers } from '../../../../src/core/msgr2/secure.ts';
import { encodeAuthDone, encodeAuthRequest, encodeAuthSignature, encodeHello } from '../../../../src/core/msgr2/frames.ts';
import { encodeHeader2 } from '../../../../src/core/msgr2/header2.ts';
import { Tag } from '../../../../src/core/msgr2/tags.ts';
import { golden } from './golden.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `not a MsgrError: ${String(e)}`);
    return e.code;
  }
  return 'no error';
}
const hex = (s: string): Buffer => Buffer.from(s.replace(/[\s|]+/g, ''), 'hex');

const SECRET = Buffer.from(Array.from({ length: 64 }, (_, i) => (i * 13 + 5) & 0xff));
const rev1 = new FrameEncoder({ rev1: true });
const rev0 = new FrameEncoder({ rev1: false });

test('encoder: wire §2.11 A — the mon HELLO and AUTH_DONE frames, byte-exact (rev1 crc)', () => {
  const a = golden('v2-crc-authnone', 's2c').stream;
  const helloAddr = makeAddr(AddrType.MSGR2, '127.0.0.1', 0xc492, 0);
  // the capture in §2.11 A is from the live probe session; our capture has its own client port
  const hello = encodeHello({ entityType: 1, peerAddr: helloAddr });
  const frame = rev1.encodeBytes(Tag.HELLO, [hello]);
  assert.equal(frame.length, 72);
  assert.deepEqual(frame.subarray(0, 32), hex('01 01 24 00 00 00 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 3f bd 6b 06'));
  assert.deepEqual(frame.subarray(32), hex('01 01 01 01 1c 00 00 00 02 00 00 00 00 00 00 00 10 00 00 00 02 00 c4 92 7f 00 00 01 00 00 00 00 00 00 00 00 7a a8 c0 78'));
  const done = rev1.encodeBytes(Tag.AUTH_DONE, [encodeAuthDone({ globalId: 0x1013n, conMode: 1, payload: Buffer.alloc(0) })]);
  assert.equal(done.length, 52);
  assert.deepEqual(done.subarray(0, 8), hex('06 01 10 00 00 00 08 00'));
  assert.deepEqual(done.subarray(28, 32), hex('5b 06 30 a6'));
  assert.deepEqual(done.subarray(32), hex('13 10 00 00 00 00 00 00 | 01 00 00 00 | 00 00 00 00 | 48 b6 eb 95'));
  // our own capture: the banner then the HELLO from the same mon build
  assert.deepEqual(a.subarray(0, 26), hex('63 65 70 68 20 76 32 0a 10 00 01 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00'));
});

const CLIENT_HELLO_REV1 = hex(`
01 01 24 00 00 00 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 3f bd 6b 06
08 01 01 01 1c 00 00 00 02 00 00 00 00 00 00 00 10 00 00 00 02 00 0c e4 7f 00 00 01 00 00 00 00
00 00 00 00 7d 88 3e 07`);

test('encoder: wire §2.11 B — client HELLO rev1 (72 B) and rev0 (85 B) crc', () => {
  const payload = encodeHello({ entityType: 8, peerAddr: makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0) });
  assert.deepEqual(rev1.encodeBytes(Tag.HELLO, [payload]), CLIENT_HELLO_REV1);
  const r0 = rev0.encodeBytes(Tag.HELLO, [payload]);
  assert.equal(r0.length, 85);
  assert.deepEqual(r0.subarray(0, 68), CLIENT_HELLO_REV1.subarray(0, 68));
  assert.deepEqual(r0.subarray(68), hex('00 | 7d 88 3e 07 | 00 00 00 00 | 00 00 00 00 | 00 00 00 00'));
  // the real client sent exactly these bytes
  assert.deepEqual(golden('v2-crc-authnone', 'c2s').frames[0]!.raw, CLIENT_HELLO_REV1);
});

test('encoder: wire §2.11 B — AUTH_REQUEST (74 B), AUTH_SIGNATURE (68 B), MESSAGE (108 B)', () => {
  const ar = encodeAuthRequest({ method: 1, preferredModes: [1], payload: hex('0a 08000000 05000000 61646d696e 0000000000000000') });
  assert.deepEqual(
    rev1.encodeBytes(Tag.AUTH_REQUEST, [ar]),
    hex(`02 01 26 00 00 00 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 8c 5e e4 be
         01 00 00 00  01 00 00 00  01 00 00 00  16 00 00 00  0a  08 00 00 00  05 00 00 00 61 64 6d 69 6e
         00 00 00 00 00 00 00 00  d8 ed e5 0c`),
  );
  const sig = rev1.encodeBytes(Tag.AUTH_SIGNATURE, [encodeAuthSignature({ signature: Buffer.alloc(32) })]);
  assert.equal(sig.length, 68);
  assert.deepEqual(sig.subarray(0, 8), hex('07 01 20 00 00 00 08 00'));
  assert.deepEqual(sig.subarray(28, 32), hex('a8 0c 98 72'));
  assert.deepEqual(sig.subarray(32, 64), Buffer.alloc(32));
  assert.deepEqual(sig.subarray(64), hex('55 c9 6e 75'));
  const header = encodeHeader2({ seq: 1n, tid: 7n, type: 0x13, priority: 127, version: 1, dataPrePaddingLen: 0, dataOff: 0, ackSeq: 0n, flags: 3, compatVersion: 1, reserved: 0 });
  const front = hex('07 00 00 00 00 00 00 00 06 00 00 00 6f 73 64 6d 61 70');
  const msg = rev1.encodeBytes(Tag.MESSAGE, [header, front, Buffer.alloc(0), Buffer.alloc(0)]);
  assert.deepEqual(
    msg,
    hex(`11 02 29 00 00 00 08 00 12 00 00 00 08 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 d1 01 2e 8f
         01 00 00 00 00 00 00 00 07 00 00 00 00 00 00 00 13 00 7f 00 01 00 00 00 00 00 00 00 00 00 00 00
         00 00 00 00 03 01 00 00 00 47 71 88 cf 07 00 00 00 00 00 00 00 06 00 00 00 6f 73 64 6d 61 70 0e
         b3 8f 57 ec 00 00 00 00 00 00 00 00`),
  );
});

test('encoder: trailing empty segments trimmed; all-empty → one empty segment', () => {
  const e = Buffer.alloc(0);
  const x = Buffer.from('x');
  const cases: [Buffer[], number][] = [
    [[e], 1], [[e, e, e, e], 1], [[x, e, e, e], 1], [[x, x, e, e], 2], [[e, x], 2], [[e, e, e, x], 4], [[x, e, x, e], 3],
  ];
  for (const [segs, n] of cases) {
    for (const enc of [rev0, rev1]) {
      const b = enc.encodeBytes(Tag.MESSAGE, segs);
      assert.equal(b[1], n, `${segs.map((s) => s.length)} → ${n}`);
      for (let i = n; i < 4; i++) assert.deepEqual(b.subarray(2 + 6 * i, 8 + 6 * i), Buffer.alloc(6), 'unused descriptor zero');
      assert.deepEqual(b.subarray(26, 28), Buffer.alloc(2), 'reserved zero');
    }
  }
});

test('encoder: default alignments 8 / 4096 for MESSAGE data, 8 for control; explicit ones kept', () => {
  const s = [Buffer.from('h'), Buffer.from('f'), Buffer.from('m'), Buffer.from('d')];
  const m = rev1.encodeBytes(Tag.MESSAGE, s);
  assert.deepEqual([0, 1, 2, 3].map((i) => m.readUInt16LE(6 + 6 * i)), [8, 8, 8, 4096]);
  const c = rev1.encodeBytes(Tag.HELLO, s);
  assert.deepEqual([0, 1, 2, 3].map((i) => c.readUInt16LE(6 + 6 * i)), [8, 8, 8, 8]);
  const x = rev1.encodeBytes(Tag.MESSAGE, s, [0, 16, 32, 1]);
  assert.deepEqual([0, 1, 2, 3].map((i) => x.readUInt16LE(6 + 6 * i)), [0, 16, 32, 1]);
});

test('encoder: crc mode gathers segments 1..3 and a long segment 0 as they are (no copies)', () => {
  const h = Buffer.alloc(41, 1);
  const big0 = Buffer.alloc(INLINE_SEGMENT0_MAX + 1, 1);
  const f = Buffer.alloc(300, 2);
  const m = Buffer.alloc(3, 5);
  const d = Buffer.alloc(5000, 3);
  for (const enc of [rev0, rev1]) {
    const list = enc.encode(Tag.MESSAGE, [h, f, m, d]);
    assert.ok(list.includes(f) && list.includes(m) && list.includes(d), 'segments 1..3 appear by identity');
    assert.ok(!list.includes(h), 'a 41-byte segment 0 is copied next to the preamble');
    assert.equal(gatherLength(list), onwireParts({ rev1: enc.rev1, secure: false }, [41, 300, 3, 5000]).total);
    assert.deepEqual(concatGather(list), encodeFrameBytes(enc, Tag.MESSAGE, [h, f, m, d]));
    const list2 = enc.encode(Tag.MESSAGE, [big0, f]);
    assert.ok(list2.includes(big0), 'a long segment 0 is not copied');
    // a single short control payload becomes one buffer
    assert.equal(enc.encode(Tag.ACK, [Buffer.alloc(8)]).length, 1);
  }
});

test('encoder: inlined and gathered segment 0 give the same bytes (around the 128-byte switch), all modes', () => {
  for (const l0 of [0, 1, 47, 48, 49, 127, 128, 129, 200]) {
    for (const n of [1, 2, 4]) {
      const segs = [Buffer.alloc(l0, 0x11), Buffer.alloc(n > 1 ? 17 : 0, 0x22), Buffer.alloc(0), Buffer.alloc(n > 3 ? 33 : 0, 0x44)];
      for (const mode of MODES) {
        const enc = new FrameEncoder({ rev1: mode.rev1 });
        let ref = new RefSender(mode);
        if (mode.secure) {
          enc.setSecure(createSecureHandlers(SECRET, { rev1: mode.rev1, isServer: false }).tx);
          ref = new RefSender(mode, SECRET.subarray(0, 16), SECRET.subarray(28, 40));
        }
        assert.deepEqual(enc.encodeBytes(Tag.MESSAGE, segs), ref.assemble(Tag.MESSAGE, segs, [8, 8, 8, 4096]).bytes, `${modeName(mode)} l0=${l0} n=${n}`);
      }
    }
  }
});

test('encoder: encodeMessage (header2 in place) equals encode with an encoded header, all modes, nonces in step', () => {
  const hdr = { seq: 5n, tid: 9n, type: 0x13, priority: 196, version: 2, dataPrePaddingLen: 0, dataOff: 0, ackSeq: 3n, flags: 3, compatVersion: 1, reserved: 0 };
  const layouts = [[0, 0, 0], [18, 0, 0], [0, 0, 4096], [250, 7, 4096], [64, 0, 0]];
  for (const mode of MODES) {
    const a = new FrameEncoder({ rev1: mode.rev1 });
    const b = new FrameEncoder({ rev1: mode.rev1 });
    if (mode.secure) {
      a.setSecure(createSecureHandlers(SECRET, { rev1: mode.rev1, isServer: false }).tx);
      b.setSecure(createSecureHandlers(SECRET, { rev1: mode.rev1, isServer: false }).tx);
    }
    for (let rep = 0; rep < 2; rep++) {
      for (const [f, m, d] of layouts) {
        const front = Buffer.alloc(f!, 1);
        const middle = Buffer.alloc(m!, 2);
        const data = Buffer.alloc(d!, 3);
        const fast = concatGather(a.encodeMessage(hdr, front, middle, data));
        const slow = b.encodeBytes(Tag.MESSAGE, [encodeHeader2(hdr), front, middle, data]);
        assert.deepEqual(fast, slow, `${modeName(mode)} ${f}+${m}+${d}`);
      }
    }
  }
});

test('encoder: secure mode returns ciphertext only (no plaintext segment in the list)', () => {
  const secret = Buffer.alloc(64, 7);
  for (const r of [false, true]) {
    const enc = new FrameEncoder({ rev1: r });
    enc.setSecure(createSecureHandlers(secret, { rev1: r, isServer: false }).tx);
    assert.equal(enc.secure, true);
    const d = Buffer.alloc(5000, 3);
    const list = enc.encode(Tag.MESSAGE, [Buffer.alloc(41, 1), Buffer.alloc(0), Buffer.alloc(0), d]);
    assert.ok(!list.includes(d));
    assert.equal(gatherLength(list), onwireParts({ rev1: r, secure: true }, [41, 0, 0, 5000]).total);
    assert.equal(concatGather(list).indexOf(Buffer.alloc(64, 3)), -1, 'no plaintext run visible');
  }
});

test('encoder: argument checks', () => {
  assert.equal(code(() => rev1.encode(Tag.HELLO, [])), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => rev1.encode(Tag.HELLO, [Buffer.alloc(1), Buffer.alloc(1), Buffer.alloc(1), Buffer.alloc(1), Buffer.alloc(1)])), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => rev1.encode(0, [Buffer.alloc(1)])), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => rev1.encode(256, [Buffer.alloc(1)])), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => rev1.encode(Tag.HELLO, [Buffer.alloc(1)], [65536])), 'ERR_ENCODE_INVALID');
  const { tx } = createSecureHandlers(Buffer.alloc(64), { rev1: false, isServer: false });
  assert.equal(code(() => rev1.setSecure(tx)), 'ERR_INVALID_ARG');
});
