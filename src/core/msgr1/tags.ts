/**
 * msgr1 tags (CEPH_MSGR_TAG_*, wire §5.2): the one-byte record types of the legacy protocol.
 * Values 1–5 and 10–13, 16 appear as the tag of a connect reply; 6–9, 14, 15 prefix records on an
 * open connection.
 */

export const Msgr1Tag = {
  READY: 1,
  RESETSESSION: 2,
  WAIT: 3,
  RETRY_SESSION: 4,
  RETRY_GLOBAL: 5,
  CLOSE: 6,
  MSG: 7,
  ACK: 8,
  KEEPALIVE: 9,
  BADPROTOVER: 10,
  BADAUTHORIZER: 11,
  FEATURES: 12,
  SEQ: 13,
  KEEPALIVE2: 14,
  KEEPALIVE2_ACK: 15,
  CHALLENGE_AUTHORIZER: 16,
} as const;
export type Msgr1TagValue = (typeof Msgr1Tag)[keyof typeof Msgr1Tag];

const NAMES: Record<number, string> = Object.fromEntries(Object.entries(Msgr1Tag).map(([k, v]) => [v, k]));

/** 'READY', 'MSG', …; `unknown(N)` for anything else. */
export function msgr1TagName(tag: number): string {
  return NAMES[tag] ?? `unknown(${tag})`;
}

/** Tags a server may put in a ceph_msg_connect_reply (what Ceph's client handles). */
export const CONNECT_REPLY_TAGS: ReadonlySet<number> = new Set<number>([
  Msgr1Tag.READY,
  Msgr1Tag.RESETSESSION,
  Msgr1Tag.WAIT,
  Msgr1Tag.RETRY_SESSION,
  Msgr1Tag.RETRY_GLOBAL,
  Msgr1Tag.BADPROTOVER,
  Msgr1Tag.BADAUTHORIZER,
  Msgr1Tag.FEATURES,
  Msgr1Tag.SEQ,
  Msgr1Tag.CHALLENGE_AUTHORIZER,
]);

/** ceph_msg_connect / connect_reply flags. */
export const Msgr1ConnectFlag = {
  /** CEPH_MSG_CONNECT_LOSSY: messages may be dropped (client informs; server's reply decides). */
  LOSSY: 1,
} as const;
