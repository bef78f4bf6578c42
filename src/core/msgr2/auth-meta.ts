/** Auth material of one msgr2 socket, and the AUTH_SIGNATURE comparison. */
import type { Buffer } from 'node:buffer';
import { timingSafeEqual } from 'node:crypto';
import type { AuthClientHandler, AuthServerHandler } from '../auth/types.ts';

/** Constant-time comparison of two AUTH_SIGNATUREs. */
export function sigEquals(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Auth material of the current socket. */
export interface AuthMeta {
  method: number;
  conMode: number;
  sessionKey: Buffer | undefined;
  connectionSecret: Buffer | undefined;
  client: AuthClientHandler | undefined;
  server: AuthServerHandler | undefined;
  /** methods the server rejected on this connection attempt */
  rejected: Set<number>;
  /** signature we expect from the peer (HMAC of our own pre-auth bytes) */
  expectedPeerSig: Buffer | undefined;
}

export function freshAuth(): AuthMeta {
  return {
    method: 0,
    conMode: 0,
    sessionKey: undefined,
    connectionSecret: undefined,
    client: undefined,
    server: undefined,
    rejected: new Set(),
    expectedPeerSig: undefined,
  };
}
