/**
 * Contracts between the handshake state machines (msgr2 AUTH_* frames, msgr1 MAuth) and the auth
 * methods (none, cephx). Everything here is sans-IO: handlers take payload bytes and return
 * payload bytes; randomness and time are injected by whoever constructs a client/server.
 *
 * Wire §6.1 (methods, modes), §6.2 (mon mode vs authorizer mode).
 */
import type { Buffer } from 'node:buffer';
import type { EntityName } from '../../encoding/types/entity-name.ts';

export const AuthMethod = { UNKNOWN: 0, NONE: 1, CEPHX: 2, GSS: 4 } as const;
export const ConMode = { UNKNOWN: 0, CRC: 1, SECURE: 2 } as const;

/** First byte of an AUTH_REQUEST payload (wire §6.2). */
export const AuthMode = {
  AUTHORIZER: 1,
  AUTHORIZER_MAX: 9,
  MON: 10,
  MON_MAX: 19,
} as const;

/** Length of the connection secret a server generates in secure mode (wire §3.3). */
export const CONNECTION_SECRET_LEN = 64;
/** Bytes of the connection secret secure mode actually uses (key 16 + two 12-byte nonces). */
export const CONNECTION_SECRET_MIN = 40;

/** Injected randomness: returns n fresh random bytes. */
export type RandomBytes = (n: number) => Buffer;

export interface AuthResult {
  globalId: bigint;
  /** 16-byte secret, for the AUTH_SIGNATURE HMAC (absent for auth none) */
  sessionKey?: Buffer;
  /** 64 bytes in secure mode */
  connectionSecret?: Buffer;
}

/** One per connection attempt, client side. */
export interface AuthClientHandler {
  readonly method: number;
  /** AUTH_REQUEST auth_payload */
  initialPayload(): Buffer;
  /** AUTH_REPLY_MORE payload -> AUTH_REQUEST_MORE payload */
  handleMore(payload: Buffer): Buffer;
  /** AUTH_DONE */
  handleDone(globalId: bigint, conMode: number, payload: Buffer): AuthResult;
}

export interface AuthClient {
  /** methods to offer to a peer of this entity type, in preference order */
  methods(peerType: number): number[];
  /** preferred connection modes for (peerType, method), in preference order (none → [CRC] only) */
  modes(peerType: number, method: number): number[];
  /** start one exchange; `toMon` selects mon mode (payload starts with u8 10) vs authorizer mode */
  start(method: number, peerType: number, opts: { toMon: boolean; globalId: bigint }): AuthClientHandler;
}

export type AuthServerStep =
  | { kind: 'done'; payload: Buffer; result: AuthResult; peerName?: EntityName }
  | { kind: 'more'; payload: Buffer }
  | { kind: 'error'; errno: number /* negative, e.g. -13 */ };

/** Called for AUTH_REQUEST, then for each AUTH_REQUEST_MORE. */
export interface AuthServerHandler {
  handle(payload: Buffer, conMode: number): AuthServerStep;
}

export interface AuthServer {
  allowedMethods(peerType: number): number[];
  allowedModes(peerType: number, method: number): number[];
  start(method: number, peerType: number): AuthServerHandler;
}

/**
 * Server-side mode choice (wire §6.1): the first mode of the client's preference list that the
 * server allows; undefined when there is none (→ AUTH_BAD_METHOD −EOPNOTSUPP).
 */
export function pickConMode(clientPreferred: readonly number[], serverAllowed: readonly number[]): number | undefined {
  for (const m of clientPreferred) if (serverAllowed.includes(m)) return m;
  return undefined;
}

/** Connection secret length a server must generate for a mode (0 in crc mode). */
export function connectionSecretLength(conMode: number): number {
  return conMode === ConMode.SECURE ? CONNECTION_SECRET_LEN : 0;
}
