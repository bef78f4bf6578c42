/**
 * Fuzz: mutated and random msgr1 byte streams (seeded from the real captures) through every msgr1
 * reader under random splits and options. Only MsgrError may escape; nothing is allocated beyond
 * the bytes supplied.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { isMsgrError } from '../../../../src/errors.ts';
import { readMsgr1ClientHello, readMsgr1ServerHello } from '../../../../src/core/msgr1/banner.ts';
import { readMsgr1Connect, readMsgr1ConnectReply } from '../../../../src/core/msgr1/connect.ts';
import { msgr1HeaderCrc } from '../../../../src/core/msgr1/header.ts';
import { readMsgr1Seq } from '../../../../src/core/msgr1/records.ts';
import { Msgr1RecordDecoder } from '../../../../src/core/msgr1/record-decoder.ts';
import { CAPTURES_DIR, loadStream, V1_CAPTURES } from '../../../helpers/captures.ts';
import { tcpStreams } from './pcapng.ts';

/** xorshift32, seeded: the run is reproducible. */
function rng(seed: number): (n: number) => number {
  let s = seed >>> 0 || 1;
  return (n: number) => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return n <= 0 ? 0 : s % n;
  };
}

const C2S_HANDSHAKE = 145 + 33 + 8;
const S2C_HANDSHAKE = 281 + 26 + 8;

interface Corpus {
  records: Buffer[];
  handshakes: { dir: 'c2s' | 's2c'; bytes: Buffer }[];
}

function corpus(): Corpus {
  const records: Buffer[] = [];
  const handshakes: Corpus['handshakes'] = [];
  for (const name of V1_CAPTURES) {
    const c2s = loadStream(name, 'c2s');
    const s2c = loadStream(name, 's2c');
    records.push(c2s.subarray(C2S_HANDSHAKE), s2c.subarray(S2C_HANDSHAKE));
    handshakes.push({ dir: 'c2s', bytes: c2s.subarray(0, C2S_HANDSHAKE) }, { dir: 's2c', bytes: s2c.subarray(0, S2C_HANDSHAKE) });
    const s1 = tcpStreams(join(CAPTURES_DIR, `${name}.pcap`))[1]!;
    records.push(s1.c2s.subarray(C2S_HANDSHAKE), s1.s2c.subarray(S2C_HANDSHAKE, S2C_HANDSHAKE + 4000));
  }
  return { records, handshakes };
}

/** Offsets of message headers (after the tag) in a record stream, found by walking it. */
function headerOffsets(b: Buffer): number[] {
  const out: number[] = [];
  let off = 0;
  while (off < b.length) {
    const tag = b[off]!;
    if (tag === 7) {
      if (off + 54 > b.length) break;
      out.push(off + 1);
      off += 1 + 53 + b.readUInt32LE(off + 23) + b.readUInt32LE(off + 27) + b.readUInt32LE(off + 31) + 21;
    } else if (tag === 8 || tag === 14 || tag === 15) off += 9;
    else off += 1;
  }
  return out;
}

function mutate(src: Buffer, r: (n: number) => number, others: Buffer[]): Buffer {
  const b = Buffer.from(src);
  switch (r(8)) {
    case 0: {
      for (let i = 0, n = 1 + r(8); i < n && b.length; i++) {
        const at = r(b.length);
        b[at] = b[at]! ^ (1 << r(8));
      }
      return b;
    }
    case 1: {
      for (let i = 0, n = 1 + r(4); i < n && b.length; i++) b[r(b.length)] = r(256);
      return b;
    }
    case 2:
      return b.subarray(0, r(b.length + 1));
    case 3: {
      const at = r(b.length + 1);
      const ins = Buffer.from(Array.from({ length: 1 + r(16) }, () => r(256)));
      return Buffer.concat([b.subarray(0, at), ins, b.subarray(at)]);
    }
    case 4: {
      const o = others[r(others.length)]!;
      const from = r(o.length);
      return Buffer.concat([b.subarray(0, r(b.length + 1)), o.subarray(from, from + r(400))]);
    }
    case 5:
    case 6: {
      // corrupt a header field, then fix the header crc so the decoder goes on into the payload
      const hs = headerOffsets(b);
      if (hs.length === 0) return b;
      const h = hs[r(hs.length)]!;
      const fields = [22, 26, 30, 34, 16, 36, 45, 47];
      const f = fields[r(fields.length)]!;
      const pick = [0, 1, 21, 1000, 0x7fffffff, 0xffffffff, r(0x100000000)];
      const v = pick[r(pick.length)]!;
      if (f <= 30 && f >= 22) b.writeUInt32LE(v >>> 0, h + f);
      else if (f === 36) b[h + f] = v & 0xff;
      else b.writeUInt16LE(v & 0xffff, h + f);
      b.writeUInt32LE(msgr1HeaderCrc(b.subarray(h, h + 53)), h + 49);
      return b;
    }
    default:
      return Buffer.from(Array.from({ length: r(200) }, () => (r(4) === 0 ? [6, 7, 8, 9, 14, 15][r(6)]! : r(256))));
  }
}

function chunks(b: Buffer, r: (n: number) => number): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  while (off < b.length) {
    const n = r(3) === 0 ? 1 : 1 + r(300);
    out.push(b.subarray(off, off + n));
    off += n;
  }
  return out;
}

function expectOnlyMsgrError(fn: () => void, what: string, codes: Map<string, number>): void {
  try {
    fn();
    codes.set('ok', (codes.get('ok') ?? 0) + 1);
  } catch (e) {
    if (!isMsgrError(e)) assert.fail(`${what}: non-MsgrError escaped: ${String(e)}\n${(e as Error).stack ?? ''}`);
    codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
  }
}

test('fuzz: 24,000 mutated record streams → only MsgrError, payloads never exceed the input', () => {
  const { records } = corpus();
  const r = rng(0xc0ffee);
  const codes = new Map<string, number>();
  const N = 24000;
  for (let i = 0; i < N; i++) {
    const input = mutate(records[r(records.length)]!, r, records);
    const dec = new Msgr1RecordDecoder({
      msgAuth: r(4) !== 0,
      checkCrc: r(3) !== 0,
      maxMessageBytes: [64, 4096, 1 << 20, undefined][r(4)],
    });
    const useHeader = r(2) === 0;
    expectOnlyMsgrError(
      () => {
        const q = new ByteQueue();
        let payload = 0;
        for (const c of chunks(input, r)) {
          q.push(c);
          for (;;) {
            if (useHeader) dec.readHeader(q);
            const rec = dec.read(q);
            if (!rec) break;
            if (rec.kind === 'message') payload += rec.message.payloadLength;
          }
        }
        assert.ok(payload + q.length <= input.length, 'decoded payload cannot exceed the bytes supplied');
      },
      `case ${i}`,
      codes,
    );
  }
  // the mutations reach every error path, and plenty of cases still decode
  for (const c of ['ok', 'ERR_MSGR1_TAG', 'ERR_MSGR1_HEADER_CRC', 'ERR_MSGR1_DATA_CRC', 'ERR_MSGR1_ABORTED', 'ERR_MESSAGE_TOO_LARGE']) {
    assert.ok((codes.get(c) ?? 0) > 0, `no case ended in ${c}: ${JSON.stringify([...codes])}`);
  }
});

test('fuzz: 6,000 mutated handshakes through the hello / connect / reply / seq readers → only MsgrError', () => {
  const { handshakes } = corpus();
  const r = rng(0xbadc0de);
  const codes = new Map<string, number>();
  const raws = handshakes.map((h) => h.bytes);
  for (let i = 0; i < 6000; i++) {
    const h = handshakes[r(handshakes.length)]!;
    const input = mutate(h.bytes, r, raws);
    const maxAuthorizerLen = [0, 16, undefined][r(3)];
    expectOnlyMsgrError(
      () => {
        const q = new ByteQueue();
        let state = 0;
        for (const c of chunks(input, r)) {
          q.push(c);
          for (;;) {
            let got: unknown;
            if (state === 0) got = h.dir === 'c2s' ? readMsgr1ClientHello(q) : readMsgr1ServerHello(q);
            else if (state === 1) got = h.dir === 'c2s' ? readMsgr1Connect(q, { maxAuthorizerLen }) : readMsgr1ConnectReply(q, { maxAuthorizerLen });
            else if (state === 2) got = readMsgr1Seq(q);
            else break;
            if (got === undefined) break;
            state++;
          }
        }
      },
      `handshake case ${i}`,
      codes,
    );
  }
  for (const c of ['ok', 'ERR_BANNER', 'ERR_DECODE_TOO_LARGE', 'ERR_MSGR1_TAG', 'ERR_DECODE_INVALID']) {
    assert.ok((codes.get(c) ?? 0) > 0, `no case ended in ${c}: ${JSON.stringify([...codes])}`);
  }
});
