/**
 * Decoding both directions of one msgr1 connection: the hellos (banner + addresses), the
 * connect / connect-reply rounds (the client sends one connect per reply until READY or SEQ, and
 * after SEQ each side sends its le64 in_seq), then the records. Message header, front, middle and
 * data crcs are checked and reported (ok/BAD) without ending the walk; message signatures
 * (cephx, footer.sig) are shown, not verified.
 */
import { Buffer } from 'node:buffer';
import { ByteQueue } from '../encoding/byte-queue.ts';
import { crc32c } from '../encoding/crc32c.ts';
import { formatAddr } from '../encoding/types/entity-addr.ts';
import { entityTypeName, formatEntityNameT } from '../encoding/types/entity-name.ts';
import { Feature, hasFeature } from '../encoding/types/features.ts';
import { readMsgr1ClientHello, readMsgr1ServerHello } from '../core/msgr1/banner.ts';
import { readMsgr1Connect, readMsgr1ConnectReply, type Msgr1Connect, type Msgr1ConnectReply } from '../core/msgr1/connect.ts';
import {
  decodeMsgr1Footer,
  decodeMsgr1Header,
  messageFromMsgr1,
  msgr1FooterLen,
  msgr1HeaderCrc,
  MSGR1_HEADER_LEN,
  Msgr1FooterFlag,
} from '../core/msgr1/header.ts';
import { Msgr1Tag, msgr1TagName } from '../core/msgr1/tags.ts';
import { decodeMessageBody, messageName, type CrcCheck, type DecodedItem, type Dir, type StreamSummary } from './annotate.ts';

class V1Walker {
  readonly q = new ByteQueue();
  pos = 0;
  stopped = false;
  constructor(
    readonly stream: number,
    readonly dir: Dir,
    readonly bytes: Buffer,
  ) {
    this.q.push(bytes);
  }
  item(kind: DecodedItem['kind'], name: string, length: number, checks: CrcCheck[] = []): DecodedItem {
    const it: DecodedItem = { stream: this.stream, dir: this.dir, offset: this.pos, length, kind, name, checks };
    this.pos += length;
    return it;
  }
  stop(error: string): DecodedItem {
    const it = this.item('error', 'error', this.q.length);
    it.error = error;
    this.q.clear();
    this.stopped = true;
    return it;
  }
  /** Run a reader on the queue; the item covers what it consumed. */
  read<T>(kind: DecodedItem['kind'], name: string, f: (q: ByteQueue) => T | undefined): { v: T; item: DecodedItem } | DecodedItem | undefined {
    if (this.stopped || this.q.length === 0) return undefined;
    const before = this.q.length;
    try {
      const v = f(this.q);
      if (v === undefined) return this.stop(`truncated ${name}: ${before} bytes left`);
      return { v, item: this.item(kind, name, before - this.q.length) };
    } catch (e) {
      return this.stop((e as Error).message);
    }
  }
}

function got<T>(x: { v: T; item: DecodedItem } | DecodedItem | undefined, items: DecodedItem[]): T | undefined {
  if (!x) return undefined;
  if ('v' in x) {
    items.push(x.item);
    return x.v;
  }
  items.push(x);
  return undefined;
}

export function decodeV1Session(stream: number, c2sBytes: Buffer, s2cBytes: Buffer, summary: StreamSummary): DecodedItem[] {
  summary.protocol = 'msgr1';
  const items: DecodedItem[] = [];
  const c = new V1Walker(stream, 'c2s', c2sBytes);
  const s = new V1Walker(stream, 's2c', s2cBytes);
  const sh = got(s.read('hello', 'server hello', readMsgr1ServerHello), items);
  if (sh) items[items.length - 1]!.fields = { serverAddr: formatAddr(sh.serverAddr), peerAddrForMe: formatAddr(sh.peerAddrForMe) };
  const ch = got(c.read('hello', 'client hello', readMsgr1ClientHello), items);
  if (ch) items[items.length - 1]!.fields = { addr: formatAddr(ch.addr) };
  const replies: Msgr1ConnectReply[] = [];
  for (;;) {
    const r = got(s.read('connect_reply', 'connect reply', (q) => readMsgr1ConnectReply(q)), items);
    if (!r) break;
    replies.push(r);
    const it = items[items.length - 1]!;
    it.name = msgr1TagName(r.tag);
    it.fields = { tag: msgr1TagName(r.tag), features: `0x${r.features.toString(16)}`, globalSeq: r.globalSeq, connectSeq: r.connectSeq, protocolVersion: r.protocolVersion, flags: r.flags, authorizer: `${r.authorizer.length} bytes` };
    if (r.tag === Msgr1Tag.READY || r.tag === Msgr1Tag.SEQ) break;
  }
  const last = replies[replies.length - 1];
  let connect: Msgr1Connect | undefined;
  for (let i = 0; i < Math.max(1, replies.length); i++) {
    const k = got(c.read('connect', 'connect', (q) => readMsgr1Connect(q)), items);
    if (!k) break;
    connect = k;
    items[items.length - 1]!.fields = {
      features: `0x${k.features.toString(16)}`,
      hostType: `${entityTypeName(k.hostType)} (${k.hostType})`,
      globalSeq: k.globalSeq,
      connectSeq: k.connectSeq,
      protocolVersion: k.protocolVersion,
      authorizerProtocol: k.authorizerProtocol,
      authorizer: `${k.authorizer.length} bytes`,
      flags: k.flags,
    };
  }
  if (last?.tag === Msgr1Tag.SEQ) {
    for (const w of [s, c]) {
      const v = got(w.read('seq', 'in_seq', (q) => (q.length >= 8 ? q.take(8).readBigUInt64LE(0) : undefined)), items);
      if (v !== undefined) items[items.length - 1]!.fields = { inSeq: v.toString() };
    }
  }
  const features = connect && last ? connect.features & last.features : (last?.features ?? connect?.features ?? 0n);
  const msgAuth = hasFeature(features, Feature.MSG_AUTH);
  summary.auth = connect ? `authorizer protocol ${connect.authorizerProtocol === 2 ? 'cephx' : connect.authorizerProtocol === 0 ? 'none' : connect.authorizerProtocol}` : undefined;
  for (const w of [c, s]) for (let it = record(w, msgAuth, features); it; it = record(w, msgAuth, features)) items.push(it);
  // msgr1 authenticates with a mon through MAuth / MAuthReply messages
  const replies2 = items.flatMap((i) => (i.message?.type === 18 && i.message.decoded ? [i.message.decoded as { protocol?: number; result?: number; globalId?: string }] : []));
  const lastReply = replies2[replies2.length - 1];
  if (lastReply) {
    const proto = lastReply.protocol === 2 ? 'cephx' : lastReply.protocol === 1 ? 'none' : `protocol ${lastReply.protocol}`;
    summary.auth = `${proto} via MAuth (${replies2.length} round${replies2.length > 1 ? 's' : ''}), global_id ${lastReply.globalId}, result ${lastReply.result}`;
  }
  return items;
}

function record(w: V1Walker, msgAuth: boolean, features: bigint): DecodedItem | undefined {
  if (w.stopped || w.q.length === 0) return undefined;
  const b = w.bytes;
  const at = w.pos;
  const left = b.length - at;
  const tag = b[at]!;
  const fixed: Record<number, number> = { [Msgr1Tag.ACK]: 8, [Msgr1Tag.KEEPALIVE]: 0, [Msgr1Tag.KEEPALIVE2]: 8, [Msgr1Tag.KEEPALIVE2_ACK]: 8, [Msgr1Tag.CLOSE]: 0 };
  if (tag !== Msgr1Tag.MSG) {
    const n = fixed[tag];
    if (n === undefined) return w.stop(`unknown record tag ${msgr1TagName(tag)}: walk stopped`);
    if (left < 1 + n) return w.stop(`truncated ${msgr1TagName(tag)}`);
    w.q.skip(1 + n);
    const it = w.item('record', msgr1TagName(tag), 1 + n);
    if (tag === Msgr1Tag.ACK) it.fields = { seq: b.readBigUInt64LE(at + 1).toString() };
    if (tag === Msgr1Tag.KEEPALIVE2 || tag === Msgr1Tag.KEEPALIVE2_ACK) it.fields = { stamp: { sec: b.readUInt32LE(at + 1), nsec: b.readUInt32LE(at + 5) } };
    return it;
  }
  if (left < 1 + MSGR1_HEADER_LEN) return w.stop('truncated message header');
  const hb = b.subarray(at + 1, at + 1 + MSGR1_HEADER_LEN);
  const h = decodeMsgr1Header(hb);
  const fl = msgr1FooterLen(msgAuth);
  const total = 1 + MSGR1_HEADER_LEN + h.frontLen + h.middleLen + h.dataLen + fl;
  const hcrc = msgr1HeaderCrc(hb);
  const checks: CrcCheck[] = [{ what: 'header', ok: hcrc === h.crc, expected: h.crc, computed: hcrc }];
  if (hcrc !== h.crc) {
    const it = w.stop('header crc BAD: lengths cannot be trusted, walk stopped');
    it.checks = checks;
    return it;
  }
  if (left < total) return w.stop(`truncated message: ${total} bytes, ${left} captured`);
  let o = at + 1 + MSGR1_HEADER_LEN;
  const front = b.subarray(o, (o += h.frontLen));
  const middle = b.subarray(o, (o += h.middleLen));
  const data = b.subarray(o, (o += h.dataLen));
  const footer = decodeMsgr1Footer(b.subarray(o, o + fl), msgAuth);
  const chk = (what: string, seg: Buffer, expected: number): void => {
    const computed = crc32c(0, seg);
    checks.push({ what, ok: computed === expected, expected, computed });
  };
  chk('front', front, footer.frontCrc);
  chk('middle', middle, footer.middleCrc);
  if ((footer.flags & Msgr1FooterFlag.NOCRC) === 0) chk('data', data, footer.dataCrc);
  w.q.skip(total);
  const it = w.item('record', 'MSG', total, checks);
  const msg = messageFromMsgr1(h, front, middle, data, footer);
  it.message = {
    type: h.type,
    name: messageName(h.type),
    seq: h.seq.toString(),
    tid: h.tid.toString(),
    priority: h.priority,
    version: h.version,
    compatVersion: h.compatVersion,
    flags: footer.flags,
    src: formatEntityNameT(h.src),
    frontLen: h.frontLen,
    middleLen: h.middleLen,
    dataLen: h.dataLen,
    ...decodeMessageBody(msg, features),
  };
  if (msgAuth && footer.sig !== 0n) it.fields = { sig: `0x${footer.sig.toString(16)}` };
  return it;
}
