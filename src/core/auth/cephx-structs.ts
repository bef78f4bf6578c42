/**
 * cephx wire structures (src/auth/cephx/CephxProtocol.h, src/auth/Auth.h) and their denc.
 * Encrypted parts are produced/opened with the envelope helpers of cephx-crypto.ts.
 *
 * Decoders throw ERR_DECODE_* (from Reader) or the given code; the handlers wrap them.
 */
import { Buffer } from 'node:buffer';
import { MsgrError, type ErrorCode } from '../../errors.ts';
import { Reader } from '../../encoding/reader.ts';
import { encode, type Writer } from '../../encoding/writer.ts';
import { decodeEntityName, encodeEntityName, type EntityName } from '../../encoding/types/entity-name.ts';
import { decodeUTime, encodeUTime, utimeFromMs, type UTime } from '../../encoding/types/utime.ts';
import { decryptEnvelope, encryptEnvelope, readEncrypted, writeEncrypted } from './cephx-crypto.ts';
import { readCryptoKey, writeCryptoKey, type CryptoKey } from './keyring.ts';

export const CephxRequest = {
  GET_AUTH_SESSION_KEY: 0x0100,
  GET_PRINCIPAL_SESSION_KEY: 0x0200,
  GET_ROTATING_KEY: 0x0400,
} as const;

/** secret_id meaning "the service's own long-term key" (e.g. the `mon.` key for mon↔mon). */
export const SECRET_ID_GENERAL = 0xffffffffffffffffn;
/** CEPH_AUTH_UID_DEFAULT, encoded in AuthTicket v2 as the obsolete auid. */
const AUID_DEFAULT = 0xffffffffffffffffn;

// --- CephXServerChallenge / CephXAuthorizeChallenge: u8 1, le64 challenge ---------------------

export function encodeChallenge(challenge: bigint): Buffer {
  return encode((w) => w.u8(1).u64(challenge), 9);
}
export function decodeChallenge(b: Buffer): bigint {
  const r = new Reader(b);
  r.u8();
  return r.u64();
}

// --- CephXTicketBlob ------------------------------------------------------------------------

export interface TicketBlob {
  secretId: bigint;
  /** opaque to clients: encrypted CephXServiceTicketInfo */
  blob: Buffer;
}
export const EMPTY_TICKET: TicketBlob = Object.freeze({ secretId: 0n, blob: Buffer.alloc(0) });

export function writeTicketBlob(w: Writer, t: TicketBlob): void {
  w.u8(1).u64(t.secretId).blob(t.blob);
}
export function readTicketBlob(r: Reader): TicketBlob {
  r.u8();
  const secretId = r.u64();
  const blob = r.blob();
  return { secretId, blob };
}

// --- CephXAuthenticate (client → mon, GET_AUTH_SESSION_KEY) ----------------------------------

export interface CephxAuthenticate {
  structV: number;
  clientChallenge: bigint;
  key: bigint;
  oldTicket: TicketBlob;
  otherKeys: number;
}
export function writeAuthenticate(w: Writer, a: CephxAuthenticate): void {
  w.u8(a.structV).u64(a.clientChallenge).u64(a.key);
  writeTicketBlob(w, a.oldTicket);
  if (a.structV >= 2) w.u32(a.otherKeys);
}
export function readAuthenticate(r: Reader): CephxAuthenticate {
  const structV = r.u8();
  const clientChallenge = r.u64();
  const key = r.u64();
  const oldTicket = readTicketBlob(r);
  const otherKeys = structV >= 2 ? r.u32() : 0;
  return { structV, clientChallenge, key, oldTicket, otherKeys };
}

// --- AuthTicket / CephXServiceTicketInfo (inside the opaque ticket) ---------------------------

export interface AuthCapsInfo {
  allowAll: boolean;
  /** encoded caps (Ceph puts an encoded std::string here) */
  caps: Buffer;
}
export interface AuthTicket {
  name: EntityName;
  globalId: bigint;
  created: UTime;
  expires: UTime;
  caps: AuthCapsInfo;
  flags: number;
}
export interface ServiceTicketInfo {
  ticket: AuthTicket;
  sessionKey: CryptoKey;
}

export function writeAuthTicket(w: Writer, t: AuthTicket): void {
  w.u8(2);
  encodeEntityName(w, t.name);
  w.u64(t.globalId).u64(AUID_DEFAULT);
  encodeUTime(w, t.created);
  encodeUTime(w, t.expires);
  w.u8(1).u8(t.caps.allowAll ? 1 : 0).blob(t.caps.caps);
  w.u32(t.flags);
}
export function readAuthTicket(r: Reader): AuthTicket {
  const v = r.u8();
  const name = decodeEntityName(r);
  const globalId = r.u64();
  if (v >= 2) r.u64(); // old auid
  const created = decodeUTime(r);
  const expires = decodeUTime(r);
  r.u8();
  const allowAll = r.u8() !== 0;
  const caps = r.blob();
  const flags = r.u32();
  return { name, globalId, created, expires, caps: { allowAll, caps }, flags };
}

/** The opaque ticket: envelope{u8 1, AuthTicket, CryptoKey} under the service secret. */
export function sealTicket(serviceSecret: Buffer, info: ServiceTicketInfo): Buffer {
  const body = encode((w) => {
    w.u8(1);
    writeAuthTicket(w, info.ticket);
    writeCryptoKey(w, info.sessionKey);
  }, 160);
  return encryptEnvelope(serviceSecret, body);
}
/** Open an opaque ticket with the service secret (wrong key → `badKeyCode`). */
export function openTicket(serviceSecret: Buffer, blob: Buffer, badKeyCode: ErrorCode = 'ERR_AUTH_FAILED'): ServiceTicketInfo {
  const r = new Reader(decryptEnvelope(serviceSecret, blob, badKeyCode));
  r.u8();
  const ticket = readAuthTicket(r);
  const sessionKey = readCryptoKey(r);
  return { ticket, sessionKey };
}

/** Caps blob the way Ceph stores them: an encoded std::string. */
export function encodeCapsString(s: string): Buffer {
  return encode((w) => w.string(s), 8 + s.length);
}

// --- service ticket reply (CephXServiceTicket "msg_a" + ticket blob, per service) -------------

export interface ServiceTicketGrant {
  serviceId: number;
  sessionKey: CryptoKey;
  /** validity in seconds (utime) */
  validity: UTime;
  ticket: TicketBlob;
}

/**
 * `cephx_build_service_ticket_reply`: u8 1, le32 n, then per service: le32 service_id, u8 1,
 * blob enc{u8 1, CryptoKey session_key, utime validity} under `principalSecret`, u8 encrypted,
 * then the ticket blob — wrapped in a blob, itself encrypted under `ticketKey` when given.
 */
export function writeServiceTicketReply(w: Writer, principalSecret: Buffer, grants: readonly ServiceTicketGrant[], ticketKey?: Buffer): void {
  w.u8(1).u32(grants.length);
  for (const g of grants) {
    w.u32(g.serviceId).u8(1);
    writeEncrypted(
      w,
      principalSecret,
      encode((x) => {
        x.u8(1);
        writeCryptoKey(x, g.sessionKey);
        encodeUTime(x, g.validity);
      }, 48),
    );
    const tbl = encode((x) => writeTicketBlob(x, g.ticket), 16 + g.ticket.blob.length);
    w.u8(ticketKey ? 1 : 0);
    if (ticketKey) writeEncrypted(w, ticketKey, encode((x) => x.blob(tbl), tbl.length + 4));
    else w.blob(tbl);
  }
}

/**
 * Inverse of {@link writeServiceTicketReply}. `oldSessionKey(serviceId)` supplies the key for
 * tickets sent encrypted (renewal of the AUTH ticket: the previous session key). A wrong
 * principal secret raises `badKeyCode`.
 */
export function readServiceTicketReply(
  r: Reader,
  principalSecret: Buffer,
  oldSessionKey: (serviceId: number) => Buffer | undefined = () => undefined,
  badKeyCode: ErrorCode = 'ERR_AUTH_FAILED',
): ServiceTicketGrant[] {
  r.u8();
  const n = r.len32(9);
  const out: ServiceTicketGrant[] = [];
  for (let i = 0; i < n; i++) {
    const serviceId = r.u32();
    r.u8();
    const a = new Reader(readEncrypted(r, principalSecret, badKeyCode));
    a.u8();
    const sessionKey = readCryptoKey(a);
    const validity = decodeUTime(a);
    const enc = r.u8() !== 0;
    let tr: Reader;
    if (enc) {
      const k = oldSessionKey(serviceId);
      if (!k) throw new MsgrError('ERR_AUTH_FAILED', `encrypted ticket for service ${serviceId} but no previous session key`, { origin: 'remote' });
      tr = new Reader(new Reader(readEncrypted(r, k, badKeyCode)).blob());
    } else {
      tr = new Reader(r.blob());
    }
    const ticket = readTicketBlob(tr);
    out.push({ serviceId, sessionKey, validity, ticket });
  }
  return out;
}

// --- authorizer (client → service) ----------------------------------------------------------

export interface CephxAuthorize {
  nonce: bigint;
  haveChallenge: boolean;
  serverChallengePlusOne: bigint;
}

/** The authorizer's clear part: u8 1, le64 global_id, le32 service_id, CephXTicketBlob. */
export function encodeAuthorizerBase(globalId: bigint, serviceId: number, ticket: TicketBlob): Buffer {
  return encode((w) => {
    w.u8(1).u64(globalId).u32(serviceId);
    writeTicketBlob(w, ticket);
  }, 32 + ticket.blob.length);
}

/** base + blob enc{u8 2, le64 nonce, u8 have_challenge, le64 server_challenge+1} */
export function encodeAuthorizer(base: Buffer, sessionKey: Buffer, a: CephxAuthorize): Buffer {
  return encode((w) => {
    w.bytes(base);
    writeEncrypted(
      w,
      sessionKey,
      encode((x) => x.u8(2).u64(a.nonce).u8(a.haveChallenge ? 1 : 0).u64(a.serverChallengePlusOne), 18),
    );
  }, base.length + 48);
}

export interface AuthorizerHead {
  globalId: bigint;
  serviceId: number;
  ticket: TicketBlob;
}
export function readAuthorizerHead(r: Reader): AuthorizerHead {
  r.u8();
  const globalId = r.u64();
  const serviceId = r.u32();
  const ticket = readTicketBlob(r);
  return { globalId, serviceId, ticket };
}
/** The encrypted CephXAuthorize that follows the head. */
export function readAuthorize(r: Reader, sessionKey: Buffer): CephxAuthorize {
  const a = new Reader(readEncrypted(r, sessionKey));
  const v = a.u8();
  const nonce = a.u64();
  if (v < 2) return { nonce, haveChallenge: false, serverChallengePlusOne: 0n };
  const haveChallenge = a.u8() !== 0;
  const serverChallengePlusOne = a.u64();
  return { nonce, haveChallenge, serverChallengePlusOne };
}

/** CephXAuthorizeReply: v1 {nonce+1}, v2 adds the connection secret (string). As a blob. */
export function encodeAuthorizeReply(sessionKey: Buffer, noncePlusOne: bigint, connectionSecret?: Buffer): Buffer {
  const body = encode((w) => {
    const v2 = connectionSecret !== undefined && connectionSecret.length > 0;
    w.u8(v2 ? 2 : 1).u64(noncePlusOne);
    if (v2) w.blob(connectionSecret);
  }, 80);
  return encode((w) => writeEncrypted(w, sessionKey, body), body.length + 24);
}
export function decodeAuthorizeReply(payload: Buffer, sessionKey: Buffer): { noncePlusOne: bigint; connectionSecret?: Buffer } {
  const r = new Reader(payload);
  const a = new Reader(readEncrypted(r, sessionKey, 'ERR_AUTH_REJECTED'));
  const v = a.u8();
  const noncePlusOne = a.u64();
  if (v >= 2) return { noncePlusOne, connectionSecret: a.blob() };
  return { noncePlusOne };
}

// --- issuing ----------------------------------------------------------------------------------

export interface GrantParams {
  serviceId: number;
  /** key the opaque ticket is sealed with (rotating service secret, or the general `<type>.` key) */
  serviceSecret: Buffer;
  secretId: bigint;
  /** the principal the ticket speaks for, and its global_id */
  name: EntityName;
  globalId: bigint;
  caps?: AuthCapsInfo;
  /** issue time (ms) and time to live (seconds) */
  nowMs: number;
  ttlSec: number;
  /** fresh 16-byte session key for this ticket */
  sessionSecret: Buffer;
}

/** Build a ticket grant (KeyServer::_build_session_auth_info + cephx_build_service_ticket_blob). */
export function grantTicket(p: GrantParams): ServiceTicketGrant {
  const created = utimeFromMs(p.nowMs);
  const expires = utimeFromMs(p.nowMs + p.ttlSec * 1000);
  const sessionKey: CryptoKey = { type: 1, created, secret: p.sessionSecret };
  const blob = sealTicket(p.serviceSecret, {
    ticket: {
      name: p.name,
      globalId: p.globalId,
      created,
      expires,
      caps: p.caps ?? { allowAll: false, caps: Buffer.alloc(0) },
      flags: 0,
    },
    sessionKey,
  });
  return {
    serviceId: p.serviceId,
    sessionKey,
    validity: { sec: Math.floor(p.ttlSec) >>> 0, nsec: Math.round((p.ttlSec - Math.floor(p.ttlSec)) * 1e9) >>> 0 },
    ticket: { secretId: p.secretId, blob },
  };
}

/**
 * Server side of `cephx_verify_authorizer` up to the CephXAuthorize: read the head, find the
 * service secret, open the ticket, check the declared global_id, open the CephXAuthorize with the
 * ticket's session key. Returns undefined when the secret is unknown or the global_id does not
 * match; throws (MsgrError) on malformed input or a wrong key.
 */
export function openAuthorizer(
  r: Reader,
  getServiceSecret: (serviceId: number, secretId: bigint) => Buffer | undefined,
): { head: AuthorizerHead; info: ServiceTicketInfo; authorize: CephxAuthorize } | undefined {
  const head = readAuthorizerHead(r);
  const secret = getServiceSecret(head.serviceId, head.ticket.secretId);
  if (!secret || secret.length < 16 || head.ticket.blob.length === 0) return undefined;
  const info = openTicket(secret, head.ticket.blob);
  if (info.ticket.globalId !== head.globalId) return undefined;
  const authorize = readAuthorize(r, info.sessionKey.secret);
  return { head, info, authorize };
}
