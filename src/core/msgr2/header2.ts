/**
 * `ceph_msg_header2` (wire §4.4): segment 0 of a MESSAGE frame, 41 bytes, packed little-endian.
 *
 *   0 seq u64 | 8 tid u64 | 16 type u16 | 18 priority u16 | 20 version u16 |
 *   22 data_pre_padding_len u32 | 26 data_off u16 | 28 ack_seq u64 | 36 flags u8 |
 *   37 compat_version u16 | 39 reserved u16
 *
 * Hot path: encode writes u64s as two u32 halves (no BigInt arithmetic for values below 2^32) and
 * allocates nothing but the 41-byte buffer (or nothing with `out`); decode builds a BigInt only
 * from the halves. Like Ceph (which casts the first 41 bytes of the segment), bytes after the
 * 41st are ignored; a shorter segment throws ERR_DECODE_SHORT.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';

export const HEADER2_LEN = 41;

export interface MsgHeader2 {
  seq: bigint;
  tid: bigint;
  type: number;
  priority: number;
  version: number;
  /** Ceph always sends 0 and ignores it. */
  dataPrePaddingLen: number;
  dataOff: number;
  /** The sender's in_seq (acknowledges the peer's messages). */
  ackSeq: bigint;
  /** MsgFlag bits; Ceph sends 3 (COMPLETE | NOCRC). */
  flags: number;
  compatVersion: number;
  reserved: number;
}

const U32 = 0x100000000;
const U64_MAX = 0xffffffffffffffffn;

function writeU64(b: Buffer, v: bigint, at: number): void {
  if (v >= 0n && v < 0x100000000n) {
    const n = Number(v);
    b[at] = n;
    b[at + 1] = n >>> 8;
    b[at + 2] = n >>> 16;
    b[at + 3] = n >>> 24;
    b[at + 4] = 0;
    b[at + 5] = 0;
    b[at + 6] = 0;
    b[at + 7] = 0;
  } else {
    if (typeof v !== 'bigint' || v < 0n || v > U64_MAX) throw new MsgrError('ERR_ENCODE_INVALID', `header2: u64 ${String(v)}`);
    b.writeBigUInt64LE(v, at);
  }
}

function readU64(b: Buffer, at: number): bigint {
  const lo = (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16)) + b[at + 3]! * 0x1000000;
  const hi = (b[at + 4]! | (b[at + 5]! << 8) | (b[at + 6]! << 16)) + b[at + 7]! * 0x1000000;
  if (hi === 0) return BigInt(lo);
  if (hi < 0x200000) return BigInt(hi * U32 + lo); // exact below 2^53
  return (BigInt(hi) << 32n) | BigInt(lo);
}

function checkUint(v: number, max: number, what: string): void {
  if (!(v >= 0 && v <= max && Number.isInteger(v))) throw new MsgrError('ERR_ENCODE_INVALID', `header2: ${what} ${v}`);
}

/**
 * Encode into `out` at `at` (default: a fresh 41-byte buffer). Returns the buffer written to
 * (`out` itself when given).
 */
export function encodeHeader2(h: MsgHeader2, out?: Buffer, at = 0): Buffer {
  const b = out ?? Buffer.allocUnsafe(HEADER2_LEN);
  if (at < 0 || at + HEADER2_LEN > b.length) throw new MsgrError('ERR_ENCODE_INVALID', `header2: no room at ${at} in ${b.length} bytes`);
  checkUint(h.type, 0xffff, 'type');
  checkUint(h.priority, 0xffff, 'priority');
  checkUint(h.version, 0xffff, 'version');
  checkUint(h.dataPrePaddingLen, 0xffffffff, 'data_pre_padding_len');
  checkUint(h.dataOff, 0xffff, 'data_off');
  checkUint(h.flags, 0xff, 'flags');
  checkUint(h.compatVersion, 0xffff, 'compat_version');
  checkUint(h.reserved, 0xffff, 'reserved');
  writeU64(b, h.seq, at);
  writeU64(b, h.tid, at + 8);
  b[at + 16] = h.type;
  b[at + 17] = h.type >>> 8;
  b[at + 18] = h.priority;
  b[at + 19] = h.priority >>> 8;
  b[at + 20] = h.version;
  b[at + 21] = h.version >>> 8;
  const p = h.dataPrePaddingLen;
  b[at + 22] = p;
  b[at + 23] = p >>> 8;
  b[at + 24] = p >>> 16;
  b[at + 25] = p >>> 24;
  b[at + 26] = h.dataOff;
  b[at + 27] = h.dataOff >>> 8;
  writeU64(b, h.ackSeq, at + 28);
  b[at + 36] = h.flags;
  b[at + 37] = h.compatVersion;
  b[at + 38] = h.compatVersion >>> 8;
  b[at + 39] = h.reserved;
  b[at + 40] = h.reserved >>> 8;
  return b;
}

export function decodeHeader2(buf: Buffer): MsgHeader2 {
  if (buf.length < HEADER2_LEN) {
    throw new MsgrError('ERR_DECODE_SHORT', `header2 needs ${HEADER2_LEN} bytes, have ${buf.length}`, { origin: 'remote' });
  }
  return {
    seq: readU64(buf, 0),
    tid: readU64(buf, 8),
    type: buf[16]! | (buf[17]! << 8),
    priority: buf[18]! | (buf[19]! << 8),
    version: buf[20]! | (buf[21]! << 8),
    dataPrePaddingLen: (buf[22]! | (buf[23]! << 8) | (buf[24]! << 16)) + buf[25]! * 0x1000000,
    dataOff: buf[26]! | (buf[27]! << 8),
    ackSeq: readU64(buf, 28),
    flags: buf[36]!,
    compatVersion: buf[37]! | (buf[38]! << 8),
    reserved: buf[39]! | (buf[40]! << 8),
  };
}
