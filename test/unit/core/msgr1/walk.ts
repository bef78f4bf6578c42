/**
 * Test helper: parse one direction of a whole msgr1 connection (hello, connect or connect reply,
 * the SEQ exchange's le64, then records) while it arrives in the given chunks, the way a protocol
 * machine would drive the codecs. Used by the golden and split tests.
 */
import assert from 'node:assert/strict';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { readMsgr1ClientHello, readMsgr1ServerHello, type Msgr1ClientHello, type Msgr1ServerHello } from '../../../../src/core/msgr1/banner.ts';
import { Msgr1Tag, readMsgr1Connect, readMsgr1ConnectReply, type Msgr1Connect, type Msgr1ConnectReply } from '../../../../src/core/msgr1/connect.ts';
import { readMsgr1Seq, type Msgr1Record } from '../../../../src/core/msgr1/records.ts';
import { Msgr1RecordDecoder } from '../../../../src/core/msgr1/record-decoder.ts';
import type { Msgr1Header } from '../../../../src/core/msgr1/header.ts';

export type Item =
  | { kind: 'server_hello'; hello: Msgr1ServerHello }
  | { kind: 'client_hello'; hello: Msgr1ClientHello }
  | { kind: 'connect'; connect: Msgr1Connect }
  | { kind: 'connect_reply'; reply: Msgr1ConnectReply }
  | { kind: 'seq'; seq: bigint }
  | { kind: 'record'; record: Msgr1Record };

export interface WalkOptions {
  msgAuth?: boolean;
  /** Client direction: whether the server replied SEQ (then the client sends its le64). */
  clientSendsSeq?: boolean;
  /** Call readHeader before read and check its contract. */
  useReadHeader?: boolean;
}

/** Parse `dir` of a connection from the given chunks; asserts nothing is left over. */
export function walk(dir: 'c2s' | 's2c', chunks: readonly Buffer[], opts: WalkOptions = {}): Item[] {
  const q = new ByteQueue();
  const items: Item[] = [];
  const dec = new Msgr1RecordDecoder({ msgAuth: opts.msgAuth ?? true });
  let state: 'hello' | 'connect' | 'seq' | 'records' = 'hello';
  let seenHeader: Msgr1Header | undefined;
  for (const c of chunks) {
    q.push(c);
    for (;;) {
      if (state === 'hello') {
        if (dir === 's2c') {
          const h = readMsgr1ServerHello(q);
          if (!h) break;
          items.push({ kind: 'server_hello', hello: h });
        } else {
          const h = readMsgr1ClientHello(q);
          if (!h) break;
          items.push({ kind: 'client_hello', hello: h });
        }
        state = 'connect';
      } else if (state === 'connect') {
        if (dir === 's2c') {
          const r = readMsgr1ConnectReply(q);
          if (!r) break;
          items.push({ kind: 'connect_reply', reply: r });
          state = r.tag === Msgr1Tag.SEQ ? 'seq' : 'records';
        } else {
          const r = readMsgr1Connect(q);
          if (!r) break;
          items.push({ kind: 'connect', connect: r });
          state = (opts.clientSendsSeq ?? true) ? 'seq' : 'records';
        }
      } else if (state === 'seq') {
        const s = readMsgr1Seq(q);
        if (s === undefined) break;
        items.push({ kind: 'seq', seq: s });
        state = 'records';
      } else {
        if (opts.useReadHeader) {
          const h = dec.readHeader(q);
          if (h) {
            if (seenHeader) assert.equal(h, seenHeader, 'readHeader must return the same header until read completes it');
            seenHeader = h;
            assert.equal(dec.readHeader(q), h);
          }
        }
        const rec = dec.read(q);
        if (!rec) break;
        if (rec.kind === 'message' && opts.useReadHeader) {
          assert.equal(rec.header, seenHeader, 'the message completes the header readHeader returned');
          seenHeader = undefined;
        }
        items.push({ kind: 'record', record: rec });
      }
    }
  }
  assert.equal(q.length, 0, `${q.length} bytes left unparsed`);
  assert.equal(dec.inMessage, false, 'stream ended inside a message');
  return items;
}

/** Split a buffer at the given offsets. */
export function splitAt(b: Buffer, cuts: readonly number[]): Buffer[] {
  const out: Buffer[] = [];
  let prev = 0;
  for (const c of [...cuts].sort((x, y) => x - y)) {
    out.push(b.subarray(prev, c));
    prev = c;
  }
  out.push(b.subarray(prev));
  return out;
}

/** One-byte chunks. */
export function bytewise(b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  for (let i = 0; i < b.length; i++) out.push(b.subarray(i, i + 1));
  return out;
}

/** A comparable summary of parsed items (Buffers as hex, no object identity). */
export function summary(items: readonly Item[]): unknown[] {
  return items.map((it) =>
    JSON.parse(
      JSON.stringify(it, (_k, v: unknown) => {
        if (typeof v === 'bigint') return `${v}n`;
        if (v && typeof v === 'object' && (v as { type?: unknown }).type === 'Buffer' && Array.isArray((v as { data?: unknown }).data)) {
          return Buffer.from((v as { data: number[] }).data).toString('hex');
        }
        return v;
      }),
    ),
  );
}
