/**
 * AUTH_SIGNATURE (wire §3.2): HMAC-SHA256 keyed with the session key over the exact bytes the
 * *peer* sent before (and including) AUTH_DONE — banners and frames. With no session key (auth
 * none) the signature is 32 zero bytes.
 */
import { Buffer } from 'node:buffer';
import { createHmac, timingSafeEqual } from 'node:crypto';

export const AUTH_SIGNATURE_LEN = 32;

/** HMAC-SHA256(sessionKey, concat(bytes)); 32 zero bytes without a (non-empty) session key. */
export function authSignature(sessionKey: Buffer | undefined, bytes: readonly Uint8Array[]): Buffer {
  if (!sessionKey || sessionKey.length === 0) return Buffer.alloc(AUTH_SIGNATURE_LEN);
  const h = createHmac('sha256', sessionKey);
  for (const b of bytes) h.update(b);
  return h.digest();
}

/** Constant-time check of a received signature against our own transcript. */
export function verifyAuthSignature(sessionKey: Buffer | undefined, bytes: readonly Uint8Array[], signature: Uint8Array): boolean {
  if (signature.length !== AUTH_SIGNATURE_LEN) return false;
  return timingSafeEqual(authSignature(sessionKey, bytes), signature);
}
