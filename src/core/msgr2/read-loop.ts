/**
 * The msgr2 read loop: banner, then frames — each frame read is handed to the READY data path
 * (ready-rx.ts) or to the handshake handlers of the connection's role (connector.ts,
 * acceptor.ts). A MESSAGE's throttle units are taken right after its preamble, before its body
 * is read. Breakpoints `TAG:r` are consulted only when a test interceptor is installed.
 */
import { Buffer } from 'node:buffer';
import type { EntityAddr } from '../../encoding/types/entity-addr.ts';
import { utimeToMs } from '../../encoding/types/utime.ts';
import { MsgrError } from '../../errors.ts';
import { TRACE } from '../log.ts';
import { tryDecodeBanner } from './banner.ts';
import { FrameDecoder, type Frame } from './frame-decoder.ts';
import { FrameEncoder } from './frame-encoder.ts';
import * as F from './frames.ts';
import { Tag, tagName } from './tags.ts';
import { isAcceptingState, isConnectingState, readsFrames } from './states.ts';
import { handleConnectorFrame } from './connector.ts';
import { handleAcceptorFrame } from './acceptor.ts';
import { handleMessage, takeThrottles } from './ready-rx.ts';
import type { ProtocolV2 } from './protocol.ts';

const EMPTY = Buffer.alloc(0);
/** the "operation" a STALL at a read breakpoint completes: the bytes were already consumed */
const STALLED_READ = (): void => {};

export function readLoop(p: ProtocolV2, now: number): void {
  for (;;) {
    if (p.blocked || p.throttle.waiting) return;
    const st = p.state;
    if (st === 'BANNER_CONNECTING' || st === 'BANNER_ACCEPTING') {
      const b = tryDecodeBanner(p.rx);
      if (!b) return;
      if (p.rxRecord) p.rxRecord.push(b.raw);
      const handle = (): void => handleBanner(p, b.supported, b.required, now);
      // STALL on a read: the bytes were read; the frozen protocol never handles them
      if (!p.intercept('BANNER_READ', handle, STALLED_READ)) return;
      if (!p.intercept('BANNER_PAYLOAD_READ', handle, STALLED_READ)) return;
      handle();
      continue;
    }
    const dec = p.dec;
    if (dec === undefined || !readsFrames(st)) return;
    if (st === 'READY' && p.throttle.held === undefined) {
      const pre = dec.readPreamble(p.rx);
      if (!pre) return;
      if (pre.tag === Tag.MESSAGE && !takeThrottles(p, pre)) return;
    }
    const frame = dec.readFrame(p.rx);
    if (!frame) return;
    if (p.rxRecord && frame.raw) p.rxRecord.push(frame.raw);
    // per-frame hot path: no closure unless a test interceptor is installed
    if (p.ctx.interceptor !== undefined && !interceptRx(p, frame, now)) return;
    handleFrame(p, frame, now);
  }
}

/** Breakpoint `TAG:r` for a frame just read; true = handle it now. */
function interceptRx(p: ProtocolV2, frame: Frame, now: number): boolean {
  const handle = (): void => handleFrame(p, frame, now);
  return p.intercept(`${tagName(frame.tag)}:r`, handle, STALLED_READ);
}

function handleBanner(p: ProtocolV2, supported: bigint, required: bigint, now: number): void {
  const ours = p.ctx.config.ms_msgr2_rev1 ? 1n : 0n;
  if ((required & ours) !== required) {
    p.abort(new MsgrError('ERR_BANNER', `peer requires msgr2 features 0x${required.toString(16)}`, { origin: 'remote' }));
    return;
  }
  p.rev1 = (supported & 1n) !== 0n && ours === 1n;
  p.enc = new FrameEncoder({ rev1: p.rev1 });
  p.dec = new FrameDecoder({ rev1: p.rev1, maxSegmentLength: p.ctx.config.ms_max_message_size });
  p.dec.recording = true;
  p.log(1, () => ` banner ok: peer supported=0x${supported.toString(16)} required=0x${required.toString(16)} rev1=${p.rev1}`);
  const c = p.conn;
  if (p.state === 'BANNER_CONNECTING') {
    p.setState('HELLO_CONNECTING');
    p.send(Tag.HELLO, F.encodeHello({ entityType: p.ctx.myName.type, peerAddr: c.targetAddr! }));
  } else {
    p.setState('HELLO_ACCEPTING');
    const seen = c.socketPeerAddr ?? c.peerAddrs[0];
    const peerAddr: EntityAddr = seen ? { ...seen, type: 2, nonce: 0 } : { type: 2, nonce: 0, family: 0, ip: '', port: 0 };
    p.send(Tag.HELLO, F.encodeHello({ entityType: p.ctx.myName.type, peerAddr }));
  }
  void now;
}

function handleFrame(p: ProtocolV2, frame: Frame, now: number): void {
  const tag = frame.tag;
  const seg0 = frame.segments[0] ?? EMPTY;
  if (p.ctx.log.level >= 5) p.log(5, () => ` << ${tagName(tag)} len=${seg0.length}`);
  if (TRACE.frame) TRACE.frame(p.ctx, p.conn, 'rx', tag, frame.segments.reduce((n, b) => n + b.length, 0));
  switch (tag) {
    case Tag.MESSAGE:
      return handleMessage(p, frame, now);
    case Tag.ACK:
      p.expectReady(tag);
      p.handleAck(F.decodeAck(seg0).seq);
      return;
    case Tag.KEEPALIVE2: {
      p.expectReady(tag);
      const k = F.decodeKeepalive2(seg0);
      const acks = p.conn.session.keepaliveAcks;
      // bounded while our writes are stalled: a flood of KEEPALIVE2 keeps the newest 64 stamps
      if (acks.length >= 64) acks.shift();
      acks.push(k.stamp);
      p.ctx.markDirty(p.conn);
      return;
    }
    case Tag.KEEPALIVE2_ACK: {
      p.expectReady(tag);
      const k = F.decodeKeepalive2Ack(seg0);
      p.ctx.emit({ kind: 'keepalive-ack', conn: p.conn.id, stampMs: utimeToMs(k.stamp) });
      return;
    }
    default:
      if (isAcceptingState(p.state)) return handleAcceptorFrame(p, frame, now);
      if (isConnectingState(p.state)) return handleConnectorFrame(p, frame, now);
      throw new MsgrError('ERR_FRAME_UNEXPECTED', `${tagName(tag)} in state ${p.state}`, { origin: 'remote' });
  }
}
