/**
 * Test harness for the msgr1 machine: a sans-IO MessengerCore driven by hand, with a scripted
 * peer on the other end of each transport — feed it bytes, read back exactly what it wrote and
 * parse that with the msgr1 codecs.
 */
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import '../../../../src/core/msgr1/index.ts';
import { MessengerCore, type MessengerCoreOptions } from '../../../../src/core/messenger-core.ts';
import type { IoCommand, MsgrEvent, TransportId } from '../../../../src/core/events.ts';
import { SeededRandom } from '../../../../src/core/random.ts';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { AddrType, makeAddr, type EntityAddr } from '../../../../src/encoding/types/entity-addr.ts';
import { readMsgr1ClientHello, readMsgr1ServerHello, encodeMsgr1ClientHello, encodeMsgr1ServerHello } from '../../../../src/core/msgr1/banner.ts';
import {
  encodeMsgr1Connect,
  encodeMsgr1ConnectReply,
  readMsgr1Connect,
  readMsgr1ConnectReply,
  type Msgr1Connect,
  type Msgr1ConnectReply,
} from '../../../../src/core/msgr1/connect.ts';
import { Msgr1RecordDecoder } from '../../../../src/core/msgr1/record-decoder.ts';
import { readMsgr1Seq, type Msgr1Record } from '../../../../src/core/msgr1/records.ts';
import { DEFAULT_FEATURES } from '../../../../src/encoding/types/features.ts';
import type { ProtocolV1 } from '../../../../src/core/msgr1/protocol.ts';

export const V1 = AddrType.LEGACY;

/** A v1 address. */
export function v1(ip: string, port: number, nonce: number): EntityAddr {
  return makeAddr(V1, ip, port, nonce);
}

export class Harness {
  readonly core: MessengerCore;
  now = 1_000_000;
  readonly events: MsgrEvent[] = [];
  readonly ios: IoCommand[] = [];
  /** bytes written per transport, not yet read by the test */
  private readonly out = new Map<TransportId, ByteQueue>();

  constructor(opts: Partial<MessengerCoreOptions> & Pick<MessengerCoreOptions, 'name'>, addrs?: EntityAddr[]) {
    this.core = new MessengerCore({ nonce: 7, random: new SeededRandom(42), ...opts });
    if (addrs) this.core.setMyAddrsExact(addrs);
    this.core.start(this.now);
  }

  /** Drain the core: IO commands, transmits (kept per transport), events. */
  pump(): void {
    for (let io = this.core.pollIo(); io; io = this.core.pollIo()) this.ios.push(io);
    for (let tx = this.core.pollTransmit(); tx; tx = this.core.pollTransmit()) {
      let q = this.out.get(tx.tid);
      if (!q) this.out.set(tx.tid, (q = new ByteQueue()));
      for (const b of tx.bufs) q.push(Buffer.from(b));
    }
    for (let ev = this.core.pollEvent(); ev; ev = this.core.pollEvent()) this.events.push(ev);
  }

  /** The transmits of one pollTransmit round for `tid` (to check coalescing). */
  transmitsNow(): Array<{ tid: TransportId; bufs: Buffer[] }> {
    const r: Array<{ tid: TransportId; bufs: Buffer[] }> = [];
    for (let tx = this.core.pollTransmit(); tx; tx = this.core.pollTransmit()) r.push({ tid: tx.tid, bufs: tx.bufs });
    return r;
  }

  /** Everything written on `tid` so far and not yet consumed by the test. */
  written(tid: TransportId): ByteQueue {
    this.pump();
    let q = this.out.get(tid);
    if (!q) this.out.set(tid, (q = new ByteQueue()));
    return q;
  }

  feed(tid: TransportId, ...bufs: Buffer[]): void {
    for (const b of bufs) this.core.received(tid, b, this.now);
    this.pump();
  }

  advance(ms: number): void {
    this.now += ms;
    this.core.tick(this.now);
    this.pump();
  }

  /** The last 'connect' IO command (a transport the core wants opened). */
  lastConnectIo(): Extract<IoCommand, { kind: 'connect' }> {
    this.pump();
    const c = [...this.ios].reverse().find((x): x is Extract<IoCommand, { kind: 'connect' }> => x.kind === 'connect');
    assert.ok(c, 'a transport was opened');
    return c;
  }

  closes(tid: TransportId): number {
    return this.ios.filter((x) => x.kind === 'close' && x.tid === tid).length;
  }

  eventKinds(): string[] {
    return this.events.filter((e) => e.kind !== 'step').map((e) => e.kind);
  }

  steps(): string[] {
    return this.events.flatMap((e) => (e.kind === 'step' ? [e.step] : []));
  }

  proto(id: number): ProtocolV1 {
    const c = this.core.getConn(id);
    assert.ok(c, `connection ${id} exists`);
    assert.equal(c.proto.version, 1);
    return c.proto as ProtocolV1;
  }
}

// ------------------------------------------------------------------ reading what was written

export function takeServerHello(q: ByteQueue) {
  const h = readMsgr1ServerHello(q);
  assert.ok(h, 'server hello written');
  return h;
}
export function takeClientHello(q: ByteQueue) {
  const h = readMsgr1ClientHello(q);
  assert.ok(h, 'client hello written');
  return h;
}
export function takeConnect(q: ByteQueue): Msgr1Connect {
  const c = readMsgr1Connect(q);
  assert.ok(c, 'connect written');
  return c;
}
export function takeReply(q: ByteQueue): Msgr1ConnectReply {
  const r = readMsgr1ConnectReply(q);
  assert.ok(r, 'connect reply written');
  return r;
}
export function takeSeq(q: ByteQueue): bigint {
  const s = readMsgr1Seq(q);
  assert.ok(s !== undefined, 'le64 written');
  return s;
}
/** All complete records written so far. */
export function takeRecords(q: ByteQueue, msgAuth = true): Msgr1Record[] {
  const d = new Msgr1RecordDecoder({ msgAuth });
  const out: Msgr1Record[] = [];
  for (let r = d.read(q); r; r = d.read(q)) out.push(r);
  assert.equal(d.inMessage, false, 'no partial message');
  return out;
}

// ------------------------------------------------------------------ building what the peer sends

export function serverHello(server: EntityAddr, peerForMe: EntityAddr): Buffer {
  return encodeMsgr1ServerHello(server, peerForMe);
}
export function clientHello(addr: EntityAddr): Buffer {
  return encodeMsgr1ClientHello(addr);
}
export function reply(tag: number, f: Partial<Msgr1ConnectReply> = {}): Buffer {
  return encodeMsgr1ConnectReply({
    tag,
    features: f.features ?? DEFAULT_FEATURES,
    globalSeq: f.globalSeq ?? 0,
    connectSeq: f.connectSeq ?? 0,
    protocolVersion: f.protocolVersion ?? 0,
    authorizer: f.authorizer ?? Buffer.alloc(0),
    flags: f.flags ?? 0,
  });
}
export function connectMsg(f: Partial<Msgr1Connect> & Pick<Msgr1Connect, 'hostType' | 'protocolVersion'>): Buffer {
  return encodeMsgr1Connect({
    features: f.features ?? DEFAULT_FEATURES,
    hostType: f.hostType,
    globalSeq: f.globalSeq ?? 1,
    connectSeq: f.connectSeq ?? 0,
    protocolVersion: f.protocolVersion,
    authorizerProtocol: f.authorizerProtocol ?? 0,
    authorizer: f.authorizer ?? Buffer.alloc(0),
    flags: f.flags ?? 0,
  });
}
export function le64(v: bigint): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(v);
  return b;
}
