/**
 * Typed payload codecs for msgr2 control frames (wire §3): one encode/decode pair per tag. A
 * control frame has exactly one segment; these functions produce / parse that segment's bytes.
 *
 * Decoding mirrors Ceph's `ControlFrame::Decode` (frames_v2.h): fields are read in order and any
 * bytes left after the last field are ignored (Ceph never checks for trailing data), while a payload
 * that ends early throws ERR_DECODE_SHORT. Bad values throw ERR_DECODE_INVALID / ERR_DECODE_TOO_LARGE.
 * Decoders return views into the payload for blobs (auth payloads, signature).
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import { Reader } from '../../encoding/reader.ts';
import { Writer } from '../../encoding/writer.ts';
import type { EntityAddr } from '../../encoding/types/entity-addr.ts';
import {
  decodeEntityAddr,
  decodeEntityAddrVec,
  encodeEntityAddr,
  encodeEntityAddrVec,
} from '../../encoding/types/entity-addr.ts';
import type { UTime } from '../../encoding/types/utime.ts';

export interface HelloFrame { entityType: number; peerAddr: EntityAddr }
export interface AuthRequestFrame { method: number; preferredModes: number[]; payload: Buffer }
export interface AuthBadMethodFrame { method: number; result: number; allowedMethods: number[]; allowedModes: number[] }
export interface AuthReplyMoreFrame { payload: Buffer }
export interface AuthRequestMoreFrame { payload: Buffer }
export interface AuthDoneFrame { globalId: bigint; conMode: number; payload: Buffer }
/** 32 raw bytes (HMAC-SHA256), no length prefix on the wire. */
export interface AuthSignatureFrame { signature: Buffer }
export interface ClientIdentFrame {
  addrs: EntityAddr[];
  targetAddr: EntityAddr;
  /** s64: -1 while the client does not know its global_id yet */
  gid: bigint;
  globalSeq: bigint;
  supportedFeatures: bigint;
  requiredFeatures: bigint;
  flags: bigint;
  clientCookie: bigint;
}
export interface ServerIdentFrame {
  addrs: EntityAddr[];
  gid: bigint;
  globalSeq: bigint;
  supportedFeatures: bigint;
  requiredFeatures: bigint;
  flags: bigint;
  serverCookie: bigint;
}
export interface IdentMissingFeaturesFrame { features: bigint }
export interface SessionReconnectFrame {
  addrs: EntityAddr[];
  clientCookie: bigint;
  serverCookie: bigint;
  globalSeq: bigint;
  connectSeq: bigint;
  msgSeq: bigint;
}
export interface SessionResetFrame { full: boolean }
export interface SessionRetryFrame { connectSeq: bigint }
export interface SessionRetryGlobalFrame { globalSeq: bigint }
export interface SessionReconnectOkFrame { msgSeq: bigint }
export interface WaitFrame {}
export interface Keepalive2Frame { stamp: UTime }
export interface Keepalive2AckFrame { stamp: UTime }
export interface AckFrame { seq: bigint }
/** Quincy+ only (tag 21). */
export interface CompressionRequestFrame { isCompress: boolean; preferredMethods: number[] }
/** Quincy+ only (tag 22). */
export interface CompressionDoneFrame { isCompress: boolean; method: number }

/** Length of the AUTH_SIGNATURE payload (sha256_digest_t). */
export const AUTH_SIGNATURE_LEN = 32;

const EMPTY = Buffer.alloc(0);
const U64_MAX = 0xffffffffffffffffn;

function rd(buf: Buffer): Reader {
  return new Reader(buf);
}
function u32list(r: Reader): number[] {
  return r.u32list();
}

// ---------------------------------------------------------------- handshake frames

export function encodeHello(f: HelloFrame): Buffer {
  const w = new Writer(48);
  w.u8(f.entityType);
  encodeEntityAddr(w, f.peerAddr);
  return w.view();
}
export function decodeHello(buf: Buffer): HelloFrame {
  const r = rd(buf);
  const entityType = r.u8();
  const peerAddr = decodeEntityAddr(r);
  return { entityType, peerAddr };
}

export function encodeAuthRequest(f: AuthRequestFrame): Buffer {
  const w = new Writer(16 + 4 * f.preferredModes.length + f.payload.length);
  w.u32(f.method).u32list(f.preferredModes).blob(f.payload);
  return w.view();
}
export function decodeAuthRequest(buf: Buffer): AuthRequestFrame {
  const r = rd(buf);
  const method = r.u32();
  const preferredModes = u32list(r);
  const payload = r.blob();
  return { method, preferredModes, payload };
}

export function encodeAuthBadMethod(f: AuthBadMethodFrame): Buffer {
  const w = new Writer(16 + 4 * (f.allowedMethods.length + f.allowedModes.length));
  w.u32(f.method).s32(f.result).u32list(f.allowedMethods).u32list(f.allowedModes);
  return w.view();
}
export function decodeAuthBadMethod(buf: Buffer): AuthBadMethodFrame {
  const r = rd(buf);
  const method = r.u32();
  const result = r.s32();
  const allowedMethods = u32list(r);
  const allowedModes = u32list(r);
  return { method, result, allowedMethods, allowedModes };
}

function encodeBlobOnly(payload: Buffer): Buffer {
  const b = Buffer.allocUnsafe(4 + payload.length);
  b.writeUInt32LE(payload.length, 0);
  b.set(payload, 4);
  return b;
}
export function encodeAuthReplyMore(f: AuthReplyMoreFrame): Buffer {
  return encodeBlobOnly(f.payload);
}
export function decodeAuthReplyMore(buf: Buffer): AuthReplyMoreFrame {
  return { payload: rd(buf).blob() };
}
export function encodeAuthRequestMore(f: AuthRequestMoreFrame): Buffer {
  return encodeBlobOnly(f.payload);
}
export function decodeAuthRequestMore(buf: Buffer): AuthRequestMoreFrame {
  return { payload: rd(buf).blob() };
}

export function encodeAuthDone(f: AuthDoneFrame): Buffer {
  const w = new Writer(16 + f.payload.length);
  w.u64(f.globalId).u32(f.conMode).blob(f.payload);
  return w.view();
}
export function decodeAuthDone(buf: Buffer): AuthDoneFrame {
  const r = rd(buf);
  const globalId = r.u64();
  const conMode = r.u32();
  const payload = r.blob();
  return { globalId, conMode, payload };
}

export function encodeAuthSignature(f: AuthSignatureFrame): Buffer {
  if (f.signature.length !== AUTH_SIGNATURE_LEN) {
    throw new MsgrError('ERR_ENCODE_INVALID', `AUTH_SIGNATURE must be ${AUTH_SIGNATURE_LEN} bytes, got ${f.signature.length}`);
  }
  return Buffer.from(f.signature);
}
export function decodeAuthSignature(buf: Buffer): AuthSignatureFrame {
  return { signature: rd(buf).bytes(AUTH_SIGNATURE_LEN) };
}

export function encodeClientIdent(f: ClientIdentFrame): Buffer {
  const w = new Writer(64 + 40 * f.addrs.length);
  encodeEntityAddrVec(w, f.addrs);
  encodeEntityAddr(w, f.targetAddr);
  w.s64(f.gid).u64(f.globalSeq).u64(f.supportedFeatures).u64(f.requiredFeatures).u64(f.flags).u64(f.clientCookie);
  return w.view();
}
export function decodeClientIdent(buf: Buffer): ClientIdentFrame {
  const r = rd(buf);
  const addrs = decodeEntityAddrVec(r);
  const targetAddr = decodeEntityAddr(r);
  const gid = r.s64();
  const globalSeq = r.u64();
  const supportedFeatures = r.u64();
  const requiredFeatures = r.u64();
  const flags = r.u64();
  const clientCookie = r.u64();
  return { addrs, targetAddr, gid, globalSeq, supportedFeatures, requiredFeatures, flags, clientCookie };
}

export function encodeServerIdent(f: ServerIdentFrame): Buffer {
  const w = new Writer(56 + 40 * f.addrs.length);
  encodeEntityAddrVec(w, f.addrs);
  w.s64(f.gid).u64(f.globalSeq).u64(f.supportedFeatures).u64(f.requiredFeatures).u64(f.flags).u64(f.serverCookie);
  return w.view();
}
export function decodeServerIdent(buf: Buffer): ServerIdentFrame {
  const r = rd(buf);
  const addrs = decodeEntityAddrVec(r);
  const gid = r.s64();
  const globalSeq = r.u64();
  const supportedFeatures = r.u64();
  const requiredFeatures = r.u64();
  const flags = r.u64();
  const serverCookie = r.u64();
  return { addrs, gid, globalSeq, supportedFeatures, requiredFeatures, flags, serverCookie };
}

export function encodeIdentMissingFeatures(f: IdentMissingFeaturesFrame): Buffer {
  return encodeU64(f.features);
}
export function decodeIdentMissingFeatures(buf: Buffer): IdentMissingFeaturesFrame {
  return { features: decodeU64(buf) };
}

// ---------------------------------------------------------------- session frames

export function encodeSessionReconnect(f: SessionReconnectFrame): Buffer {
  const w = new Writer(48 + 40 * f.addrs.length);
  encodeEntityAddrVec(w, f.addrs);
  w.u64(f.clientCookie).u64(f.serverCookie).u64(f.globalSeq).u64(f.connectSeq).u64(f.msgSeq);
  return w.view();
}
export function decodeSessionReconnect(buf: Buffer): SessionReconnectFrame {
  const r = rd(buf);
  const addrs = decodeEntityAddrVec(r);
  const clientCookie = r.u64();
  const serverCookie = r.u64();
  const globalSeq = r.u64();
  const connectSeq = r.u64();
  const msgSeq = r.u64();
  return { addrs, clientCookie, serverCookie, globalSeq, connectSeq, msgSeq };
}

export function encodeSessionReset(f: SessionResetFrame): Buffer {
  return Buffer.from([f.full ? 1 : 0]);
}
export function decodeSessionReset(buf: Buffer): SessionResetFrame {
  return { full: rd(buf).bool() };
}

export function encodeSessionRetry(f: SessionRetryFrame): Buffer {
  return encodeU64(f.connectSeq);
}
export function decodeSessionRetry(buf: Buffer): SessionRetryFrame {
  return { connectSeq: decodeU64(buf) };
}

export function encodeSessionRetryGlobal(f: SessionRetryGlobalFrame): Buffer {
  return encodeU64(f.globalSeq);
}
export function decodeSessionRetryGlobal(buf: Buffer): SessionRetryGlobalFrame {
  return { globalSeq: decodeU64(buf) };
}

export function encodeSessionReconnectOk(f: SessionReconnectOkFrame): Buffer {
  return encodeU64(f.msgSeq);
}
export function decodeSessionReconnectOk(buf: Buffer): SessionReconnectOkFrame {
  return { msgSeq: decodeU64(buf) };
}

/** WAIT has an empty payload (sent as one empty segment). */
export function encodeWait(_f: WaitFrame = {}): Buffer {
  return EMPTY;
}
export function decodeWait(_buf: Buffer): WaitFrame {
  return {};
}

// ---------------------------------------------------------------- READY-state frames (hot path)

function encodeStamp(t: UTime): Buffer {
  const b = Buffer.allocUnsafe(8);
  b.writeUInt32LE(t.sec >>> 0, 0);
  b.writeUInt32LE(t.nsec >>> 0, 4);
  return b;
}
function decodeStamp(buf: Buffer): UTime {
  if (buf.length < 8) throw new MsgrError('ERR_DECODE_SHORT', `utime needs 8 bytes, have ${buf.length}`, { origin: 'remote' });
  return { sec: buf.readUInt32LE(0), nsec: buf.readUInt32LE(4) };
}

export function encodeKeepalive2(f: Keepalive2Frame): Buffer {
  return encodeStamp(f.stamp);
}
export function decodeKeepalive2(buf: Buffer): Keepalive2Frame {
  return { stamp: decodeStamp(buf) };
}
export function encodeKeepalive2Ack(f: Keepalive2AckFrame): Buffer {
  return encodeStamp(f.stamp);
}
export function decodeKeepalive2Ack(buf: Buffer): Keepalive2AckFrame {
  return { stamp: decodeStamp(buf) };
}

export function encodeAck(f: AckFrame): Buffer {
  return encodeU64(f.seq);
}
export function decodeAck(buf: Buffer): AckFrame {
  return { seq: decodeU64(buf) };
}

// ---------------------------------------------------------------- Quincy compression negotiation

export function encodeCompressionRequest(f: CompressionRequestFrame): Buffer {
  const w = new Writer(8 + 4 * f.preferredMethods.length);
  w.bool(f.isCompress).u32list(f.preferredMethods);
  return w.view();
}
export function decodeCompressionRequest(buf: Buffer): CompressionRequestFrame {
  const r = rd(buf);
  const isCompress = r.bool();
  const preferredMethods = u32list(r);
  return { isCompress, preferredMethods };
}
export function encodeCompressionDone(f: CompressionDoneFrame): Buffer {
  const w = new Writer(8);
  w.bool(f.isCompress).u32(f.method);
  return w.view();
}
export function decodeCompressionDone(buf: Buffer): CompressionDoneFrame {
  const r = rd(buf);
  const isCompress = r.bool();
  const method = r.u32();
  return { isCompress, method };
}

// ---------------------------------------------------------------- u64 helpers (no Reader/Writer)

function encodeU64(v: bigint): Buffer {
  const b = Buffer.allocUnsafe(8);
  if (v >= 0n && v <= 0xffffffffn) {
    const n = Number(v);
    b.writeUInt32LE(n, 0);
    b.writeUInt32LE(0, 4);
  } else {
    if (v < 0n || v > U64_MAX) throw new MsgrError('ERR_ENCODE_INVALID', `u64 ${v}`);
    b.writeBigUInt64LE(v, 0);
  }
  return b;
}
function decodeU64(buf: Buffer): bigint {
  if (buf.length < 8) throw new MsgrError('ERR_DECODE_SHORT', `u64 needs 8 bytes, have ${buf.length}`, { origin: 'remote' });
  const lo = buf.readUInt32LE(0);
  const hi = buf.readUInt32LE(4);
  return hi === 0 ? BigInt(lo) : (BigInt(hi) << 32n) | BigInt(lo);
}
