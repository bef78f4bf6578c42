/**
 * msgr2 banner (wire §1.2): "ceph v2\n", le16 payload length, payload = le64 supported + le64
 * required msgr2 feature bits. Both sides send theirs at once, then read the peer's.
 *
 * The feature checks (required vs supported, rev1 selection) belong to the handshake; this file only
 * frames and parses the bytes.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import type { ByteQueue } from '../../encoding/byte-queue.ts';

export const MSGR2_BANNER_PREFIX = 'ceph v2\n';
/** The msgr1 banner, to recognise a legacy peer on a msgr2 port. */
export const MSGR1_BANNER = 'ceph v027';

/** msgr2 feature bits carried in the banner. */
export const Msgr2Feature = {
  REVISION_1: 1n << 0n,
  /** Quincy+: on-wire compression (we never advertise it). */
  COMPRESSION: 1n << 1n,
} as const;

const PREFIX = Buffer.from(MSGR2_BANNER_PREFIX, 'latin1');
const V1 = Buffer.from(MSGR1_BANNER, 'latin1');
const PREFIX_LEN = PREFIX.length; // 8
const HEAD_LEN = PREFIX_LEN + 2; // prefix + le16 length
/** Our own payload length: two le64. Ceph rejects anything shorter (decode fails). */
export const BANNER_PAYLOAD_LEN = 16;
/** Total length of the banner we send. */
export const BANNER_LEN = HEAD_LEN + BANNER_PAYLOAD_LEN; // 26
/** Upper bound we accept for a peer's banner payload (Ceph sends 16; later fields would be appended). */
export const MAX_BANNER_PAYLOAD = 4096;

const U64_MAX = (1n << 64n) - 1n;

export interface Banner {
  supported: bigint;
  required: bigint;
  /** The exact banner bytes consumed (for the AUTH_SIGNATURE transcript). */
  raw: Buffer;
}

export function encodeBanner(supported: bigint, required: bigint): Buffer {
  if (supported < 0n || supported > U64_MAX || required < 0n || required > U64_MAX) {
    throw new MsgrError('ERR_ENCODE_INVALID', 'banner feature bits must be u64');
  }
  const b = Buffer.allocUnsafe(BANNER_LEN);
  PREFIX.copy(b, 0);
  b.writeUInt16LE(BANNER_PAYLOAD_LEN, PREFIX_LEN);
  b.writeBigUInt64LE(supported, HEAD_LEN);
  b.writeBigUInt64LE(required, HEAD_LEN + 8);
  return b;
}

/**
 * Parse the peer's banner from the front of `q`. Returns undefined (consuming nothing) until the
 * whole banner is queued; on success consumes exactly the banner's bytes.
 *
 * Throws ERR_BANNER_MSGR1 if the peer sent the msgr1 banner, ERR_BANNER for any other prefix or a
 * payload length outside 16..4096. A wrong prefix is reported as soon as the queued bytes rule out
 * both banners (one byte can be enough).
 */
export function tryDecodeBanner(q: ByteQueue): Banner | undefined {
  const avail = q.length;
  const n = Math.min(avail, PREFIX_LEN);
  let v2 = true;
  for (let i = 0; i < n; i++) {
    if (q.byteAt(i) !== PREFIX[i]) {
      v2 = false;
      break;
    }
  }
  if (!v2) {
    // could it still be the msgr1 banner? (it shares "ceph v" with ours)
    const m = Math.min(avail, V1.length);
    for (let i = 0; i < m; i++) {
      if (q.byteAt(i) !== V1[i]) throw new MsgrError('ERR_BANNER', 'peer banner is not "ceph v2\\n"', { origin: 'remote' });
    }
    if (avail < V1.length) return undefined;
    throw new MsgrError('ERR_BANNER_MSGR1', 'peer sent the msgr1 banner "ceph v027"', { origin: 'remote' });
  }
  if (avail < HEAD_LEN) return undefined;
  const len = q.byteAt(PREFIX_LEN) | (q.byteAt(PREFIX_LEN + 1) << 8);
  if (len < BANNER_PAYLOAD_LEN || len > MAX_BANNER_PAYLOAD) {
    throw new MsgrError('ERR_BANNER', `banner payload length ${len} outside ${BANNER_PAYLOAD_LEN}..${MAX_BANNER_PAYLOAD}`, {
      origin: 'remote',
    });
  }
  if (avail < HEAD_LEN + len) return undefined;
  const raw = q.take(HEAD_LEN + len);
  return {
    supported: raw.readBigUInt64LE(HEAD_LEN),
    required: raw.readBigUInt64LE(HEAD_LEN + 8),
    raw,
  };
}
