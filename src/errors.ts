/**
 * The one error class of ceph-msgr. Every failure that crosses a module boundary is a
 * {@link MsgrError} with a stable {@link ErrorCode}; tests assert codes, never message text.
 *
 * `origin` says who is at fault: `'local'` (our API misuse, our config, a local socket error) or
 * `'remote'` (bytes the peer sent, a refusal from the peer).
 */

/** Every error code ceph-msgr raises, grouped by layer. Keep this list sorted within a group. */
export const ERROR_CODES = {
  // --- encoding / decoding (denc) ---
  ERR_DECODE_SHORT: 'input ended before the value was complete',
  ERR_DECODE_INVALID: 'a decoded value is out of range or malformed',
  ERR_DECODE_VERSION: 'a versioned struct needs a newer decoder (struct_compat too high)',
  ERR_DECODE_TOO_LARGE: 'a length field exceeds its limit',
  ERR_ENCODE_INVALID: 'a value cannot be encoded',
  // --- msgr2 framing ---
  ERR_BANNER: 'the peer banner is not a Ceph msgr banner or requires unknown features',
  ERR_BANNER_MSGR1: 'the peer speaks msgr1 on a msgr2 port (or the other way round)',
  ERR_FRAME_PREAMBLE_CRC: 'frame preamble crc mismatch',
  ERR_FRAME_SEGMENT_CRC: 'frame segment crc mismatch',
  ERR_FRAME_INVALID: 'malformed frame (segment count, empty last segment, bad late status)',
  ERR_FRAME_TOO_LARGE: 'a frame segment exceeds the configured size limit',
  ERR_FRAME_AUTH_TAG: 'secure mode: AES-GCM authentication tag mismatch',
  ERR_FRAME_UNEXPECTED: 'a frame arrived in a state that does not allow it',
  ERR_FRAME_UNKNOWN_TAG: 'a frame carries an unknown tag',
  ERR_NONCE_EXHAUSTED: 'secure mode: nonce space exhausted',
  // --- msgr1 ---
  ERR_MSGR1_TAG: 'unknown or unexpected msgr1 tag',
  ERR_MSGR1_HEADER_CRC: 'msgr1 message header crc mismatch',
  ERR_MSGR1_DATA_CRC: 'msgr1 message payload crc mismatch',
  ERR_MSGR1_BADPROTOVER: 'peer rejected our protocol version',
  ERR_MSGR1_ABORTED: 'msgr1 message footer lacks the COMPLETE flag (sender aborted it)',
  // --- handshake / session ---
  ERR_HANDSHAKE: 'handshake failed',
  ERR_HANDSHAKE_TIMEOUT: 'handshake did not reach READY in time',
  ERR_PEER_TYPE: 'the peer is not the entity type we meant to reach',
  ERR_PEER_ADDR: 'the peer address does not match the address we dialled',
  ERR_MISSING_FEATURES: 'the peer requires features we do not support (or the other way round)',
  ERR_AUTH_BAD_METHOD: 'no common auth method / connection mode',
  ERR_AUTH_REJECTED: 'authentication rejected (bad key, unknown entity, no caps)',
  ERR_AUTH_FAILED: 'authentication protocol error',
  ERR_AUTH_SIGNATURE: 'AUTH_SIGNATURE mismatch',
  ERR_KEYRING: 'keyring missing, unreadable or without the entity',
  ERR_SESSION_RESET: 'the peer reset the session',
  ERR_CONNECTION_CLOSED: 'the connection is closed',
  ERR_CONNECTION_REFUSED: 'the peer refused the connection',
  ERR_KEEPALIVE_TIMEOUT: 'no keepalive ack from the peer in time',
  ERR_IDLE_TIMEOUT: 'the connection was idle too long',
  ERR_SOCKET: 'socket error',
  ERR_INJECTED: 'fault injected for testing',
  // --- messages ---
  ERR_MESSAGE_UNKNOWN_TYPE: 'no codec for this message type',
  ERR_MESSAGE_DECODE: 'message payload could not be decoded',
  ERR_MESSAGE_TOO_LARGE: 'message exceeds the size limit',
  // --- messenger lifecycle / API ---
  ERR_ALREADY_STARTED: 'the messenger is already started',
  ERR_NOT_STARTED: 'the messenger is not started',
  ERR_STOPPED: 'the messenger is shut down',
  ERR_BIND: 'could not bind any port in the allowed range',
  ERR_INVALID_ARG: 'invalid argument',
  ERR_QUEUE_FULL: 'a bounded queue is full',
  ERR_TIMEOUT: 'operation timed out',
  ERR_ABORTED: 'operation aborted',
  // --- config / CLI / mon client ---
  ERR_CONFIG: 'invalid configuration',
  ERR_NO_MON: 'no monitor reachable',
  ERR_MON_COMMAND: 'the monitor returned an error for a command',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface MsgrErrorOptions {
  origin?: 'local' | 'remote';
  cause?: unknown;
  /** errno-style number (negative, Linux numbering) where the peer gave one, e.g. -13 EACCES */
  errno?: number;
}

const BRAND = Symbol.for('ceph-msgr.MsgrError');

export class MsgrError extends Error {
  readonly code: ErrorCode;
  readonly origin: 'local' | 'remote';
  readonly errno: number | undefined;

  constructor(code: ErrorCode, message?: string, opts: MsgrErrorOptions = {}) {
    super(message ?? ERROR_CODES[code], opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'MsgrError';
    this.code = code;
    this.origin = opts.origin ?? 'local';
    this.errno = opts.errno;
    (this as unknown as Record<symbol, boolean>)[BRAND] = true;
  }

  override toString(): string {
    return `MsgrError[${this.code}]: ${this.message}`;
  }
}

/** True for a MsgrError from any copy of this package. */
export function isMsgrError(e: unknown): e is MsgrError {
  return typeof e === 'object' && e !== null && (e as Record<symbol, unknown>)[BRAND] === true;
}

/** Wrap anything thrown into a MsgrError (keeps MsgrErrors as they are). */
export function toMsgrError(e: unknown, code: ErrorCode = 'ERR_SOCKET'): MsgrError {
  if (isMsgrError(e)) return e;
  const msg = e instanceof Error ? e.message : String(e);
  return new MsgrError(code, msg, { cause: e });
}

/** Throw helper usable in expression position. */
export function fail(code: ErrorCode, message?: string, opts?: MsgrErrorOptions): never {
  throw new MsgrError(code, message, opts);
}

/** Linux errno values that appear on the wire. */
export const Errno = {
  EPERM: 1,
  ENOENT: 2,
  EIO: 5,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  EINVAL: 22,
  ETIMEDOUT: 110,
  EOPNOTSUPP: 95,
  ECONNREFUSED: 111,
} as const;
