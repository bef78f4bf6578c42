/**
 * msgr1 message envelope (wire §4.4, §5.3): `ceph_msg_header` (53 bytes, crc = CRC32C seed 0 over
 * bytes 0..48), `ceph_msg_footer` (21 bytes: three payload crcs, sig, flags) or the old footer
 * (13 bytes, no sig) when MSG_AUTH was not negotiated, and the sender's side of a TAG_MSG record.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import { crc32c } from '../../encoding/crc32c.ts';
import { Reader } from '../../encoding/reader.ts';
import { Writer } from '../../encoding/writer.ts';
import { decodeEntityNameT, encodeEntityNameT, type EntityNameT } from '../../encoding/types/entity-name.ts';
import { Message, MsgFlag } from '../../messages/message.ts';
import { Msgr1Tag } from './tags.ts';

export const MSGR1_HEADER_LEN = 53;
/** Bytes of the header covered by its crc. */
export const MSGR1_HEADER_CRC_LEN = 49;
/** ceph_msg_footer with sig (peer has MSG_AUTH). */
export const MSGR1_FOOTER_LEN = 21;
/** ceph_msg_footer_old (peer lacks MSG_AUTH). */
export const MSGR1_OLD_FOOTER_LEN = 13;

/** Footer flags: COMPLETE 1 (clear = aborted), NOCRC 2 (data crc not set), SIGNED 4. */
export const Msgr1FooterFlag = MsgFlag;

export function msgr1FooterLen(msgAuth: boolean): number {
  return msgAuth ? MSGR1_FOOTER_LEN : MSGR1_OLD_FOOTER_LEN;
}

/** ceph_msg_header as on the wire. */
export interface Msgr1Header {
  seq: bigint;
  tid: bigint;
  type: number;
  priority: number;
  version: number;
  frontLen: number;
  middleLen: number;
  dataLen: number;
  dataOff: number;
  /** Sender's entity_name_t (num −1 before it knows its global id). */
  src: EntityNameT;
  compatVersion: number;
  /** Unused le16; Ceph sends 0. Kept so that re-encoding is byte-exact. */
  reserved: number;
  /** The crc as received (decode) — ignored by the encoder, which computes it. */
  crc: number;
}

/** ceph_msg_footer (sig is 0n for an old footer). */
export interface Msgr1Footer {
  frontCrc: number;
  middleCrc: number;
  dataCrc: number;
  sig: bigint;
  flags: number;
}

/** What a message signer (cephx) needs to compute footer.sig. */
export interface Msgr1SignInput {
  readonly headerCrc: number;
  readonly frontCrc: number;
  readonly middleCrc: number;
  readonly dataCrc: number;
  readonly frontLen: number;
  readonly middleLen: number;
  readonly dataLen: number;
  readonly seq: bigint;
}

function u16(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffff) throw new MsgrError('ERR_ENCODE_INVALID', `${what} ${v} is not a u16`);
  return v;
}
function u32(v: number, what: string): number {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new MsgrError('ERR_ENCODE_INVALID', `${what} ${v} is not a u32`);
  return v;
}

/** CRC32C (seed 0) over the first 49 bytes of a 53-byte header. */
export function msgr1HeaderCrc(header: Uint8Array): number {
  return crc32c(0, header.subarray(0, MSGR1_HEADER_CRC_LEN));
}

/** Encode the 53-byte header; the crc field is computed (h.crc is ignored). */
export function encodeMsgr1Header(h: Omit<Msgr1Header, 'crc'> & { crc?: number }): Buffer {
  const w = new Writer(MSGR1_HEADER_LEN);
  writeHeader(w, h);
  return w.view();
}

function writeHeader(w: Writer, h: Omit<Msgr1Header, 'crc'>): void {
  const start = w.length;
  w.u64(h.seq).u64(h.tid);
  w.u16(u16(h.type, 'type')).u16(u16(h.priority, 'priority')).u16(u16(h.version, 'version'));
  w.u32(u32(h.frontLen, 'front_len')).u32(u32(h.middleLen, 'middle_len')).u32(u32(h.dataLen, 'data_len'));
  w.u16(u16(h.dataOff, 'data_off'));
  encodeEntityNameT(w, h.src);
  w.u16(u16(h.compatVersion, 'compat_version')).u16(u16(h.reserved, 'reserved'));
  w.u32(crc32c(0, w.buf.subarray(start, start + MSGR1_HEADER_CRC_LEN)));
}

/** Decode a 53-byte header (no crc check: compare `crc` with {@link msgr1HeaderCrc}). */
export function decodeMsgr1Header(b: Uint8Array): Msgr1Header {
  const r = new Reader(b, 0, Math.min(b.length, MSGR1_HEADER_LEN));
  const seq = r.u64();
  const tid = r.u64();
  const type = r.u16();
  const priority = r.u16();
  const version = r.u16();
  const frontLen = r.u32();
  const middleLen = r.u32();
  const dataLen = r.u32();
  const dataOff = r.u16();
  const src = decodeEntityNameT(r);
  const compatVersion = r.u16();
  const reserved = r.u16();
  const crc = r.u32();
  return { seq, tid, type, priority, version, frontLen, middleLen, dataLen, dataOff, src, compatVersion, reserved, crc };
}

/** Encode a footer: 21 bytes with MSG_AUTH, else the 13-byte old footer (sig dropped). */
export function encodeMsgr1Footer(f: Msgr1Footer, msgAuth: boolean): Buffer {
  const w = new Writer(MSGR1_FOOTER_LEN);
  w.u32(u32(f.frontCrc, 'front_crc')).u32(u32(f.middleCrc, 'middle_crc')).u32(u32(f.dataCrc, 'data_crc'));
  if (msgAuth) w.u64(f.sig);
  w.u8(f.flags);
  return w.view();
}

export function decodeMsgr1Footer(b: Uint8Array, msgAuth: boolean): Msgr1Footer {
  const r = new Reader(b, 0, Math.min(b.length, msgr1FooterLen(msgAuth)));
  const frontCrc = r.u32();
  const middleCrc = r.u32();
  const dataCrc = r.u32();
  const sig = msgAuth ? r.u64() : 0n;
  const flags = r.u8();
  return { frontCrc, middleCrc, dataCrc, sig, flags };
}

/** A received Message from its header, payload views and footer. */
export function messageFromMsgr1(h: Msgr1Header, front: Buffer, middle: Buffer, data: Buffer, footer: Msgr1Footer): Message {
  const m = new Message({
    type: h.type,
    priority: h.priority,
    version: h.version,
    compatVersion: h.compatVersion,
    tid: h.tid,
    front,
    middle,
    data,
    dataOff: h.dataOff,
  });
  m.seq = h.seq;
  m.src = h.src;
  m.flags = footer.flags;
  return m;
}

export interface Msgr1EncodeOptions {
  /** The message's sequence number on this session (++out_seq). */
  seq: bigint;
  /** Our entity_name_t (type + global id, −1 before it is known). */
  src: EntityNameT;
  /** MSG_AUTH negotiated: 21-byte footer with sig; otherwise the 13-byte old footer. */
  msgAuth: boolean;
  /** A precomputed footer.sig (sets SIGNED). Needs msgAuth. */
  signature?: bigint;
  /** Computes footer.sig from the crcs (cephx message signing; sets SIGNED). Needs msgAuth. */
  sign?: (h: Msgr1SignInput) => bigint;
  /** false = do not compute the data crc and set NOCRC (Ceph's ms_crc_data off). Default true. */
  crcData?: boolean;
}

/**
 * The TAG_MSG record for a message as a gather list, always five entries:
 * [tag byte + 53-byte header, front, middle, data, footer]. Payload buffers are the message's own
 * (not copied; empty ones are zero-length). Payload crcs use seed 0.
 */
export function encodeMsgr1Message(msg: Message, opts: Msgr1EncodeOptions): Buffer[] {
  if (!opts.msgAuth && (opts.signature !== undefined || opts.sign !== undefined)) {
    throw new MsgrError('ERR_INVALID_ARG', 'a msgr1 signature needs MSG_AUTH (the old footer has no sig field)');
  }
  if (opts.signature !== undefined && opts.sign !== undefined) {
    throw new MsgrError('ERR_INVALID_ARG', 'give either signature or sign, not both');
  }
  const crcData = opts.crcData ?? true;
  const frontCrc = crc32c(0, msg.front);
  const middleCrc = crc32c(0, msg.middle);
  const dataCrc = crcData ? crc32c(0, msg.data) : 0;

  const w = new Writer(1 + MSGR1_HEADER_LEN);
  w.u8(Msgr1Tag.MSG);
  writeHeader(w, {
    seq: opts.seq,
    tid: msg.tid,
    type: msg.type,
    priority: msg.priority,
    version: msg.version,
    frontLen: msg.front.length,
    middleLen: msg.middle.length,
    dataLen: msg.data.length,
    dataOff: msg.dataOff & 0xffff, // le16 on the wire; Ceph truncates the same way
    src: opts.src,
    compatVersion: msg.compatVersion,
    reserved: 0,
  });
  const head = w.view();
  const headerCrc = head.readUInt32LE(1 + MSGR1_HEADER_CRC_LEN);

  let flags = Msgr1FooterFlag.COMPLETE | (crcData ? 0 : Msgr1FooterFlag.NOCRC);
  let sig = 0n;
  if (opts.sign) {
    sig = opts.sign({
      headerCrc,
      frontCrc,
      middleCrc,
      dataCrc,
      frontLen: msg.front.length,
      middleLen: msg.middle.length,
      dataLen: msg.data.length,
      seq: opts.seq,
    });
    flags |= Msgr1FooterFlag.SIGNED;
  } else if (opts.signature !== undefined) {
    sig = opts.signature;
    flags |= Msgr1FooterFlag.SIGNED;
  }
  const footer = encodeMsgr1Footer({ frontCrc, middleCrc, dataCrc, sig, flags }, opts.msgAuth);
  return [head, msg.front, msg.middle, msg.data, footer];
}

/**
 * Re-encode a TAG_MSG record exactly from its parts (header crc recomputed, footer as given).
 * Used to forward / replay decoded records and in golden tests.
 */
export function encodeMsgr1MessageRaw(
  h: Omit<Msgr1Header, 'crc'>,
  front: Buffer,
  middle: Buffer,
  data: Buffer,
  footer: Msgr1Footer,
  msgAuth: boolean,
): Buffer[] {
  if (front.length !== h.frontLen || middle.length !== h.middleLen || data.length !== h.dataLen) {
    throw new MsgrError('ERR_ENCODE_INVALID', 'header lengths do not match the payloads');
  }
  const w = new Writer(1 + MSGR1_HEADER_LEN);
  w.u8(Msgr1Tag.MSG);
  writeHeader(w, h);
  return [w.view(), front, middle, data, encodeMsgr1Footer(footer, msgAuth)];
}
