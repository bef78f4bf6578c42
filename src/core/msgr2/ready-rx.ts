/**
 * The msgr2 READY receive path: throttle units taken after a MESSAGE preamble, the MESSAGE
 * itself (sequence checks, dispatch event, piggy-backed ack) and ACK frames.
 * Functions of the ProtocolV2 they run for (protocol.ts holds the state and the read loop).
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import { Message } from '../../messages/message.ts';
import type { Frame, Preamble } from './frame-decoder.ts';
import { admitIncoming } from '../proto-common.ts';
import { decodeHeader2 } from './header2.ts';
import { Tag } from './tags.ts';
import type { ProtocolV2 } from './protocol.ts';

const EMPTY = Buffer.alloc(0);

export function takeThrottles(p: ProtocolV2, pre: Preamble): boolean {
  if (p.state !== 'READY') {
    throw new MsgrError('ERR_FRAME_UNEXPECTED', `MESSAGE in state ${p.state}`, { origin: 'remote' });
  }
  let bytes = 0;
  for (let i = 1; i < pre.numSegments; i++) bytes += pre.lengths[i]!;
  if (p.throttle.take(bytes)) return true;
  if (p.ctx.log.level >= 10) p.log(10, () => ` throttle full, pausing reads`);
  return false;
}

export function handleMessage(p: ProtocolV2, frame: Frame, now: number): void {
  p.expectReady(Tag.MESSAGE);
  const segs = frame.segments;
  const h = decodeHeader2(segs[0] ?? EMPTY);
  const token = p.throttle.takeHeld();
  const c = p.conn;
  const s = c.session;
  // in order (the usual case) needs no more; anything else goes through Ceph's checks
  if (s.judgeIncoming(h.seq) !== 'ok' && !admitIncoming(p, h.seq, token, true)) return;
  const msg = new Message({
    type: h.type,
    priority: h.priority,
    version: h.version,
    compatVersion: h.compatVersion,
    tid: h.tid,
    front: segs[1] ?? EMPTY,
    middle: segs[2] ?? EMPTY,
    data: segs[3] ?? EMPTY,
    dataOff: h.dataOff,
  });
  msg.seq = h.seq;
  msg.src = c.peerName;
  msg.flags = h.flags;
  s.accept(h.seq, c.policy.lossy);
  c.stats.msgsIn++;
  if (p.ctx.log.level >= 5) p.log(5, () => ` received message seq=${h.seq} type=${h.type} ${msg.payloadLength} bytes`);
  p.ctx.emit({ kind: 'dispatch', conn: c.id, msg, throttle: token });
  p.handleAck(h.ackSeq);
  if (!c.policy.lossy) p.ctx.markDirty(c);
  void now;
}

export function handleAck(p: ProtocolV2, seq: bigint): void {
  const c = p.conn;
  if (c.policy.lossy) return;
  const n = c.session.handleAck(seq);
  if (n > 0) p.ctx.emit({ kind: 'acked', conn: c.id, count: n });
}
