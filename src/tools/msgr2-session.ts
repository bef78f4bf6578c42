/**
 * Decoding both directions of one msgr2 connection: banners, the clear part of the handshake,
 * then the rest in crc mode or — in secure mode — decrypted with the connection secret recovered
 * from the cephx exchange and a keyring (cephx-secret.ts).
 *
 * Where the client's clear frames end is known from the server's side: the client sends HELLO,
 * AUTH_REQUEST, then one frame per AUTH_REPLY_MORE / AUTH_BAD_METHOD it got before AUTH_DONE.
 */
import { Buffer } from 'node:buffer';
import { entityTypeName } from '../encoding/types/entity-name.ts';
import { FEATURES_ALL_16_2_15 } from '../encoding/types/features.ts';
import type { Keyring } from '../core/auth/keyring.ts';
import { ConMode } from '../core/auth/types.ts';
import { decodeControlFrame } from '../core/msgr2/control-frame.ts';
import * as F from '../core/msgr2/frames.ts';
import { decodeHeader2 } from '../core/msgr2/header2.ts';
import { Tag } from '../core/msgr2/tags.ts';
import { Message } from '../messages/message.ts';
import { decodeMessageBody, messageName, plain, type DecodedItem, type StreamSummary } from './annotate.ts';
import { connectionSecret, describeAuthPayload } from './cephx-secret.ts';
import { V2Walker, type RawFrame } from './msgr2-walk.ts';

const METHODS: Record<number, string> = { 0: 'unknown', 1: 'none', 2: 'cephx', 4: 'gss' };
const MODES: Record<number, string> = { 0: 'unknown', 1: 'crc', 2: 'secure' };

export interface V2Context {
  keyring: Keyring | undefined;
  /** AUTH session keys by entity, across the streams of one input */
  sessionKeys: Map<string, Buffer>;
}

interface State {
  features: { c2s?: bigint; s2c?: bigint };
  authRequest?: F.AuthRequestFrame;
  authDone?: F.AuthDoneFrame;
}

function isFrame(x: RawFrame | DecodedItem): x is RawFrame {
  return (x as RawFrame).item !== undefined;
}

/** Decode one msgr2 connection (both directions); items in per-direction order. */
export function decodeV2Session(stream: number, c2sBytes: Buffer, s2cBytes: Buffer, ctx: V2Context, summary: StreamSummary): DecodedItem[] {
  const items: DecodedItem[] = [];
  const st: State = { features: {} };
  const c = new V2Walker(stream, 'c2s', c2sBytes);
  const s = new V2Walker(stream, 's2c', s2cBytes);
  const bc = c2sBytes.length ? c.banner() : undefined;
  const bs = s2cBytes.length ? s.banner() : undefined;
  if (bc) items.push(bc.item);
  if (bs) items.push(bs.item);
  const rev1 = (bc?.supported ?? 1n) & (bs?.supported ?? 1n) & 1n ? true : false;
  summary.protocol = rev1 ? 'msgr2.1' : 'msgr2.0';
  const take = (w: V2Walker, x: RawFrame | DecodedItem | undefined): RawFrame | undefined => {
    if (!x) return undefined;
    if (!isFrame(x)) {
      items.push(x);
      return undefined;
    }
    annotate(x, st);
    items.push(x.item);
    void w;
    return x;
  };
  // the server's clear frames, through AUTH_DONE
  let rounds = 0;
  for (let f = take(s, s.clearFrame(rev1)); f; f = take(s, s.clearFrame(rev1))) {
    if (f.tag === Tag.AUTH_REPLY_MORE || f.tag === Tag.AUTH_BAD_METHOD) rounds++;
    if (f.tag === Tag.AUTH_DONE) break;
  }
  const done = st.authDone;
  const secure = done?.conMode === ConMode.SECURE;
  // the client's clear frames: HELLO, AUTH_REQUEST, one answer per server round (all, in crc mode)
  for (let n = 0; !secure || n < 2 + rounds; n++) if (!take(c, c.clearFrame(rev1))) break;
  if (done) summary.mode = secure ? 'secure' : 'crc';
  if (st.authRequest && done) {
    const r = connectionSecret(st.authRequest.method, st.authRequest.payload, done, ctx.keyring, ctx.sessionKeys);
    summary.auth = `${r.summary}, con_mode ${MODES[done.conMode] ?? done.conMode}`;
    if (secure) {
      summary.notes.push(r.note);
      if (r.secret) {
        summary.decrypted = true;
        for (const x of c.secureFrames(rev1, r.secret, true)) take(c, x);
        for (const x of s.secureFrames(rev1, r.secret, false)) take(s, x);
      }
    }
  }
  for (const w of [c, s]) {
    if (secure && w.remaining) items.push(w.stop(`${w.remaining} bytes encrypted (secure mode; give -k KEYRING to decrypt)`, 'encrypted'));
    while (!secure && w.remaining) if (!take(w, w.clearFrame(rev1))) break;
  }
  return items;
}

function annotate(f: RawFrame, st: State): void {
  const it = f.item;
  const seg0 = f.segments[0] ?? Buffer.alloc(0);
  try {
    if (f.tag === Tag.MESSAGE) return annotateMessage(f, st);
    const cf = decodeControlFrame(f.tag, seg0);
    const fields = plain(cf.frame) as Record<string, unknown>;
    switch (cf.tag) {
      case Tag.HELLO:
        fields.entityType = `${entityTypeName(cf.frame.entityType)} (${cf.frame.entityType})`;
        break;
      case Tag.AUTH_REQUEST: {
        st.authRequest = cf.frame;
        fields.method = METHODS[cf.frame.method] ?? cf.frame.method;
        fields.preferredModes = cf.frame.preferredModes.map((m) => MODES[m] ?? m);
        const who = describeAuthPayload(cf.frame.method, cf.frame.payload);
        fields.payload = { mode: who.mode, ...plain({ name: who.name, globalId: who.globalId, serviceId: who.serviceId }) as object, bytes: cf.frame.payload.length };
        break;
      }
      case Tag.AUTH_BAD_METHOD:
        fields.method = METHODS[cf.frame.method] ?? cf.frame.method;
        fields.allowedMethods = cf.frame.allowedMethods.map((m) => METHODS[m] ?? m);
        fields.allowedModes = cf.frame.allowedModes.map((m) => MODES[m] ?? m);
        break;
      case Tag.AUTH_DONE:
        st.authDone = cf.frame;
        fields.conMode = MODES[cf.frame.conMode] ?? cf.frame.conMode;
        fields.payload = `${cf.frame.payload.length} bytes`;
        break;
      case Tag.AUTH_REPLY_MORE:
      case Tag.AUTH_REQUEST_MORE:
        fields.payload = `${cf.frame.payload.length} bytes`;
        break;
      case Tag.CLIENT_IDENT:
        st.features.c2s = cf.frame.supportedFeatures;
        break;
      case Tag.SERVER_IDENT:
        st.features.s2c = cf.frame.supportedFeatures;
        break;
    }
    it.fields = fields;
  } catch (e) {
    it.error = `payload does not decode: ${(e as Error).message}`;
  }
}

function annotateMessage(f: RawFrame, st: State): void {
  const it = f.item;
  const h = decodeHeader2(f.segments[0] ?? Buffer.alloc(0));
  const empty = Buffer.alloc(0);
  const msg = new Message({
    type: h.type,
    priority: h.priority,
    version: h.version,
    compatVersion: h.compatVersion,
    tid: h.tid,
    front: f.segments[1] ?? empty,
    middle: f.segments[2] ?? empty,
    data: f.segments[3] ?? empty,
    dataOff: h.dataOff,
  });
  const a = st.features.c2s;
  const b = st.features.s2c;
  const features = a !== undefined && b !== undefined ? a & b : (a ?? b ?? FEATURES_ALL_16_2_15);
  it.message = {
    type: h.type,
    name: messageName(h.type),
    seq: h.seq.toString(),
    tid: h.tid.toString(),
    priority: h.priority,
    version: h.version,
    compatVersion: h.compatVersion,
    ackSeq: h.ackSeq.toString(),
    flags: h.flags,
    frontLen: msg.front.length,
    middleLen: msg.middle.length,
    dataLen: msg.data.length,
    ...decodeMessageBody(msg, features),
  };
}

