/**
 * The msgr2 transmit path: what a connection writes next — handshake frames queued by send(),
 * then (READY) keepalive acks, a keepalive, messages and an ACK — built into one TxBatch.
 * Functions of the ProtocolV2 they run for (protocol.ts holds the state).
 */
import { Buffer } from 'node:buffer';
import { utimeFromMs } from '../../encoding/types/utime.ts';
import type { Message } from '../../messages/message.ts';
import { TRACE } from '../log.ts';
import * as F from './frames.ts';
import { HEADER2_LEN, encodeHeader2 } from './header2.ts';
import type { TxBatch } from './tx-batch.ts';
import { Tag, tagName } from './tags.ts';
import type { ProtocolV2 } from './protocol.ts';

const MSG_ALIGN = [8, 8, 8, 4096] as const;

/**
 * Bytes to write now: handshake frames queued by send(), then (READY) keepalive acks, a
 * keepalive, messages (seq assigned as they are written) up to `maxBytes`, and an ACK when
 * messages arrived that no outgoing header acknowledged. Frames go into one TxBatch (small
 * pieces in a slab, large payloads referenced), so a run of small messages is one buffer.
 */
export function takeTransmit(p: ProtocolV2, now: number, maxBytes: number): Buffer[] | undefined {
  if (p.blocked) return undefined;
  const b = p.batch;
  if (p.pending.length) {
    b.refs(p.pending);
    p.pending = [];
    p.pendingBytes = 0;
  }
  const enc = p.enc;
  if (p.state === 'READY' && !p.replacing && enc) {
    const c = p.conn;
    const s = c.session;
    const ic = p.ctx.interceptor !== undefined;
    while (s.keepaliveAcks.length) {
      const payload = F.encodeKeepalive2Ack({ stamp: s.keepaliveAcks.shift()! });
      if (ic && !interceptTx(p, Tag.KEEPALIVE2_ACK, () => enc.encode(Tag.KEEPALIVE2_ACK, [payload]))) return afterIntercept(p, b);
      enc.encodeTo(b, Tag.KEEPALIVE2_ACK, payload);
    }
    if (s.keepalivePending) {
      s.keepalivePending = false;
      p.lastKeepaliveSent = now;
      c.stats.keepalivesSent++;
      const payload = F.encodeKeepalive2({ stamp: utimeFromMs(now) });
      if (ic && !interceptTx(p, Tag.KEEPALIVE2, () => enc.encode(Tag.KEEPALIVE2, [payload]))) return afterIntercept(p, b);
      enc.encodeTo(b, Tag.KEEPALIVE2, payload);
    }
    const lossy = c.policy.lossy;
    const h = p.txHeader;
    const logMsgs = p.ctx.log.level >= 5;
    while (b.bytes < maxBytes) {
      const m = s.takeNext(lossy);
      if (!m) break;
      h.seq = m.seq;
      h.tid = m.tid;
      h.type = m.type;
      h.priority = m.priority;
      h.version = m.version;
      h.dataOff = m.dataOff;
      h.ackSeq = s.inSeq;
      h.compatVersion = m.compatVersion;
      if (ic && !interceptTx(p, Tag.MESSAGE, () => enc.encodeMessage(h, m.front, m.middle, m.data, MSG_ALIGN))) return afterIntercept(p, b);
      enc.encodeMessageTo(b, h, m.front, m.middle, m.data);
      c.stats.msgsOut++;
      if (logMsgs) p.log(5, () => ` >> MESSAGE seq=${m.seq} type=${m.type} ${m.payloadLength} bytes`);
      if (TRACE.frame) TRACE.frame(p.ctx, c, 'tx', Tag.MESSAGE, m.payloadLength);
    }
    if (s.ackLeft > 0) {
      s.ackLeft = 0;
      const payload = F.encodeAck({ seq: s.inSeq });
      if (ic && !interceptTx(p, Tag.ACK, () => enc.encode(Tag.ACK, [payload]))) return afterIntercept(p, b);
      enc.encodeTo(b, Tag.ACK, payload);
    }
  }
  if (b.empty) return undefined;
  p.conn.stats.bytesOut += b.bytes;
  p.conn.lastActive = now;
  return b.take();
}

/**
 * Breakpoint `TAG:w` for a frame about to be written. Returns true to go on. On BLOCK the frame
 * (encoded by `encode`) waits in `pending` until unblock(); on STALL it is written first.
 */
function interceptTx(p: ProtocolV2, tag: number, encode: () => Buffer[]): boolean {
  const park = (): void => {
    for (const x of encode()) {
      p.pending.push(x);
      p.pendingBytes += x.length;
    }
  };
  return p.intercept(`${tagName(tag)}:w`, park, park);
}

/** After a breakpoint interrupted transmit building: keep what was built unless we faulted. */
function afterIntercept(p: ProtocolV2, b: TxBatch): Buffer[] | undefined {
  const out = b.take();
  if (p.state === 'CLOSED' || p.conn.tid === undefined) return undefined;
  // blocked: frames already built go out; the parked one is in `pending` for after unblock
  if (p.blocked) return out.length ? out : undefined;
  return undefined;
}

export function encodeMessage(p: ProtocolV2, m: Message, ackSeq: bigint): Buffer[] {
  const h2 = Buffer.allocUnsafe(HEADER2_LEN);
  encodeHeader2(
    {
      seq: m.seq,
      tid: m.tid,
      type: m.type,
      priority: m.priority,
      version: m.version,
      dataPrePaddingLen: 0,
      dataOff: m.dataOff,
      ackSeq,
      flags: 3,
      compatVersion: m.compatVersion,
      reserved: 0,
    },
    h2,
    0,
  );
  return p.enc!.encode(Tag.MESSAGE, [h2, m.front, m.middle, m.data], MSG_ALIGN);
}
