/**
 * Fuzz targets on the wire side: msgr2 banner, frames (rev0/rev1 x crc/secure, fed in random
 * chunks, with every control payload and header2 of what comes out decoded too), each control
 * payload decoder on its own, header2; msgr1 banner/hello, connect and connect_reply, header and
 * footer, the record stream (with and without MSG_AUTH), seq; denc types (entity_addr new and
 * legacy, addrvec, entity_name_t, EntityName, utime, uuid) and the address/name string parsers.
 */
import { Buffer } from 'node:buffer';
import { ByteQueue } from '../../src/encoding/byte-queue.ts';
import { Reader } from '../../src/encoding/reader.ts';
import { Writer } from '../../src/encoding/writer.ts';
import { AddrType, decodeEntityAddr, decodeEntityAddrLegacy, decodeEntityAddrVec, encodeEntityAddr, encodeEntityAddrLegacy, encodeEntityAddrVec, makeAddr, parseAddr, parseAddrVec } from '../../src/encoding/types/entity-addr.ts';
import { decodeEntityName, decodeEntityNameT, encodeEntityName, encodeEntityNameT, parseEntityName } from '../../src/encoding/types/entity-name.ts';
import { decodeUTime, encodeUTime } from '../../src/encoding/types/utime.ts';
import { decodeUuid, encodeUuid } from '../../src/encoding/types/uuid.ts';
import { encodeBanner, tryDecodeBanner } from '../../src/core/msgr2/banner.ts';
import { decodeControlFrame } from '../../src/core/msgr2/control-frame.ts';
import { FrameDecoder } from '../../src/core/msgr2/frame-decoder.ts';
import { FrameEncoder } from '../../src/core/msgr2/frame-encoder.ts';
import * as F from '../../src/core/msgr2/frames.ts';
import { decodeHeader2, encodeHeader2, type MsgHeader2 } from '../../src/core/msgr2/header2.ts';
import { createSecureHandlers } from '../../src/core/msgr2/secure.ts';
import { Tag, tagName } from '../../src/core/msgr2/tags.ts';
import { readMsgr1ClientHello, readMsgr1ServerHello } from '../../src/core/msgr1/banner.ts';
import { encodeMsgr1Connect, encodeMsgr1ConnectReply, readMsgr1Connect, readMsgr1ConnectReply } from '../../src/core/msgr1/connect.ts';
import { decodeMsgr1Footer, decodeMsgr1Header } from '../../src/core/msgr1/header.ts';
import { Msgr1RecordDecoder } from '../../src/core/msgr1/record-decoder.ts';
import { encodeMsgr1Seq, readMsgr1Seq } from '../../src/core/msgr1/records.ts';
import { loadStream, V1_CAPTURES, V2_CAPTURES } from '../helpers/captures.ts';
import { split, type Rand, type Target } from './harness.ts';

const A = makeAddr(AddrType.MSGR2, '10.0.0.1', 3300, 0x1234);
const A6 = { ...makeAddr(AddrType.LEGACY, '::1', 6789, 7), flowinfo: 0, scopeId: 0 };
const STAMP = { sec: 1700000000, nsec: 5 };
const HDR: MsgHeader2 = { seq: 7n, tid: 9n, type: 2, priority: 127, version: 1, dataPrePaddingLen: 0, dataOff: 0, ackSeq: 3n, flags: 3, compatVersion: 1, reserved: 0 };
const SECRET = Buffer.alloc(64, 0x5a);

/** One sample payload per control tag. */
const CONTROL: Array<[number, Buffer]> = [
  [Tag.HELLO, F.encodeHello({ entityType: 8, peerAddr: A })],
  [Tag.AUTH_REQUEST, F.encodeAuthRequest({ method: 2, preferredModes: [2, 1], payload: Buffer.alloc(40, 1) })],
  [Tag.AUTH_BAD_METHOD, F.encodeAuthBadMethod({ method: 2, result: -13, allowedMethods: [2, 1], allowedModes: [2, 1] })],
  [Tag.AUTH_REPLY_MORE, F.encodeAuthReplyMore({ payload: Buffer.alloc(9, 2) })],
  [Tag.AUTH_REQUEST_MORE, F.encodeAuthRequestMore({ payload: Buffer.alloc(33, 3) })],
  [Tag.AUTH_DONE, F.encodeAuthDone({ globalId: 4100n, conMode: 2, payload: Buffer.alloc(70, 4) })],
  [Tag.AUTH_SIGNATURE, F.encodeAuthSignature({ signature: Buffer.alloc(32, 5) })],
  [Tag.CLIENT_IDENT, F.encodeClientIdent({ addrs: [A, A6], targetAddr: A, gid: -1n, globalSeq: 3n, supportedFeatures: 0x3ffn, requiredFeatures: 1n, flags: 1n, clientCookie: 0xabcn })],
  [Tag.SERVER_IDENT, F.encodeServerIdent({ addrs: [A], gid: 0n, globalSeq: 4n, supportedFeatures: 0x3ffn, requiredFeatures: 1n, flags: 0n, serverCookie: 0xdefn })],
  [Tag.IDENT_MISSING_FEATURES, F.encodeIdentMissingFeatures({ features: 0x40n })],
  [Tag.SESSION_RECONNECT, F.encodeSessionReconnect({ addrs: [A], clientCookie: 1n, serverCookie: 2n, globalSeq: 3n, connectSeq: 4n, msgSeq: 5n })],
  [Tag.SESSION_RESET, F.encodeSessionReset({ full: true })],
  [Tag.SESSION_RETRY, F.encodeSessionRetry({ connectSeq: 2n })],
  [Tag.SESSION_RETRY_GLOBAL, F.encodeSessionRetryGlobal({ globalSeq: 99n })],
  [Tag.SESSION_RECONNECT_OK, F.encodeSessionReconnectOk({ msgSeq: 12n })],
  [Tag.WAIT, F.encodeWait({})],
  [Tag.KEEPALIVE2, F.encodeKeepalive2({ stamp: STAMP })],
  [Tag.KEEPALIVE2_ACK, F.encodeKeepalive2Ack({ stamp: STAMP })],
  [Tag.ACK, F.encodeAck({ seq: 77n })],
  [Tag.COMPRESSION_REQUEST, F.encodeCompressionRequest({ isCompress: true, preferredMethods: [1, 2] })],
  [Tag.COMPRESSION_DONE, F.encodeCompressionDone({ isCompress: false, method: 0 })],
];

const MODES = [
  { rev1: false, secure: false },
  { rev1: true, secure: false },
  { rev1: false, secure: true },
  { rev1: true, secure: true },
] as const;
type Mode = (typeof MODES)[number];
const modeName = (m: Mode): string => `msgr2.${m.rev1 ? 1 : 0}-${m.secure ? 'secure' : 'crc'}`;

/** A stream of frames as one sender would write it: a few control frames and messages. */
function frameStream(m: Mode, variant: number): Buffer {
  const enc = new FrameEncoder({ rev1: m.rev1 });
  if (m.secure) enc.setSecure(createSecureHandlers(SECRET, { rev1: m.rev1, isServer: false }).tx);
  const out: Buffer[] = [];
  for (let i = 0; i < 4; i++) {
    const [tag, p] = CONTROL[(variant * 5 + i) % CONTROL.length]!;
    out.push(...enc.encode(tag, [p]));
  }
  const front = Buffer.alloc([0, 1, 48, 49, 300][variant % 5]!, 0x66);
  const data = Buffer.alloc(variant % 2 ? 0 : 303, 0x77);
  out.push(...enc.encode(Tag.MESSAGE, [encodeHeader2(HDR), front, Buffer.alloc(variant % 3 ? 0 : 20, 0x55), data]));
  out.push(...enc.encode(Tag.KEEPALIVE2, [F.encodeKeepalive2({ stamp: STAMP })]));
  return Buffer.concat(out);
}

function frameTarget(m: Mode): Target {
  return {
    name: `frames ${modeName(m)}`,
    seeds: [0, 1, 2, 3, 4].map((v) => frameStream(m, v)),
    run(input: Buffer, r: Rand) {
      // half the time with the default segment limit (256 MiB): a big claimed length must make
      // the decoder wait for bytes, never allocate for them
      const dec = new FrameDecoder({ rev1: m.rev1, ...(r.int(2) ? { maxSegmentLength: 1 << 20 } : {}) });
      if (m.secure) dec.setSecure(createSecureHandlers(SECRET, { rev1: m.rev1, isServer: true }).rx);
      dec.recording = r.int(4) === 0;
      const q = new ByteQueue();
      for (const chunk of split(r, input)) {
        q.push(chunk);
        for (let guard = 0; guard <= input.length + 1; guard++) {
          const f = dec.readFrame(q);
          if (!f) break;
          const s0 = f.segments[0] ?? Buffer.alloc(0);
          if (f.tag === Tag.MESSAGE) decodeHeader2(s0);
          else decodeControlFrame(f.tag, s0);
        }
      }
    },
  };
}

function denc(name: string, seeds: Buffer[], fn: (r: Reader) => unknown): Target {
  return {
    name,
    seeds,
    run(input) {
      const rd = new Reader(input);
      while (rd.remaining > 0) fn(rd);
    },
  };
}

function enc(f: (w: Writer) => void): Buffer {
  const w = new Writer(64);
  f(w);
  return Buffer.from(w.view());
}

function strings(name: string, seeds: string[], fn: (s: string) => unknown): Target {
  return { name, seeds: seeds.map((s) => Buffer.from(s, 'latin1')), run: (input) => void fn(input.toString('latin1')) };
}

const C2S_V1_HANDSHAKE = 145 + 33 + 8;
const S2C_V1_HANDSHAKE = 281 + 26 + 8;

function msgr1Targets(): Target[] {
  const c2s = V1_CAPTURES.map((n) => loadStream(n, 'c2s'));
  const s2c = V1_CAPTURES.map((n) => loadStream(n, 's2c'));
  const records = [...c2s.map((b) => b.subarray(C2S_V1_HANDSHAKE, C2S_V1_HANDSHAKE + 6000)), ...s2c.map((b) => b.subarray(S2C_V1_HANDSHAKE, S2C_V1_HANDSHAKE + 6000))];
  const drainQ = (input: Buffer, r: Rand, read: (q: ByteQueue) => unknown): void => {
    const q = new ByteQueue();
    for (const c of split(r, input)) {
      q.push(c);
      if (read(q) !== undefined) return;
    }
  };
  const records1 = (msgAuth: boolean): Target => ({
    name: `msgr1 record stream (msg_auth ${msgAuth})`,
    seeds: records,
    run(input, r) {
      const d = new Msgr1RecordDecoder({ msgAuth, maxMessageBytes: 1 << 20 });
      const q = new ByteQueue();
      for (const c of split(r, input)) {
        q.push(c);
        for (let guard = 0; guard <= input.length + 1; guard++) if (!d.read(q)) break;
      }
    },
  });
  const connect = encodeMsgr1Connect({ features: 0x3ffffn, hostType: 8, globalSeq: 3, connectSeq: 0, protocolVersion: 24, authorizerProtocol: 2, authorizer: Buffer.alloc(50, 9), flags: 1 });
  const reply = encodeMsgr1ConnectReply({ tag: 1, features: 0x3ffffn, globalSeq: 4, connectSeq: 1, protocolVersion: 24, authorizer: Buffer.alloc(36, 8), flags: 0 });
  return [
    { name: 'msgr1 server hello (banner + addrs)', seeds: s2c.map((b) => b.subarray(0, 9 + 272)), run: (i, r) => drainQ(i, r, readMsgr1ServerHello) },
    { name: 'msgr1 client hello (banner + addr)', seeds: c2s.map((b) => b.subarray(0, 9 + 136)), run: (i, r) => drainQ(i, r, readMsgr1ClientHello) },
    { name: 'msgr1 connect', seeds: [connect, ...c2s.map((b) => b.subarray(145, C2S_V1_HANDSHAKE))], run: (i, r) => drainQ(i, r, (q) => readMsgr1Connect(q, { maxAuthorizerLen: 4096 })) },
    { name: 'msgr1 connect_reply', seeds: [reply, ...s2c.map((b) => b.subarray(281, S2C_V1_HANDSHAKE))], run: (i, r) => drainQ(i, r, (q) => readMsgr1ConnectReply(q, { maxAuthorizerLen: 4096 })) },
    { name: 'msgr1 header', seeds: records.map((b) => b.subarray(1, 54)), run: (i) => void decodeMsgr1Header(i) },
    { name: 'msgr1 footer', seeds: [Buffer.alloc(21, 3), Buffer.alloc(13, 4)], run: (i, r) => void decodeMsgr1Footer(i, r.int(2) === 0) },
    { name: 'msgr1 seq', seeds: [encodeMsgr1Seq(5n)], run: (i, r) => drainQ(i, r, readMsgr1Seq) },
    records1(true),
    records1(false),
  ];
}

export function wireTargets(): Target[] {
  const banners = [encodeBanner(1n, 0n), encodeBanner(0n, 0n), encodeBanner(3n, 1n), ...V2_CAPTURES.map((n) => loadStream(n, 'c2s').subarray(0, 26))];
  return [
    {
      name: 'msgr2 banner',
      seeds: banners,
      run(input, r) {
        const q = new ByteQueue();
        for (const c of split(r, input)) {
          q.push(c);
          if (tryDecodeBanner(q)) return;
        }
      },
    },
    ...MODES.map(frameTarget),
    ...CONTROL.map(([tag, p]): Target => ({ name: `control ${tagName(tag)}`, seeds: [p], run: (i) => void decodeControlFrame(tag, i) })),
    { name: 'header2', seeds: [encodeHeader2(HDR)], run: (i) => void decodeHeader2(i) },
    ...msgr1Targets(),
    denc('entity_addr_t', [enc((w) => encodeEntityAddr(w, A)), enc((w) => encodeEntityAddr(w, A6))], decodeEntityAddr),
    denc('entity_addr_t legacy', [enc((w) => encodeEntityAddrLegacy(w, A)), enc((w) => encodeEntityAddrLegacy(w, A6))], decodeEntityAddrLegacy),
    denc('entity_addrvec_t', [enc((w) => encodeEntityAddrVec(w, [A, A6])), enc((w) => encodeEntityAddrVec(w, [A]))], decodeEntityAddrVec),
    denc('entity_name_t', [enc((w) => encodeEntityNameT(w, { type: 4, num: 12n }))], decodeEntityNameT),
    denc('EntityName', [enc((w) => encodeEntityName(w, { type: 8, id: 'admin' }))], decodeEntityName),
    denc('utime_t', [enc((w) => encodeUTime(w, STAMP))], decodeUTime),
    denc('uuid', [enc((w) => encodeUuid(w, 'bd9f1bbb-bced-4eca-aeb9-bbca42988323'))], decodeUuid),
    strings('parseAddr', ['v2:10.0.0.1:3300/42', 'v1:[::1]:6789/0', '10.1.2.3', '[fe80::1%2]:6800'], (s) => parseAddr(s)),
    strings('parseAddrVec', ['[v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0]', 'v2:1.2.3.4:5/6'], (s) => parseAddrVec(s)),
    strings('parseEntityName', ['client.admin', 'osd.3', 'mon.a', 'mgr.x'], (s) => parseEntityName(s)),
  ];
}
