import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsgrError } from '../../../../src/errors.ts';
import { crc32c } from '../../../../src/encoding/crc32c.ts';
import { Message } from '../../../../src/messages/message.ts';
import {
  decodeMsgr1Footer,
  decodeMsgr1Header,
  encodeMsgr1Footer,
  encodeMsgr1Header,
  encodeMsgr1Message,
  encodeMsgr1MessageRaw,
  MSGR1_FOOTER_LEN,
  MSGR1_HEADER_LEN,
  MSGR1_OLD_FOOTER_LEN,
  msgr1FooterLen,
  Msgr1FooterFlag,
  msgr1HeaderCrc,
  type Msgr1Header,
  type Msgr1SignInput,
} from '../../../../src/core/msgr1/header.ts';
import { loadStream } from '../../../helpers/captures.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `expected MsgrError, got ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

const header: Msgr1Header = {
  seq: 0x1122334455667788n,
  tid: 0x0102030405060708n,
  type: 0x1234,
  priority: 196,
  version: 7,
  frontLen: 0xa0a0a0a,
  middleLen: 0xb0b0b0b,
  dataLen: 0xc0c0c0c,
  dataOff: 0xd0d,
  src: { type: 8, num: -1n },
  compatVersion: 3,
  reserved: 0,
  crc: 0,
};

function msg(): Message {
  return new Message({
    type: 50,
    priority: 127,
    version: 2,
    compatVersion: 1,
    tid: 9n,
    front: Buffer.from('front payload'),
    middle: Buffer.from('mid'),
    data: Buffer.alloc(5000, 0x5a),
    dataOff: 4096,
  });
}

test('header: 53 bytes, field offsets per §4.4, crc over bytes 0..48 (seed 0)', () => {
  const b = encodeMsgr1Header(header);
  assert.equal(b.length, MSGR1_HEADER_LEN);
  assert.equal(b.readBigUInt64LE(0), header.seq);
  assert.equal(b.readBigUInt64LE(8), header.tid);
  assert.equal(b.readUInt16LE(16), 0x1234);
  assert.equal(b.readUInt16LE(18), 196);
  assert.equal(b.readUInt16LE(20), 7);
  assert.equal(b.readUInt32LE(22), 0xa0a0a0a);
  assert.equal(b.readUInt32LE(26), 0xb0b0b0b);
  assert.equal(b.readUInt32LE(30), 0xc0c0c0c);
  assert.equal(b.readUInt16LE(34), 0xd0d);
  assert.equal(b[36], 8);
  assert.equal(b.readBigInt64LE(37), -1n);
  assert.equal(b.readUInt16LE(45), 3);
  assert.equal(b.readUInt16LE(47), 0);
  assert.equal(b.readUInt32LE(49), crc32c(0, b.subarray(0, 49)));
  assert.equal(msgr1HeaderCrc(b), b.readUInt32LE(49));
  const d = decodeMsgr1Header(b);
  assert.deepEqual(d, { ...header, crc: b.readUInt32LE(49) });
});

test('header: the crc of a captured MMonSubscribe header matches the bytes Ceph sent', () => {
  // v1-authnone c2s: banner+addr (145) + connect (33) + seq (8) + keepalive2 (9) + MAuth (1+53+60+21) + tag
  const s = loadStream('v1-authnone', 'c2s');
  const at = 145 + 33 + 8 + 9 + (1 + 53 + 60 + 21) + 1;
  const h = s.subarray(at, at + 53);
  assert.equal(h.readUInt16LE(16), 15); // MMonSubscribe
  assert.equal(msgr1HeaderCrc(h), h.readUInt32LE(49));
  assert.ok(encodeMsgr1Header(decodeMsgr1Header(h)).equals(h));
});

test('footer: 21 bytes with MSG_AUTH, 13 without', () => {
  const f = { frontCrc: 0x11111111, middleCrc: 0x22222222, dataCrc: 0x33333333, sig: 0x0102030405060708n, flags: 5 };
  const b = encodeMsgr1Footer(f, true);
  assert.equal(b.length, MSGR1_FOOTER_LEN);
  assert.equal(b.readUInt32LE(0), 0x11111111);
  assert.equal(b.readUInt32LE(4), 0x22222222);
  assert.equal(b.readUInt32LE(8), 0x33333333);
  assert.equal(b.readBigUInt64LE(12), f.sig);
  assert.equal(b[20], 5);
  assert.deepEqual(decodeMsgr1Footer(b, true), f);
  const old = encodeMsgr1Footer(f, false);
  assert.equal(old.length, MSGR1_OLD_FOOTER_LEN);
  assert.equal(old[12], 5);
  assert.deepEqual(decodeMsgr1Footer(old, false), { ...f, sig: 0n });
  assert.equal(msgr1FooterLen(true), 21);
  assert.equal(msgr1FooterLen(false), 13);
});

test('encodeMsgr1Message: gather list [tag+header, front, middle, data, footer], payloads not copied', () => {
  const m = msg();
  const parts = encodeMsgr1Message(m, { seq: 42n, src: { type: 8, num: 4100n }, msgAuth: true });
  assert.equal(parts.length, 5);
  assert.equal(parts[1], m.front);
  assert.equal(parts[2], m.middle);
  assert.equal(parts[3], m.data);
  const head = parts[0]!;
  assert.equal(head.length, 54);
  assert.equal(head[0], 7);
  const h = decodeMsgr1Header(head.subarray(1));
  assert.equal(h.seq, 42n);
  assert.equal(h.tid, 9n);
  assert.equal(h.type, 50);
  assert.equal(h.priority, 127);
  assert.equal(h.version, 2);
  assert.equal(h.compatVersion, 1);
  assert.equal(h.frontLen, m.front.length);
  assert.equal(h.middleLen, 3);
  assert.equal(h.dataLen, 5000);
  assert.equal(h.dataOff, 4096);
  assert.deepEqual(h.src, { type: 8, num: 4100n });
  assert.equal(h.crc, msgr1HeaderCrc(head.subarray(1)));
  const f = decodeMsgr1Footer(parts[4]!, true);
  assert.deepEqual(f, {
    frontCrc: crc32c(0, m.front),
    middleCrc: crc32c(0, m.middle),
    dataCrc: crc32c(0, m.data),
    sig: 0n,
    flags: Msgr1FooterFlag.COMPLETE,
  });
});

test('encodeMsgr1Message: old footer without MSG_AUTH; NOCRC when data crc is off', () => {
  const m = msg();
  const parts = encodeMsgr1Message(m, { seq: 1n, src: { type: 8, num: 1n }, msgAuth: false, crcData: false });
  assert.equal(parts[4]!.length, 13);
  const f = decodeMsgr1Footer(parts[4]!, false);
  assert.equal(f.flags, Msgr1FooterFlag.COMPLETE | Msgr1FooterFlag.NOCRC);
  assert.equal(f.dataCrc, 0);
  assert.equal(f.frontCrc, crc32c(0, m.front)); // front/middle crcs are still computed
});

test('encodeMsgr1Message: sign callback gets the crcs, lengths and seq; result lands in footer.sig with SIGNED', () => {
  const m = msg();
  let seen: Msgr1SignInput | undefined;
  const parts = encodeMsgr1Message(m, {
    seq: 77n,
    src: { type: 8, num: 5n },
    msgAuth: true,
    sign: (h) => {
      seen = h;
      return 0xfeedfacecafebeefn;
    },
  });
  assert.ok(seen);
  assert.equal(seen.headerCrc, parts[0]!.readUInt32LE(50));
  assert.equal(seen.frontCrc, crc32c(0, m.front));
  assert.equal(seen.middleCrc, crc32c(0, m.middle));
  assert.equal(seen.dataCrc, crc32c(0, m.data));
  assert.equal(seen.frontLen, m.front.length);
  assert.equal(seen.middleLen, 3);
  assert.equal(seen.dataLen, 5000);
  assert.equal(seen.seq, 77n);
  const f = decodeMsgr1Footer(parts[4]!, true);
  assert.equal(f.sig, 0xfeedfacecafebeefn);
  assert.equal(f.flags, Msgr1FooterFlag.COMPLETE | Msgr1FooterFlag.SIGNED);

  const p2 = encodeMsgr1Message(m, { seq: 77n, src: { type: 8, num: 5n }, msgAuth: true, signature: 12345n });
  assert.equal(decodeMsgr1Footer(p2[4]!, true).sig, 12345n);
});

test('encodeMsgr1Message: misuse and out-of-range fields throw MsgrError', () => {
  const src = { type: 8, num: 1n };
  assert.equal(code(() => encodeMsgr1Message(msg(), { seq: 1n, src, msgAuth: false, signature: 1n })), 'ERR_INVALID_ARG');
  assert.equal(code(() => encodeMsgr1Message(msg(), { seq: 1n, src, msgAuth: false, sign: () => 1n })), 'ERR_INVALID_ARG');
  assert.equal(code(() => encodeMsgr1Message(msg(), { seq: 1n, src, msgAuth: true, signature: 1n, sign: () => 1n })), 'ERR_INVALID_ARG');
  assert.equal(code(() => encodeMsgr1Message(msg(), { seq: -1n, src, msgAuth: true })), 'ERR_ENCODE_INVALID');
  const bad = msg();
  bad.type = 0x10000;
  assert.equal(code(() => encodeMsgr1Message(bad, { seq: 1n, src, msgAuth: true })), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => encodeMsgr1Message(msg(), { seq: 1n, src, msgAuth: true, sign: () => -5n })), 'ERR_ENCODE_INVALID');
  assert.equal(
    code(() => encodeMsgr1MessageRaw({ ...header, frontLen: 1, middleLen: 0, dataLen: 0 }, Buffer.alloc(2), Buffer.alloc(0), Buffer.alloc(0), decodeMsgr1Footer(Buffer.alloc(21), true), true)),
    'ERR_ENCODE_INVALID',
  );
});
