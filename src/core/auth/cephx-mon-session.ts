/**
 * cephx mon mode, server side (Ceph's CephxServiceHandler as driven by Monitor /
 * AuthMonitor): one session per client connection.
 *
 *   start: decode {u8 10, EntityName, le64 global_id}; assign a global_id when 0; reply with
 *          CephXServerChallenge (random, non-zero).
 *   GET_AUTH_SESSION_KEY (0x0100): check the client's challenge key against its keyring secret,
 *          apply the global_id reclaim rules (§6.8), issue the AUTH ticket (+ connection secret in
 *          cbl + requested service tickets when other_keys != 0), require non-empty mon caps.
 *   GET_PRINCIPAL_SESSION_KEY (0x0200, MAuth only): verify the AUTH authorizer (no challenge),
 *          issue the requested service tickets under the AUTH session key.
 *
 * Errors are negative errnos as Ceph returns them: −EPERM undecodable request, −EACCES unknown
 * entity / wrong key / bad reclaim / no mon caps, −EINVAL superfluous ticket, −EIO no AUTH secret.
 */
import { Buffer } from 'node:buffer';
import { Errno, isMsgrError } from '../../errors.ts';
import { Reader } from '../../encoding/reader.ts';
import { encode, type Writer } from '../../encoding/writer.ts';
import { EntityType, decodeEntityName, entityTypeName, type EntityName } from '../../encoding/types/entity-name.ts';
import { cephxChallengeKey, writeEncrypted } from './cephx-crypto.ts';
import {
  CephxRequest,
  encodeCapsString,
  encodeChallenge,
  grantTicket,
  openAuthorizer,
  openTicket,
  readAuthenticate,
  writeServiceTicketReply,
  type AuthTicket,
  type CephxAuthenticate,
  type ServiceTicketGrant,
} from './cephx-structs.ts';
import { AuthMode, connectionSecretLength, type AuthResult, type AuthServerStep, type RandomBytes } from './types.ts';

export interface CephxMonKeys {
  /** the auth database entry of an entity (key + caps), if known */
  lookup(name: EntityName): { key: Buffer; caps: Record<string, string> } | undefined;
  /** the rotating secret new tickets for a service are sealed with */
  currentServiceSecret(serviceId: number): { secretId: bigint; secret: Buffer } | undefined;
}

export interface CephxMonOptions {
  keys: CephxMonKeys;
  /** allocates a fresh global_id for a client that sent 0 */
  nextGlobalId(): bigint;
  /** auth_mon_ticket_ttl (s), default 72 h */
  authTicketTtl?: number;
  /** auth_service_ticket_ttl (s), default 1 h */
  serviceTicketTtl?: number;
  /** auth_allow_insecure_global_id_reclaim (Pacific default true): lets legacy (v1/v2) clients reclaim without a ticket */
  allowInsecureGlobalIdReclaim?: boolean;
}

interface SessionDeps extends CephxMonOptions {
  random: RandomBytes;
  now: () => number;
  getServiceSecret(serviceId: number, secretId: bigint): Buffer | undefined;
}

type GlobalIdStatus = 'new_pending' | 'reclaim_pending' | 'ok';

/** Result of one request: negative errno, or the reply (and, for 0x0100, the auth result). */
export type MonRequestOutcome = { errno: number } | { errno: 0; payload: Buffer; result?: AuthResult };

export class CephxMonSession {
  name: EntityName | undefined;
  globalId = 0n;
  /** after success: the entity's caps from the keyring */
  peerCaps: Record<string, string> | undefined;
  private serverChallenge = 0n;
  private status: GlobalIdStatus = 'new_pending';
  private phase: 'init' | 'challenged' | 'done' = 'init';

  constructor(private readonly d: SessionDeps) {}

  /** AUTH_REQUEST in mon mode: {u8 10..19, EntityName, le64 global_id}. */
  start(payload: Buffer): AuthServerStep {
    let name: EntityName;
    let globalId: bigint;
    try {
      const r = new Reader(payload);
      const mode = r.u8();
      if (mode < AuthMode.MON || mode > AuthMode.MON_MAX) return { kind: 'error', errno: -Errno.EACCES };
      name = decodeEntityName(r);
      globalId = r.u64();
    } catch (e) {
      if (!isMsgrError(e)) throw e;
      return { kind: 'error', errno: -Errno.EACCES };
    }
    return this.startWith(name, globalId);
  }

  /** Start for a known identity (msgr1: from the first MAuth). Returns the challenge. */
  startWith(name: EntityName, globalId: bigint): AuthServerStep {
    if (this.phase !== 'init') return { kind: 'error', errno: -Errno.EACCES };
    this.name = name;
    if (globalId === 0n) {
      this.globalId = this.d.nextGlobalId();
      this.status = 'new_pending';
    } else {
      this.globalId = globalId;
      this.status = 'reclaim_pending';
    }
    let c = 0n;
    for (let i = 0; i < 8 && c === 0n; i++) c = this.d.random(8).readBigUInt64LE(0);
    this.serverChallenge = c === 0n ? 1n : c;
    this.phase = 'challenged';
    return { kind: 'more', payload: encodeChallenge(this.serverChallenge) };
  }

  /** AUTH_REQUEST_MORE (msgr2): must be GET_AUTH_SESSION_KEY; finishes the exchange. */
  handle(payload: Buffer, conMode: number): AuthServerStep {
    if (this.phase !== 'challenged') return { kind: 'error', errno: -Errno.EACCES };
    const out = this.request(payload, connectionSecretLength(conMode), true);
    this.phase = 'done';
    if (out.errno !== 0 || !('payload' in out) || !out.result) return { kind: 'error', errno: out.errno || -Errno.EACCES };
    return this.name
      ? { kind: 'done', payload: out.payload, result: out.result, peerName: this.name }
      : { kind: 'done', payload: out.payload, result: out.result };
  }

  /**
   * A later MAuth request (msgr1 authentication after the challenge, or renewals on an
   * established session). No connection secret (cbl stays empty), as on msgr1.
   */
  handleMAuth(payload: Buffer): MonRequestOutcome {
    if (this.phase === 'init') return { errno: -Errno.EACCES };
    const out = this.request(payload, undefined, false);
    if (out.errno === 0 && 'payload' in out && out.result) this.phase = 'done';
    return out;
  }

  private request(payload: Buffer, secretLen: number | undefined, handshake: boolean): MonRequestOutcome {
    let r: Reader;
    let type: number;
    try {
      r = new Reader(payload);
      type = r.u16();
    } catch {
      return { errno: -Errno.EPERM };
    }
    if (type === CephxRequest.GET_AUTH_SESSION_KEY) {
      let req: CephxAuthenticate;
      try {
        req = readAuthenticate(r);
      } catch {
        return { errno: -Errno.EPERM };
      }
      return this.authSessionKey(req, secretLen);
    }
    if (type === CephxRequest.GET_PRINCIPAL_SESSION_KEY && !handshake && this.phase === 'done') return this.principalSessionKey(r);
    return { errno: -Errno.EINVAL };
  }

  private authSessionKey(req: CephxAuthenticate, secretLen: number | undefined): MonRequestOutcome {
    const name = this.name!;
    const entry = this.d.keys.lookup(name);
    if (!entry) return { errno: -Errno.EACCES };
    if (this.serverChallenge === 0n) return { errno: -Errno.EACCES };
    if (cephxChallengeKey(entry.key, this.serverChallenge, req.clientChallenge) !== req.key) return { errno: -Errno.EACCES };

    // global_id reclaim (CephxServiceHandler::verify_old_ticket)
    const legacy = req.structV < 3;
    const insecureOk = (this.d.allowInsecureGlobalIdReclaim ?? true) && legacy;
    let oldSessionKey: Buffer | undefined;
    if (this.status === 'new_pending') {
      if (req.oldTicket.blob.length > 0) return { errno: -Errno.EINVAL };
    } else if (req.oldTicket.blob.length === 0) {
      if (!insecureOk) return { errno: -Errno.EACCES };
    } else {
      let old: { ticket: AuthTicket; key: Buffer } | undefined;
      try {
        const secret = this.d.getServiceSecret(EntityType.AUTH, req.oldTicket.secretId);
        if (secret) {
          const info = openTicket(secret, req.oldTicket.blob);
          old = { ticket: info.ticket, key: info.sessionKey.secret };
        }
      } catch (e) {
        if (!isMsgrError(e)) throw e;
      }
      if (!old || old.ticket.globalId !== this.globalId) {
        if (!insecureOk) return { errno: -Errno.EACCES };
      } else {
        oldSessionKey = old.key;
      }
    }

    const authSecret = this.d.keys.currentServiceSecret(EntityType.AUTH);
    if (!authSecret) return { errno: -Errno.EIO };
    const monCaps = entry.caps['mon'];
    if (monCaps === undefined || monCaps === '') return { errno: -Errno.EACCES };

    const nowMs = this.d.now();
    const authGrant = grantTicket({
      serviceId: EntityType.AUTH,
      serviceSecret: authSecret.secret,
      secretId: authSecret.secretId,
      name,
      globalId: this.globalId,
      nowMs,
      ttlSec: this.d.authTicketTtl ?? 72 * 3600,
      sessionSecret: this.d.random(16),
    });
    const sessionKey = authGrant.sessionKey.secret;
    let connectionSecret: Buffer | undefined;
    const payload = encode((w) => {
      w.u16(CephxRequest.GET_AUTH_SESSION_KEY).s32(0);
      writeServiceTicketReply(w, entry.key, [authGrant], oldSessionKey);
      if (req.otherKeys !== 0) {
        // nautilus+ client: connection secret and the other tickets in the same reply
        if (secretLen === undefined) w.u32(0);
        else {
          connectionSecret = Buffer.from(this.d.random(secretLen));
          const s = connectionSecret;
          w.blob(encode((x) => writeEncrypted(x, sessionKey, encode((y) => y.blob(s), s.length + 4)), 128));
        }
        const grants = this.serviceGrants(req.otherKeys & ~EntityType.AUTH, name, this.globalId, entry.caps, nowMs);
        w.blob(grants.length > 0 ? encode((x) => writeServiceTicketReply(x, sessionKey, grants), 256) : Buffer.alloc(0));
      }
    }, 512);
    this.status = 'ok';
    this.peerCaps = entry.caps;
    const result: AuthResult = { globalId: this.globalId, sessionKey: Buffer.from(sessionKey) };
    if (connectionSecret && connectionSecret.length > 0) result.connectionSecret = connectionSecret;
    return { errno: 0, payload, result };
  }

  private principalSessionKey(r: Reader): MonRequestOutcome {
    let keys: number;
    let parent: AuthTicket;
    let authKey: Buffer;
    try {
      const opened = openAuthorizer(r, this.d.getServiceSecret);
      if (!opened) return { errno: -Errno.EACCES };
      parent = opened.info.ticket;
      authKey = opened.info.sessionKey.secret;
      r.u8();
      keys = r.u32();
    } catch (e) {
      if (!isMsgrError(e)) throw e;
      return { errno: -Errno.EACCES };
    }
    const entry = this.d.keys.lookup(parent.name);
    const grants = this.serviceGrants(keys & ~EntityType.AUTH, parent.name, parent.globalId, entry?.caps ?? {}, this.d.now());
    const status = grants.length === 0 && (keys & ~EntityType.AUTH) !== 0 ? -Errno.EACCES : 0;
    const payload = encode((w: Writer) => {
      w.u16(CephxRequest.GET_PRINCIPAL_SESSION_KEY).s32(status);
      writeServiceTicketReply(w, authKey, grants);
    }, 512);
    return { errno: 0, payload };
  }

  /** Tickets for each requested service we hold a rotating secret for (bit order, like Ceph). */
  private serviceGrants(mask: number, name: EntityName, globalId: bigint, caps: Record<string, string>, nowMs: number): ServiceTicketGrant[] {
    const out: ServiceTicketGrant[] = [];
    for (let svc = 1; svc <= mask && svc !== 0; svc = (svc << 1) >>> 0) {
      if (!(mask & svc)) continue;
      const s = this.d.keys.currentServiceSecret(svc);
      if (!s) continue;
      const capStr = svc === EntityType.MON ? undefined : caps[entityTypeName(svc)];
      out.push(
        grantTicket({
          serviceId: svc,
          serviceSecret: s.secret,
          secretId: s.secretId,
          name,
          globalId,
          caps: { allowAll: false, caps: capStr !== undefined ? encodeCapsString(capStr) : Buffer.alloc(0) },
          nowMs,
          ttlSec: this.d.serviceTicketTtl ?? 3600,
          sessionSecret: this.d.random(16),
        }),
      );
    }
    return out;
  }
}
