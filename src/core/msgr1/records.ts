/**
 * msgr1 records on an open connection (wire §5.3): a one-byte tag, then
 *   MSG (7)             53-byte header, front, middle, data, footer (21 or 13 bytes)
 *   ACK (8)             le64 seq
 *   KEEPALIVE (9)       nothing
 *   KEEPALIVE2 (14)     ceph_timespec (le32 sec, le32 nsec)
 *   KEEPALIVE2_ACK (15) ceph_timespec (echoed)
 *   CLOSE (6)           nothing
 * plus the untagged le64 of the SEQ exchange that follows a TAG_SEQ connect reply (each side sends
 * its in_seq), read with {@link readMsgr1Seq}. Encoders for every record; the decoder is
 * `Msgr1RecordDecoder` in record-decoder.ts.
 */
import { Buffer } from 'node:buffer';
import type { ByteQueue } from '../../encoding/byte-queue.ts';
import { Writer } from '../../encoding/writer.ts';
import type { UTime } from '../../encoding/types/utime.ts';
import type { Message } from '../../messages/message.ts';
import { encodeMsgr1MessageRaw, type Msgr1Footer, type Msgr1Header } from './header.ts';
import { Msgr1Tag } from './tags.ts';

export type Msgr1Record =
  | { kind: 'message'; header: Msgr1Header; message: Message; footer: Msgr1Footer }
  | { kind: 'ack'; seq: bigint }
  | { kind: 'keepalive' }
  | { kind: 'keepalive2'; stamp: UTime }
  | { kind: 'keepalive2_ack'; stamp: UTime }
  | { kind: 'close' };

export type Msgr1RecordKind = Msgr1Record['kind'];

/** Bytes after the tag for the fixed-size records. */
export const MSGR1_ACK_LEN = 8;
export const MSGR1_TIMESPEC_LEN = 8;
/** The bare le64 of the SEQ exchange. */
export const MSGR1_SEQ_LEN = 8;

function tagged(tag: number, body?: (w: Writer) => void): Buffer {
  const w = new Writer(9);
  w.u8(tag);
  body?.(w);
  return w.view();
}

/** TAG_ACK + le64 seq (cumulative acknowledgement). */
export function encodeMsgr1Ack(seq: bigint): Buffer {
  return tagged(Msgr1Tag.ACK, (w) => w.u64(seq));
}

/** TAG_KEEPALIVE (only towards peers without MSGR_KEEPALIVE2). */
export function encodeMsgr1Keepalive(): Buffer {
  return tagged(Msgr1Tag.KEEPALIVE);
}

/** TAG_KEEPALIVE2 + ceph_timespec. */
export function encodeMsgr1Keepalive2(stamp: UTime): Buffer {
  return tagged(Msgr1Tag.KEEPALIVE2, (w) => w.u32(stamp.sec).u32(stamp.nsec));
}

/** TAG_KEEPALIVE2_ACK + the timespec being acknowledged. */
export function encodeMsgr1Keepalive2Ack(stamp: UTime): Buffer {
  return tagged(Msgr1Tag.KEEPALIVE2_ACK, (w) => w.u32(stamp.sec).u32(stamp.nsec));
}

/** TAG_CLOSE. */
export function encodeMsgr1Close(): Buffer {
  return tagged(Msgr1Tag.CLOSE);
}

/** The bare le64 in_seq of the SEQ exchange (no tag). */
export function encodeMsgr1Seq(seq: bigint): Buffer {
  const w = new Writer(MSGR1_SEQ_LEN);
  w.u64(seq);
  return w.view();
}

/** Read the bare le64 of the SEQ exchange; undefined until 8 bytes are queued. */
export function readMsgr1Seq(q: ByteQueue): bigint | undefined {
  if (q.length < MSGR1_SEQ_LEN) return undefined;
  return q.take(MSGR1_SEQ_LEN).readBigUInt64LE(0);
}

/**
 * Any record as bytes (gather list). A message record is re-encoded exactly from its header,
 * payloads and footer (header crc recomputed); `msgAuth` picks the footer size.
 */
export function encodeMsgr1Record(rec: Msgr1Record, msgAuth: boolean): Buffer[] {
  switch (rec.kind) {
    case 'message': {
      const m = rec.message;
      return encodeMsgr1MessageRaw(rec.header, m.front, m.middle, m.data, rec.footer, msgAuth);
    }
    case 'ack':
      return [encodeMsgr1Ack(rec.seq)];
    case 'keepalive':
      return [encodeMsgr1Keepalive()];
    case 'keepalive2':
      return [encodeMsgr1Keepalive2(rec.stamp)];
    case 'keepalive2_ack':
      return [encodeMsgr1Keepalive2Ack(rec.stamp)];
    case 'close':
      return [encodeMsgr1Close()];
  }
}
