/**
 * msgr2 frame tags (wire §3). Pacific uses 1..20; 21/22 are Quincy's compression negotiation,
 * listed so a decoder can name them (we never advertise compression, so never send them).
 */

export const Tag = {
  HELLO: 1,
  AUTH_REQUEST: 2,
  AUTH_BAD_METHOD: 3,
  AUTH_REPLY_MORE: 4,
  AUTH_REQUEST_MORE: 5,
  AUTH_DONE: 6,
  AUTH_SIGNATURE: 7,
  CLIENT_IDENT: 8,
  SERVER_IDENT: 9,
  IDENT_MISSING_FEATURES: 10,
  SESSION_RECONNECT: 11,
  SESSION_RESET: 12,
  SESSION_RETRY: 13,
  SESSION_RETRY_GLOBAL: 14,
  SESSION_RECONNECT_OK: 15,
  WAIT: 16,
  MESSAGE: 17,
  KEEPALIVE2: 18,
  KEEPALIVE2_ACK: 19,
  ACK: 20,
  COMPRESSION_REQUEST: 21,
  COMPRESSION_DONE: 22,
} as const;

export type TagName = keyof typeof Tag;
export type TagValue = (typeof Tag)[TagName];

const NAMES: string[] = [];
for (const [name, value] of Object.entries(Tag)) NAMES[value] = name;

/** Highest tag value known to this implementation. */
export const MAX_TAG = Tag.COMPRESSION_DONE;

/** True for a tag value this implementation knows (1..22). */
export function isKnownTag(tag: number): tag is TagValue {
  return Number.isInteger(tag) && tag >= 1 && tag <= MAX_TAG;
}

/** `HELLO`, `MESSAGE`, … or `TAG_<n>` for an unknown value. */
export function tagName(tag: number): string {
  return (Number.isInteger(tag) && tag >= 0 ? NAMES[tag] : undefined) ?? `TAG_${tag}`;
}
