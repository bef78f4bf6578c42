import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { isMsgrError } from '../../../../src/errors.ts';
import { Message } from '../../../../src/messages/message.ts';
import { encodeMsgr1Header, encodeMsgr1Message, encodeMsgr1MessageRaw, decodeMsgr1Header, Msgr1FooterFlag } from '../../../../src/core/msgr1/header.ts';
import { encodeMsgr1Ack, encodeMsgr1Close, encodeMsgr1Keepalive, encodeMsgr1Keepalive2 } from '../../../../src/core/msgr1/records.ts';
import { MSGR1_DEFAULT_MAX_MESSAGE_BYTES, Msgr1RecordDecoder } from '../../../../src/core/msgr1/record-decoder.ts';
import { Msgr1Tag } from '../../../../src/core/msgr1/tags.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `expected MsgrError, got ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

function msg(front = 'hello front', data = Buffer.alloc(300, 7)): Message {
  return new Message({ type: 0x2a, priority: 196, version: 4, compatVersion: 3, tid: 1234n, front: Buffer.from(front), middle: Buffer.from('m'), data, dataOff: 12 });
}
const SRC = { type: 4, num: 3n };

function wire(m: Message, msgAuth = true, seq = 5n): Buffer {
  return Buffer.concat(encodeMsgr1Message(m, { seq, src: SRC, msgAuth }));
}

function q(...chunks: Buffer[]): ByteQueue {
  const x = new ByteQueue();
  for (const c of chunks) x.push(c);
  return x;
}

test('decoder: a message decodes with src, seq, tid, type, priority, versions, data_off, flags', () => {
  for (const msgAuth of [true, false]) {
    const d = new Msgr1RecordDecoder({ msgAuth });
    const r = d.read(q(wire(msg(), msgAuth, 99n)));
    assert.ok(r && r.kind === 'message');
    const m = r.message;
    assert.deepEqual(m.src, SRC);
    assert.equal(m.seq, 99n);
    assert.equal(m.tid, 1234n);
    assert.equal(m.type, 0x2a);
    assert.equal(m.priority, 196);
    assert.equal(m.version, 4);
    assert.equal(m.compatVersion, 3);
    assert.equal(m.dataOff, 12);
    assert.equal(m.flags, Msgr1FooterFlag.COMPLETE);
    assert.equal(m.front.toString(), 'hello front');
    assert.equal(m.middle.toString(), 'm');
    assert.ok(m.data.equals(Buffer.alloc(300, 7)));
    assert.equal(r.header.seq, 99n);
  }
});

test('decoder: payloads are views into the received chunk', () => {
  const b = wire(msg());
  const r = new Msgr1RecordDecoder({ msgAuth: true }).read(q(b));
  assert.ok(r && r.kind === 'message');
  assert.equal(r.message.front.buffer, b.buffer);
  assert.equal(r.message.data.buffer, b.buffer);
});

test('decoder: several records in one chunk, then undefined', () => {
  const d = new Msgr1RecordDecoder({ msgAuth: true });
  const x = q(Buffer.concat([encodeMsgr1Keepalive(), wire(msg()), encodeMsgr1Ack(5n), encodeMsgr1Keepalive2({ sec: 3, nsec: 4 }), encodeMsgr1Close()]));
  assert.deepEqual(
    [d.read(x), d.read(x), d.read(x), d.read(x), d.read(x)].map((r) => r?.kind),
    ['keepalive', 'message', 'ack', 'keepalive2', 'close'],
  );
  assert.equal(d.read(x), undefined);
});

test('decoder: readHeader stops after tag + header and returns the same header until read completes', () => {
  const d = new Msgr1RecordDecoder({ msgAuth: true });
  const b = Buffer.concat([encodeMsgr1Ack(1n), wire(msg())]);
  const x = q(b.subarray(0, 9 + 30));
  assert.equal(d.readHeader(x), undefined, 'next record is an ACK');
  assert.equal(d.peekTag(x), Msgr1Tag.ACK);
  assert.deepEqual(d.read(x), { kind: 'ack', seq: 1n });
  assert.equal(d.readHeader(x), undefined, 'header incomplete');
  assert.equal(x.length, 30, 'nothing consumed');
  x.push(b.subarray(39, 9 + 54 + 5));
  const h = d.readHeader(x);
  assert.ok(h);
  assert.equal(h.type, 0x2a);
  assert.equal(d.inMessage, true);
  assert.equal(d.peekTag(x), Msgr1Tag.MSG);
  assert.equal(x.length, 5, 'tag and header consumed');
  assert.equal(d.readHeader(x), h);
  assert.equal(d.read(x), undefined);
  assert.equal(d.readHeader(x), h);
  x.push(b.subarray(9 + 54 + 5));
  const r = d.read(x);
  assert.ok(r && r.kind === 'message');
  assert.equal(r.header, h);
  assert.equal(d.inMessage, false);
  assert.equal(d.readHeader(x), undefined);
});

test('decoder: header crc mismatch is ERR_MSGR1_HEADER_CRC (unless crc checking is off)', () => {
  const b = wire(msg());
  b[1 + 49] = b[1 + 49]! ^ 1;
  assert.equal(code(() => new Msgr1RecordDecoder({ msgAuth: true }).read(q(b))), 'ERR_MSGR1_HEADER_CRC');
  assert.equal(code(() => new Msgr1RecordDecoder({ msgAuth: true }).readHeader(q(b))), 'ERR_MSGR1_HEADER_CRC');
  const c = wire(msg());
  c[1 + 20] = c[1 + 20]! ^ 0x80; // version field
  assert.equal(code(() => new Msgr1RecordDecoder({ msgAuth: true }).read(q(c))), 'ERR_MSGR1_HEADER_CRC');
  assert.equal(new Msgr1RecordDecoder({ msgAuth: true, checkCrc: false }).read(q(b))?.kind, 'message');
});

test('decoder: front, middle and data crc mismatches are ERR_MSGR1_DATA_CRC; data not checked under NOCRC', () => {
  const m = msg();
  const parts = encodeMsgr1Message(m, { seq: 1n, src: SRC, msgAuth: true });
  const h = decodeMsgr1Header(parts[0]!.subarray(1));
  const good = { frontCrc: 0, middleCrc: 0, dataCrc: 0, sig: 0n, flags: 1 };
  const real = { ...good, ...decodeFooter(parts[4]!) };
  const enc = (f: typeof good): Buffer => Buffer.concat(encodeMsgr1MessageRaw(h, m.front, m.middle, m.data, f, true));
  const dec = (b: Buffer): string => code(() => new Msgr1RecordDecoder({ msgAuth: true }).read(q(b)));
  assert.equal(dec(enc(real)), 'no error');
  assert.equal(dec(enc({ ...real, frontCrc: (real.frontCrc ^ 1) >>> 0 })), 'ERR_MSGR1_DATA_CRC');
  assert.equal(dec(enc({ ...real, middleCrc: (real.middleCrc ^ 1) >>> 0 })), 'ERR_MSGR1_DATA_CRC');
  assert.equal(dec(enc({ ...real, dataCrc: (real.dataCrc ^ 1) >>> 0 })), 'ERR_MSGR1_DATA_CRC');
  assert.equal(dec(enc({ ...real, dataCrc: 0, flags: Msgr1FooterFlag.COMPLETE | Msgr1FooterFlag.NOCRC })), 'no error');
  assert.equal(dec(enc({ ...real, frontCrc: 1, flags: Msgr1FooterFlag.COMPLETE | Msgr1FooterFlag.NOCRC })), 'ERR_MSGR1_DATA_CRC');
  assert.equal(code(() => new Msgr1RecordDecoder({ msgAuth: true, checkCrc: false }).read(q(enc({ ...real, dataCrc: 9 })))), 'no error');
});

function decodeFooter(b: Buffer): { frontCrc: number; middleCrc: number; dataCrc: number } {
  return { frontCrc: b.readUInt32LE(0), middleCrc: b.readUInt32LE(4), dataCrc: b.readUInt32LE(8) };
}

test('decoder: a footer without COMPLETE is ERR_MSGR1_ABORTED', () => {
  const b = wire(msg());
  b[b.length - 1] = 0;
  assert.equal(code(() => new Msgr1RecordDecoder({ msgAuth: true }).read(q(b))), 'ERR_MSGR1_ABORTED');
  const o = wire(msg(), false);
  o[o.length - 1] = Msgr1FooterFlag.NOCRC;
  assert.equal(code(() => new Msgr1RecordDecoder({ msgAuth: false }).read(q(o))), 'ERR_MSGR1_ABORTED');
});

test('decoder: tags that are not records on an open connection are ERR_MSGR1_TAG on their first byte', () => {
  const ok = new Set<number>([6, 7, 8, 9, 14, 15]);
  for (let t = 0; t < 256; t++) {
    const c1 = code(() => new Msgr1RecordDecoder({ msgAuth: true }).read(q(Buffer.from([t]))));
    const c2 = code(() => new Msgr1RecordDecoder({ msgAuth: true }).readHeader(q(Buffer.from([t]))));
    assert.equal(c1, ok.has(t) ? 'no error' : 'ERR_MSGR1_TAG', `read tag ${t}`);
    assert.equal(c2, ok.has(t) ? 'no error' : 'ERR_MSGR1_TAG', `readHeader tag ${t}`);
  }
});

test('decoder: oversized messages are ERR_MESSAGE_TOO_LARGE from the header alone', () => {
  const b = wire(msg('x'.repeat(100), Buffer.alloc(0)));
  const d = new Msgr1RecordDecoder({ msgAuth: true, maxMessageBytes: 100 });
  assert.equal(code(() => d.readHeader(q(b.subarray(0, 54)))), 'ERR_MESSAGE_TOO_LARGE');
  assert.equal(new Msgr1RecordDecoder({ msgAuth: true, maxMessageBytes: 101 }).read(q(b))?.kind, 'message');
  assert.equal(MSGR1_DEFAULT_MAX_MESSAGE_BYTES, 256 * 1024 * 1024);
});

test('decoder: a header claiming ~12 GB of payload allocates nothing and just waits', () => {
  const header = encodeMsgr1Header({
    seq: 1n,
    tid: 0n,
    type: 1,
    priority: 0,
    version: 1,
    frontLen: 0xffffffff,
    middleLen: 0xffffffff,
    dataLen: 0xffffffff,
    dataOff: 0,
    src: SRC,
    compatVersion: 1,
    reserved: 0,
  });
  const d = new Msgr1RecordDecoder({ msgAuth: true, maxMessageBytes: Number.MAX_SAFE_INTEGER });
  const x = q(Buffer.from([Msgr1Tag.MSG]), header);
  const before = process.memoryUsage().arrayBuffers;
  const h = d.readHeader(x);
  assert.equal(h?.dataLen, 0xffffffff);
  for (let i = 0; i < 1000; i++) {
    x.push(Buffer.alloc(64, i));
    assert.equal(d.read(x), undefined);
  }
  assert.equal(x.length, 64000, 'bytes stay queued until the message is complete');
  assert.ok(process.memoryUsage().arrayBuffers - before < 64 * 1024 * 1024);
  // and the default limit refuses it outright
  assert.equal(code(() => new Msgr1RecordDecoder({ msgAuth: true }).read(q(Buffer.from([Msgr1Tag.MSG]), header))), 'ERR_MESSAGE_TOO_LARGE');
});
