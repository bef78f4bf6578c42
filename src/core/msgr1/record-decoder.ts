/**
 * Incremental decoder for the msgr1 record stream after the handshake (wire §5.3).
 *
 * `read(q)` returns one record once all of its bytes are queued (undefined before; bytes stay
 * queued). For messages, `readHeader(q)` can be called first: it consumes the tag and the 53-byte
 * header, checks the header crc and the size limit, and returns the header so the caller can take
 * throttles before the payload is read; it returns the same header again until `read` completes
 * that message. Payloads are views into the queue's chunks (copied only when they span chunks).
 *
 * Everything thrown is a MsgrError: ERR_MSGR1_TAG (unknown tag), ERR_MSGR1_HEADER_CRC,
 * ERR_MSGR1_DATA_CRC (front/middle crc always, data crc unless the footer says NOCRC — as Ceph's
 * decode_message does), ERR_MSGR1_ABORTED (footer without COMPLETE), ERR_MESSAGE_TOO_LARGE.
 * After a throw the stream is unusable (the connection faults).
 */
import type { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import type { ByteQueue } from '../../encoding/byte-queue.ts';
import { crc32c } from '../../encoding/crc32c.ts';
import {
  decodeMsgr1Footer,
  decodeMsgr1Header,
  messageFromMsgr1,
  msgr1FooterLen,
  msgr1HeaderCrc,
  Msgr1FooterFlag,
  MSGR1_HEADER_LEN,
  type Msgr1Header,
} from './header.ts';
import { MSGR1_ACK_LEN, MSGR1_TIMESPEC_LEN, type Msgr1Record } from './records.ts';
import { Msgr1Tag, msgr1TagName } from './tags.ts';

/** Default cap on front + middle + data of one message. */
export const MSGR1_DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

export interface Msgr1RecordDecoderOptions {
  /** MSG_AUTH negotiated: 21-byte footers; otherwise 13-byte old footers. */
  msgAuth: boolean;
  /** Cap on front + middle + data (default {@link MSGR1_DEFAULT_MAX_MESSAGE_BYTES}). */
  maxMessageBytes?: number;
  /** Verify header and payload crcs (Ceph's ms_crc_header / ms_crc_data). Default true. */
  checkCrc?: boolean;
}

const remote = { origin: 'remote' as const };

export class Msgr1RecordDecoder {
  readonly msgAuth: boolean;
  readonly maxMessageBytes: number;
  readonly checkCrc: boolean;
  private readonly footerLen: number;
  /** Header of the message being read (tag and header already consumed). */
  private pending: Msgr1Header | undefined;

  constructor(opts: Msgr1RecordDecoderOptions) {
    this.msgAuth = opts.msgAuth;
    this.maxMessageBytes = opts.maxMessageBytes ?? MSGR1_DEFAULT_MAX_MESSAGE_BYTES;
    this.checkCrc = opts.checkCrc ?? true;
    this.footerLen = msgr1FooterLen(opts.msgAuth);
  }

  /** True while a message header has been consumed but its payload not yet. */
  get inMessage(): boolean {
    return this.pending !== undefined;
  }

  /** The tag of the next record (MSG while inside a message), or undefined if nothing is queued. */
  peekTag(q: ByteQueue): number | undefined {
    if (this.pending) return Msgr1Tag.MSG;
    return q.length > 0 ? q.byteAt(0) : undefined;
  }

  /**
   * The header of the message being read, consuming tag + header if the next record is a complete
   * MSG header. Undefined if the header is incomplete or the next record is not a message
   * (call `read` for those). Throws ERR_MSGR1_TAG for an unknown tag.
   */
  readHeader(q: ByteQueue): Msgr1Header | undefined {
    if (this.pending) return this.pending;
    if (q.length === 0) return undefined;
    const tag = q.byteAt(0);
    if (tag !== Msgr1Tag.MSG) {
      checkTag(tag);
      return undefined;
    }
    if (q.length < 1 + MSGR1_HEADER_LEN) return undefined;
    const raw = q.peek(1 + MSGR1_HEADER_LEN).subarray(1);
    const h = decodeMsgr1Header(raw);
    if (this.checkCrc) {
      const crc = msgr1HeaderCrc(raw);
      if (crc !== h.crc) {
        throw new MsgrError('ERR_MSGR1_HEADER_CRC', `header crc 0x${h.crc.toString(16)} != computed 0x${crc.toString(16)}`, remote);
      }
    }
    const total = h.frontLen + h.middleLen + h.dataLen;
    if (total > this.maxMessageBytes) {
      throw new MsgrError('ERR_MESSAGE_TOO_LARGE', `message of ${total} bytes exceeds limit ${this.maxMessageBytes}`, remote);
    }
    q.skip(1 + MSGR1_HEADER_LEN);
    this.pending = h;
    return h;
  }

  /** The next complete record, or undefined until its bytes are all queued. */
  read(q: ByteQueue): Msgr1Record | undefined {
    if (this.pending) return this.readPayload(q, this.pending);
    if (q.length === 0) return undefined;
    const tag = q.byteAt(0);
    switch (tag) {
      case Msgr1Tag.MSG: {
        const h = this.readHeader(q);
        return h ? this.readPayload(q, h) : undefined;
      }
      case Msgr1Tag.ACK: {
        if (q.length < 1 + MSGR1_ACK_LEN) return undefined;
        const b = q.take(1 + MSGR1_ACK_LEN);
        return { kind: 'ack', seq: b.readBigUInt64LE(1) };
      }
      case Msgr1Tag.KEEPALIVE2:
      case Msgr1Tag.KEEPALIVE2_ACK: {
        if (q.length < 1 + MSGR1_TIMESPEC_LEN) return undefined;
        const b = q.take(1 + MSGR1_TIMESPEC_LEN);
        const stamp = { sec: b.readUInt32LE(1), nsec: b.readUInt32LE(5) };
        return tag === Msgr1Tag.KEEPALIVE2 ? { kind: 'keepalive2', stamp } : { kind: 'keepalive2_ack', stamp };
      }
      case Msgr1Tag.KEEPALIVE:
        q.skip(1);
        return { kind: 'keepalive' };
      case Msgr1Tag.CLOSE:
        q.skip(1);
        return { kind: 'close' };
      default:
        checkTag(tag);
        return undefined; // unreachable: checkTag throws for every tag not handled above
    }
  }

  private readPayload(q: ByteQueue, h: Msgr1Header): Msgr1Record | undefined {
    const need = h.frontLen + h.middleLen + h.dataLen + this.footerLen;
    if (q.length < need) return undefined;
    const front = q.take(h.frontLen);
    const middle = q.take(h.middleLen);
    const data = q.take(h.dataLen);
    const footer = decodeMsgr1Footer(q.take(this.footerLen), this.msgAuth);
    this.pending = undefined;
    if ((footer.flags & Msgr1FooterFlag.COMPLETE) === 0) {
      throw new MsgrError('ERR_MSGR1_ABORTED', `message seq ${h.seq} footer flags 0x${footer.flags.toString(16)}`, remote);
    }
    if (this.checkCrc) {
      checkCrc(front, footer.frontCrc, 'front');
      checkCrc(middle, footer.middleCrc, 'middle');
      if ((footer.flags & Msgr1FooterFlag.NOCRC) === 0) checkCrc(data, footer.dataCrc, 'data');
    }
    return { kind: 'message', header: h, message: messageFromMsgr1(h, front, middle, data, footer), footer };
  }
}

function checkCrc(b: Buffer, expected: number, what: string): void {
  const crc = crc32c(0, b);
  if (crc !== expected) {
    throw new MsgrError('ERR_MSGR1_DATA_CRC', `${what} crc 0x${expected.toString(16)} != computed 0x${crc.toString(16)}`, remote);
  }
}

const RECORD_TAGS = new Set<number>([
  Msgr1Tag.MSG,
  Msgr1Tag.ACK,
  Msgr1Tag.KEEPALIVE,
  Msgr1Tag.KEEPALIVE2,
  Msgr1Tag.KEEPALIVE2_ACK,
  Msgr1Tag.CLOSE,
]);

function checkTag(tag: number): void {
  if (!RECORD_TAGS.has(tag)) {
    throw new MsgrError('ERR_MSGR1_TAG', `unexpected msgr1 tag ${msgr1TagName(tag)} on an open connection`, remote);
  }
}
