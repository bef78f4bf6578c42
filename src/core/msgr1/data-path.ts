/**
 * msgr1 READY data path (wire §5.3, §8.1): reading records (messages with throttles taken after
 * the header, seq checks, cephx signature checks; cumulative ACKs; KEEPALIVE / KEEPALIVE2 /
 * KEEPALIVE2_ACK; CLOSE) and building what to write (keepalive acks, a keepalive, queued
 * messages with seq = ++out_seq, then an ACK when messages were received) as one gather list.
 */
import type { Buffer } from 'node:buffer';
import { Feature, hasFeature } from '../../encoding/types/features.ts';
import { utimeFromMs, utimeToMs } from '../../encoding/types/utime.ts';
import { MsgrError } from '../../errors.ts';
import { MsgFlag } from '../../messages/message.ts';
import { cephxMessageSignature } from '../auth/cephx-crypto.ts';
import type { Breakpoint } from '../interceptor.ts';
import { admitIncoming } from '../proto-common.ts';
import { TRACE } from '../log.ts';
import { encodeMsgr1Message, type Msgr1SignInput } from './header.ts';
import { encodeMsgr1Ack, encodeMsgr1Keepalive, encodeMsgr1Keepalive2, encodeMsgr1Keepalive2Ack, type Msgr1Record, type Msgr1RecordKind } from './records.ts';
import { Msgr1Tag } from './tags.ts';
import type { ProtocolV1 } from './protocol.ts';

/** Breakpoint name of each record kind (`MSG:r`, `ACK:w`, …). */
export const RECORD_BREAKPOINT: Readonly<Record<Msgr1RecordKind, string>> = {
  message: 'MSG',
  ack: 'ACK',
  keepalive: 'KEEPALIVE',
  keepalive2: 'KEEPALIVE2',
  keepalive2_ack: 'KEEPALIVE2_ACK',
  close: 'CLOSE',
};

/** Read and handle one record; false when more bytes (or throttle units) are needed. */
export function readRecord(p: ProtocolV1, now: number): boolean {
  const dec = p.dec;
  if (!dec) return false;
  const rx = p.rx;
  if (!p.throttle.held && dec.peekTag(rx) === Msgr1Tag.MSG) {
    const h = dec.readHeader(rx);
    if (!h) return false;
    if (!p.throttle.take(h.frontLen + h.middleLen + h.dataLen)) {
      p.log(10, () => ` throttle full, pausing reads`);
      return false;
    }
  }
  const rec = dec.read(rx);
  if (!rec) return false;
  const go = (): void => handleRecord(p, rec, now);
  if (!p.intercept(`${RECORD_BREAKPOINT[rec.kind]}:r`, go, go)) return false;
  go();
  return true;
}

function handleRecord(p: ProtocolV1, rec: Msgr1Record, now: number): void {
  const c = p.conn;
  switch (rec.kind) {
    case 'message':
      return handleMessage(p, rec);
    case 'ack':
      p.log(15, () => ` got ack seq ${rec.seq}`);
      return handleAck(p, rec.seq);
    case 'keepalive':
      p.log(20, () => ` got KEEPALIVE`);
      return;
    case 'keepalive2':
      // bounded while our writes are stalled (as msgr2): keep the newest 64 stamps
      if (c.session.keepaliveAcks.length >= 64) c.session.keepaliveAcks.shift();
      c.session.keepaliveAcks.push(rec.stamp);
      p.ctx.markDirty(c);
      return;
    case 'keepalive2_ack':
      p.ctx.emit({ kind: 'keepalive-ack', conn: c.id, stampMs: utimeToMs(rec.stamp) });
      return;
    case 'close':
      p.log(1, () => ` got CLOSE`);
      p.stopWithReset(new MsgrError('ERR_CONNECTION_CLOSED', 'the peer closed the connection (TAG_CLOSE)', { origin: 'remote' }));
      return;
  }
  void now;
}

function handleMessage(p: ProtocolV1, rec: Extract<Msgr1Record, { kind: 'message' }>): void {
  const token = p.throttle.takeHeld();
  const c = p.conn;
  const s = c.session;
  const h = rec.header;
  const f = rec.footer;
  const release = (): void => {
    if (token) p.ctx.releaseThrottle(token);
  };
  if (p.signing) {
    const input: Msgr1SignInput = {
      headerCrc: h.crc,
      frontCrc: f.frontCrc,
      frontLen: h.frontLen,
      middleCrc: f.middleCrc,
      middleLen: h.middleLen,
      dataCrc: f.dataCrc,
      dataLen: h.dataLen,
      seq: h.seq,
    };
    const want = cephxMessageSignature(p.signing.key, input, p.signing.v2);
    if (want !== f.sig) {
      release();
      const unsigned = (f.flags & MsgFlag.SIGNED) === 0 ? ' (the sender did not sign it)' : '';
      throw new MsgrError('ERR_AUTH_SIGNATURE', `message seq ${h.seq}: signature does not match its contents${unsigned}`, { origin: 'remote' });
    }
  }
  if (s.judgeIncoming(h.seq) !== 'ok' && !admitIncoming(p, h.seq, token, hasFeature(s.features, Feature.RECONNECT_SEQ))) return;
  const msg = rec.message;
  s.accept(h.seq, c.policy.lossy);
  c.stats.msgsIn++;
  if (TRACE.frame) TRACE.frame(p.ctx, c, 'rx', Msgr1Tag.MSG, msg.payloadLength);
  p.log(5, () => ` rx ${h.src.type}.${h.src.num} seq ${h.seq} type ${h.type} ${msg.payloadLength} bytes`);
  p.ctx.emit({ kind: 'dispatch', conn: c.id, msg, throttle: token });
  if (!c.policy.lossy) p.ctx.markDirty(c);
}

function handleAck(p: ProtocolV1, seq: bigint): void {
  const c = p.conn;
  if (c.policy.lossy) return;
  const n = c.session.handleAck(seq);
  if (n > 0) p.ctx.emit({ kind: 'acked', conn: c.id, count: n });
}

/** Anything to write on an open connection? */
export function wantsRecords(p: ProtocolV1): boolean {
  const s = p.conn.session;
  return s.hasQueued || s.ackLeft > 0 || s.keepalivePending || s.keepaliveAcks.length > 0;
}

/** Pending handshake bytes, then (when open) keepalive acks, a keepalive, messages, an ACK. */
export function takeTransmit(p: ProtocolV1, now: number, maxBytes: number): Buffer[] | undefined {
  const out = p.pending;
  let bytes = p.pendingBytes;
  p.pending = [];
  p.pendingBytes = 0;
  const c = p.conn;
  if (p.state === 'OPENED' && !p.replacing) {
    const s = c.session;
    const put = (bp: Breakpoint, bufs: Buffer[]): boolean => {
      if (p.ctx.interceptor) {
        const go = (): void => p.sendRaw(bufs);
        if (!p.intercept(bp, go, go)) return false;
      }
      for (const b of bufs) {
        if (b.length === 0) continue;
        out.push(b);
        bytes += b.length;
      }
      return true;
    };
    while (s.keepaliveAcks.length) {
      const st = s.keepaliveAcks.shift()!;
      if (!put('KEEPALIVE2_ACK:w', [encodeMsgr1Keepalive2Ack(st)])) return afterIntercept(p, out);
    }
    if (s.keepalivePending) {
      s.keepalivePending = false;
      p.lastKeepaliveSent = now;
      c.stats.keepalivesSent++;
      const k2 = hasFeature(s.features, Feature.MSGR_KEEPALIVE2);
      const rec = k2 ? encodeMsgr1Keepalive2(utimeFromMs(now)) : encodeMsgr1Keepalive();
      if (!put(k2 ? 'KEEPALIVE2:w' : 'KEEPALIVE:w', [rec])) return afterIntercept(p, out);
    }
    const lossy = c.policy.lossy;
    const msgAuth = hasFeature(s.features, Feature.MSG_AUTH);
    const src = p.ctx.myName;
    const sig = p.signing;
    const sign = sig ? (i: Msgr1SignInput): bigint => cephxMessageSignature(sig.key, i, sig.v2) : undefined;
    while (bytes < maxBytes) {
      // msgr1 headers carry no ack: unlike msgr2, writing a message does not settle ack_left
      const ackLeft = s.ackLeft;
      const m = s.takeNext(lossy);
      s.ackLeft = ackLeft;
      if (!m) break;
      const rec = encodeMsgr1Message(m, sign ? { seq: m.seq, src, msgAuth, sign } : { seq: m.seq, src, msgAuth });
      if (!put('MSG:w', rec)) return afterIntercept(p, out);
      c.stats.msgsOut++;
      if (TRACE.frame) TRACE.frame(p.ctx, c, 'tx', Msgr1Tag.MSG, m.payloadLength);
    }
    if (s.ackLeft > 0) {
      s.ackLeft = 0;
      if (!put('ACK:w', [encodeMsgr1Ack(s.inSeq)])) return afterIntercept(p, out);
    }
  }
  if (!out.length) return undefined;
  c.stats.bytesOut += bytes;
  c.lastActive = now;
  return out;
}

/** After a breakpoint interrupted transmit building: keep what was built unless we faulted. */
function afterIntercept(p: ProtocolV1, out: Buffer[]): Buffer[] | undefined {
  if (p.state === 'CLOSED' || p.conn.tid === undefined) return undefined;
  if (p.blocked) return out.length ? out : undefined;
  return undefined;
}
