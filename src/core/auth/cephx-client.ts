/**
 * cephx, client side (Ceph's CephxClientHandler + CephXTicketManager + CephXAuthorizer).
 *
 *  - mon mode (wire §6.5): AUTH_REQUEST {u8 10, EntityName, le64 global_id} → AUTH_REPLY_MORE
 *    server challenge → AUTH_REQUEST_MORE {0x0100, CephXAuthenticate v3} → AUTH_DONE ticket reply
 *    (+ connection secret + extra service tickets). The same handler serves msgr1 MAuth (§6.9).
 *  - authorizer mode (wire §6.6): authorizer built from a stored service ticket; one challenge
 *    round; AUTH_DONE CephXAuthorizeReply with nonce+1 (+ connection secret in secure mode).
 *  - global_id reclaim (§6.8): a non-zero global_id goes with the previous AUTH ticket.
 *  - renewal (§6.7): MAuth GET_AUTH_SESSION_KEY / GET_PRINCIPAL_SESSION_KEY payloads + replies.
 *
 * Errors: refusals and wrong keys → ERR_AUTH_REJECTED (with errno); malformed replies and
 * protocol misuse → ERR_AUTH_FAILED.
 */
import { Buffer } from 'node:buffer';
import { Errno, MsgrError, isMsgrError } from '../../errors.ts';
import { Reader } from '../../encoding/reader.ts';
import { encode } from '../../encoding/writer.ts';
import { EntityType, encodeEntityName, type EntityName } from '../../encoding/types/entity-name.ts';
import { cephxChallengeKey, decryptEnvelope, readEncrypted } from './cephx-crypto.ts';
import {
  CephxRequest,
  EMPTY_TICKET,
  SECRET_ID_GENERAL,
  decodeAuthorizeReply,
  decodeChallenge,
  encodeAuthorizer,
  encodeAuthorizerBase,
  grantTicket,
  readServiceTicketReply,
  writeAuthenticate,
  type ServiceTicketGrant,
} from './cephx-structs.ts';
import { CephxTicketStore, type CephxTicket } from './cephx-tickets.ts';
import { encodeMAuthInitial } from './mauth.ts';
import {
  AuthMethod,
  AuthMode,
  ConMode,
  CONNECTION_SECRET_MIN,
  type AuthClient,
  type AuthClientHandler,
  type AuthResult,
  type RandomBytes,
} from './types.ts';

/** librados asks for AUTH|MGR|OSD|MON tickets at login. */
export const DEFAULT_WANT_KEYS = EntityType.AUTH | EntityType.MGR | EntityType.OSD | EntityType.MON;
/** auth_service_ticket_ttl: lifetime of self-issued mon↔mon tickets (s). */
const SELF_TICKET_TTL = 3600;

export interface CephxClientOptions {
  /** our auth identity, e.g. client.admin */
  name: EntityName;
  /** our long-term secret (16 bytes, from the keyring) */
  secret: Buffer;
  random: RandomBytes;
  /** the clock, ms */
  now: () => number;
  /** services to ask tickets for (other_keys); default 0x35 = AUTH|MGR|OSD|MON like librados */
  wantKeys?: number;
  /** modes to offer a mon (ms_mon_client_mode, default secure, crc) */
  monModes?: number[];
  /** modes to offer other daemons (ms_client_mode, default crc, secure) */
  serviceModes?: number[];
  /** CephXAuthenticate struct version to send (default 3; 1 and 2 are "legacy", §6.8) */
  authenticateVersion?: number;
  /**
   * Daemons only: the general key of our own entity type (the `mon.` key for a monitor). With it,
   * authorizers towards peers of that type are built from tickets we issue ourselves with
   * secret_id = −1 and global_id 0, as ceph-mon does for mon↔mon (see cephx-server.ts); such
   * peers are always authenticated in authorizer mode, whatever `toMon` says.
   */
  selfIssueSecret?: { serviceId: number; secret: Buffer };
}

/** Wrap decode failures as ERR_AUTH_FAILED; keep MsgrErrors that already say something better. */
function guard<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (isMsgrError(e) && !e.code.startsWith('ERR_DECODE')) throw e;
    throw new MsgrError('ERR_AUTH_FAILED', `cephx: malformed ${what}`, { origin: 'remote', cause: e });
  }
}

function readU64(b: Buffer): bigint {
  if (b.length < 8) throw new MsgrError('ERR_INVALID_ARG', 'random source returned too few bytes');
  return b.readBigUInt64LE(0);
}

export class CephxAuthClient implements AuthClient {
  readonly name: EntityName;
  readonly tickets = new CephxTicketStore();
  /** the global_id the mon assigned us (0 until the first AUTH_DONE / MAuthReply) */
  globalId = 0n;
  /** the last mon server challenge (GET_AUTH_SESSION_KEY renewals reuse it, as Ceph does) */
  serverChallenge = 0n;
  readonly wantKeys: number;
  private readonly secret: Buffer;
  private readonly random: RandomBytes;
  private readonly now: () => number;
  private readonly opts: CephxClientOptions;

  constructor(opts: CephxClientOptions) {
    if (opts.secret.length < 16) throw new MsgrError('ERR_KEYRING', 'cephx secret must be 16 bytes');
    this.opts = opts;
    this.name = opts.name;
    this.secret = opts.secret;
    this.random = opts.random;
    this.now = opts.now;
    this.wantKeys = (opts.wantKeys ?? DEFAULT_WANT_KEYS) | EntityType.AUTH;
  }

  methods(_peerType: number): number[] {
    return [AuthMethod.CEPHX];
  }

  modes(peerType: number, _method: number): number[] {
    if (peerType === EntityType.MON) return [...(this.opts.monModes ?? [ConMode.SECURE, ConMode.CRC])];
    return [...(this.opts.serviceModes ?? [ConMode.CRC, ConMode.SECURE])];
  }

  start(method: number, peerType: number, opts: { toMon: boolean; globalId: bigint }): AuthClientHandler {
    if (method !== AuthMethod.CEPHX) throw new MsgrError('ERR_AUTH_BAD_METHOD', `cephx client cannot run method ${method}`);
    // A daemon dialling a peer of its own kind with a self-issued ticket (a mon dialling a mon)
    // always uses an authorizer, even towards a monitor — as ceph-mon does.
    const selfIssued = this.opts.selfIssueSecret?.serviceId === peerType;
    if (opts.toMon && !selfIssued) return new MonModeHandler(this, opts.globalId);
    return new AuthorizerHandler(this, this.ticketFor(peerType));
  }

  /** msgr1 (§6.9): the first MAuth payload — u8 1, vector<u32> methods, EntityName, le64 global_id. */
  msgr1InitialPayload(globalId: bigint = this.globalId, methods: readonly number[] = [AuthMethod.CEPHX]): Buffer {
    return encodeMAuthInitial({ methods: [...methods], name: this.name, globalId });
  }

  /** Any wanted ticket missing or past 3/4 of its validity. */
  needsRenewal(now: number = this.now()): boolean {
    return this.tickets.needMask(this.wantKeys, now) !== 0;
  }

  /**
   * MAuth payload to renew tickets over an established mon session (Ceph's build_request):
   * GET_AUTH_SESSION_KEY (with the session's server challenge and our AUTH ticket) when the AUTH
   * ticket needs renewal, else GET_PRINCIPAL_SESSION_KEY for the other services that need it.
   */
  buildRenewalRequest(now: number = this.now()): Buffer {
    const need = this.tickets.needMask(this.wantKeys, now);
    if (need & EntityType.AUTH) return this.buildAuthenticate(this.serverChallenge, this.globalId);
    return this.buildServiceTicketRequest(need === 0 ? this.wantKeys & ~EntityType.AUTH : need);
  }

  /**
   * MAuth GET_PRINCIPAL_SESSION_KEY (0x0200) payload: le16 0x0200, an authorizer for the AUTH
   * service (AUTH ticket + AUTH session key, no challenge), CephXServiceTicketRequest{u8 1, keys}.
   */
  buildServiceTicketRequest(keys: number): Buffer {
    const auth = this.tickets.get(EntityType.AUTH);
    if (!auth) throw new MsgrError('ERR_AUTH_FAILED', 'cephx: no AUTH ticket yet (authenticate first)');
    const base = encodeAuthorizerBase(this.globalId, EntityType.AUTH, auth.ticket);
    const authorizer = encodeAuthorizer(base, auth.sessionKey, {
      nonce: this.randomU64(),
      haveChallenge: false,
      serverChallengePlusOne: 0n,
    });
    return encode((w) => {
      w.u16(CephxRequest.GET_PRINCIPAL_SESSION_KEY).bytes(authorizer).u8(1).u32(keys >>> 0);
    }, authorizer.length + 16);
  }

  /**
   * Apply an MAuthReply result_bl to a renewal request (either request type). Returns the
   * services whose tickets were updated.
   */
  handleRenewalReply(payload: Buffer): number[] {
    return guard('renewal reply', () => {
      const r = new Reader(payload);
      const type = r.u16();
      const status = r.s32();
      if (status < 0) throw new MsgrError('ERR_AUTH_REJECTED', `cephx: renewal refused (${status})`, { origin: 'remote', errno: status });
      if (type === CephxRequest.GET_AUTH_SESSION_KEY) return this.applySessionKeyReply(r, ConMode.CRC).services;
      if (type !== CephxRequest.GET_PRINCIPAL_SESSION_KEY) throw new MsgrError('ERR_AUTH_FAILED', `cephx: unexpected reply type ${type}`, { origin: 'remote' });
      const auth = this.tickets.get(EntityType.AUTH);
      if (!auth) throw new MsgrError('ERR_AUTH_FAILED', 'cephx: no AUTH ticket');
      const grants = readServiceTicketReply(r, auth.sessionKey, undefined, 'ERR_AUTH_REJECTED');
      this.tickets.apply(grants, this.now(), this.globalId);
      return grants.map((g) => g.serviceId);
    });
  }

  // --- internals used by the handlers -------------------------------------------------------

  /** A fresh random u64 from the injected source. */
  randomU64(): bigint {
    return readU64(this.random(8));
  }

  /** AUTH_REQUEST_MORE / MAuth: le16 0x0100 + CephXAuthenticate (§6.5 step 3, §6.8). */
  buildAuthenticate(serverChallenge: bigint, globalId: bigint): Buffer {
    const clientChallenge = this.randomU64();
    const key = cephxChallengeKey(this.secret, serverChallenge, clientChallenge);
    // reclaim rule: a non-zero global_id must come with our previous AUTH ticket; a first login
    // (global_id 0) must send an empty one.
    const old = globalId !== 0n ? this.tickets.get(EntityType.AUTH)?.ticket : undefined;
    return encode((w) => {
      w.u16(CephxRequest.GET_AUTH_SESSION_KEY);
      writeAuthenticate(w, {
        structV: this.opts.authenticateVersion ?? 3,
        clientChallenge,
        key,
        oldTicket: old ?? EMPTY_TICKET,
        otherKeys: this.wantKeys,
      });
    }, 64 + (old?.blob.length ?? 0));
  }

  /**
   * Parse the body of a GET_AUTH_SESSION_KEY reply after its header (§6.5 step 4): the AUTH
   * ticket (msg_a under our secret; the ticket possibly under the old session key), then, when
   * present, cbl (connection secret under the new session key) and extra tickets.
   */
  applySessionKeyReply(r: Reader, conMode: number, globalId: bigint = this.globalId): { sessionKey: Buffer; connectionSecret?: Buffer; services: number[] } {
    const now = this.now();
    const prevAuth = this.tickets.get(EntityType.AUTH);
    const grants = readServiceTicketReply(r, this.secret, (svc) => (svc === EntityType.AUTH ? prevAuth?.sessionKey : undefined), 'ERR_AUTH_REJECTED');
    const authGrant = grants.find((g) => g.serviceId === EntityType.AUTH);
    if (!authGrant) throw new MsgrError('ERR_AUTH_FAILED', 'cephx: reply carries no AUTH ticket', { origin: 'remote' });
    const sessionKey = Buffer.from(authGrant.sessionKey.secret);
    let connectionSecret: Buffer | undefined;
    let extra: ServiceTicketGrant[] = [];
    if (r.remaining > 0) {
      const cbl = r.blob();
      const extraBl = r.blob();
      if (cbl.length > 0) {
        const s = new Reader(readEncrypted(new Reader(cbl), sessionKey, 'ERR_AUTH_REJECTED')).blob();
        if (s.length > 0) connectionSecret = Buffer.from(s);
      }
      if (extraBl.length > 0) extra = readServiceTicketReply(new Reader(extraBl), sessionKey, undefined, 'ERR_AUTH_REJECTED');
    }
    if (conMode === ConMode.SECURE && (connectionSecret === undefined || connectionSecret.length < CONNECTION_SECRET_MIN)) {
      throw new MsgrError('ERR_AUTH_FAILED', 'cephx: secure mode without a connection secret', { origin: 'remote' });
    }
    // everything decoded: commit
    this.globalId = globalId;
    this.tickets.apply(grants, now, globalId);
    this.tickets.apply(extra, now, globalId);
    const services = [...grants, ...extra].map((g) => g.serviceId);
    return connectionSecret ? { sessionKey, connectionSecret, services } : { sessionKey, services };
  }

  /**
   * The self-issued ticket, reused while fresh (until 3/4 of its validity, like a mon-issued one):
   * msgr1 answers a second CHALLENGE_AUTHORIZER (after the server replaced a connection) with a
   * fresh handler, which must hold the session key the server sealed that challenge with.
   */
  private selfTicket: { ticket: CephxTicket; renewAtMs: number } | undefined;

  /** The ticket to build an authorizer for a peer of this type (self-issued for our own type). */
  ticketFor(peerType: number): CephxTicket {
    const self = this.opts.selfIssueSecret;
    if (self && self.serviceId === peerType) {
      const nowMs = this.now();
      if (this.selfTicket && nowMs < this.selfTicket.renewAtMs) return this.selfTicket.ticket;
      const g = grantTicket({
        serviceId: peerType,
        serviceSecret: self.secret,
        secretId: SECRET_ID_GENERAL,
        name: { type: peerType, id: '' },
        globalId: 0n,
        nowMs,
        ttlSec: SELF_TICKET_TTL,
        sessionSecret: this.random(16),
      });
      const t = new CephxTicketStore();
      t.apply([g], nowMs, 0n);
      const ticket = t.get(peerType)!;
      this.selfTicket = { ticket, renewAtMs: nowMs + (SELF_TICKET_TTL * 1000 * 3) / 4 };
      return ticket;
    }
    const t = this.tickets.get(peerType);
    if (!t) throw new MsgrError('ERR_AUTH_FAILED', `cephx: no ticket for service ${peerType} (not requested at login?)`);
    return t;
  }
}

/** Client side of mon mode (also the msgr1 MAuth flow). */
class MonModeHandler implements AuthClientHandler {
  readonly method = AuthMethod.CEPHX;
  private state: 'challenge' | 'sent' | 'done' = 'challenge';

  constructor(
    private readonly client: CephxAuthClient,
    private readonly globalId: bigint,
  ) {}

  initialPayload(): Buffer {
    return encode((w) => {
      w.u8(AuthMode.MON);
      encodeEntityName(w, this.client.name);
      w.u64(this.globalId);
    }, 64);
  }

  handleMore(payload: Buffer): Buffer {
    if (this.state !== 'challenge') throw new MsgrError('ERR_AUTH_FAILED', 'cephx: unexpected AUTH_REPLY_MORE', { origin: 'remote' });
    const challenge = guard('server challenge', () => decodeChallenge(payload));
    this.state = 'sent';
    this.client.serverChallenge = challenge;
    return this.client.buildAuthenticate(challenge, this.globalId);
  }

  handleDone(globalId: bigint, conMode: number, payload: Buffer): AuthResult {
    if (this.state !== 'sent') throw new MsgrError('ERR_AUTH_FAILED', 'cephx: AUTH_DONE before the challenge was answered', { origin: 'remote' });
    this.state = 'done';
    return guard('AUTH_DONE', () => {
      const r = new Reader(payload);
      const type = r.u16();
      const status = r.s32();
      if (status < 0) throw new MsgrError('ERR_AUTH_REJECTED', `cephx: mon refused (${status})`, { origin: 'remote', errno: status });
      if (type !== CephxRequest.GET_AUTH_SESSION_KEY) throw new MsgrError('ERR_AUTH_FAILED', `cephx: reply type ${type}`, { origin: 'remote' });
      const out = this.client.applySessionKeyReply(r, conMode, globalId);
      const res: AuthResult = { globalId, sessionKey: out.sessionKey };
      if (out.connectionSecret) res.connectionSecret = out.connectionSecret;
      return res;
    });
  }
}

/** Client side of authorizer mode (connections to OSD/MGR/MDS, and mon↔mon). */
class AuthorizerHandler implements AuthClientHandler {
  readonly method = AuthMethod.CEPHX;
  private readonly base: Buffer;
  private readonly nonce: bigint;
  private challenged = false;
  private done = false;

  constructor(
    client: CephxAuthClient,
    private readonly ticket: CephxTicket,
  ) {
    this.base = encodeAuthorizerBase(ticket.globalId, ticket.serviceId, ticket.ticket);
    this.nonce = client.randomU64();
  }

  initialPayload(): Buffer {
    return encodeAuthorizer(this.base, this.ticket.sessionKey, { nonce: this.nonce, haveChallenge: false, serverChallengePlusOne: 0n });
  }

  handleMore(payload: Buffer): Buffer {
    if (this.challenged || this.done) throw new MsgrError('ERR_AUTH_FAILED', 'cephx: second authorizer challenge', { origin: 'remote' });
    this.challenged = true;
    const challenge = guard('authorizer challenge', () => decodeChallenge(decryptEnvelope(this.ticket.sessionKey, payload, 'ERR_AUTH_REJECTED')));
    return encodeAuthorizer(this.base, this.ticket.sessionKey, {
      nonce: this.nonce,
      haveChallenge: true,
      serverChallengePlusOne: BigInt.asUintN(64, challenge + 1n),
    });
  }

  handleDone(globalId: bigint, conMode: number, payload: Buffer): AuthResult {
    if (this.done) throw new MsgrError('ERR_AUTH_FAILED', 'cephx: second AUTH_DONE', { origin: 'remote' });
    this.done = true;
    const reply = guard('authorizer reply', () => decodeAuthorizeReply(payload, this.ticket.sessionKey));
    if (reply.noncePlusOne !== BigInt.asUintN(64, this.nonce + 1n)) {
      throw new MsgrError('ERR_AUTH_REJECTED', 'cephx: authorizer reply has a bad nonce', { origin: 'remote', errno: -Errno.EACCES });
    }
    const secret = reply.connectionSecret;
    if (conMode === ConMode.SECURE && (secret === undefined || secret.length < CONNECTION_SECRET_MIN)) {
      throw new MsgrError('ERR_AUTH_FAILED', 'cephx: secure mode without a connection secret', { origin: 'remote' });
    }
    const res: AuthResult = { globalId, sessionKey: Buffer.from(this.ticket.sessionKey) };
    if (secret && secret.length > 0) res.connectionSecret = Buffer.from(secret);
    return res;
  }
}
