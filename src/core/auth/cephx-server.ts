/**
 * cephx, server side. Two roles:
 *
 *  (a) authorizer verification (any daemon; Ceph's cephx_verify_authorizer +
 *      CephxAuthorizeHandler): open the ticket with the service secret, check its global_id,
 *      open the CephXAuthorize with the ticket's session key, challenge once (AUTH_REPLY_MORE =
 *      raw ciphertext of CephXAuthorizeChallenge), check challenge+1, answer AUTH_DONE with
 *      CephXAuthorizeReply{nonce+1} (+ a fresh 64-byte connection secret in secure mode).
 *  (b) mon mode (a monitor issuing tickets; CephxServiceHandler) — see cephx-mon-session.ts.
 *
 * Mon ↔ mon authorizers (read in src/mon/Monitor.cc `get_authorizer` / `ms_get_authorizer`,
 * src/auth/cephx/CephxKeyServer.cc `build_session_auth_info`, CephxProtocol.cc
 * `cephx_build_service_ticket_blob` / `cephx_verify_authorizer`, CephxAuthorizeHandler.cc):
 *  - A monitor never asks another monitor for a ticket. When it dials a peer of type MON (or MGR)
 *    it builds the ticket itself: AuthTicket{name = EntityName(type MON, id ""), global_id 0,
 *    created = now, expires = now + auth_service_ticket_ttl, caps empty (the KeyServer leaves caps
 *    blank for the MON service), flags 0} plus a freshly generated AES session key, sealed
 *    (envelope, no length prefix) with the monitors' shared `mon.` key from its keyring — NOT
 *    with a rotating key — and the CephXTicketBlob carries secret_id = (uint64_t)−1.
 *  - The authorizer is then the usual one with global_id 0 and service_id 1 (MON).
 *  - The receiving mon verifies against its local KeyRing: secret_id −1 makes
 *    cephx_verify_authorizer look up the general secret of an EntityName whose type is the
 *    authorizer's service_id (MON) and id empty, i.e. the keyring entry `mon.`. The declared
 *    global_id (0) must equal the ticket's. The usual challenge round follows (msgr2 always).
 *  - So a server holding only the `mon.` key verifies mon.a's authorizer with
 *    `getServiceSecret(1, 2^64−1) = keyring['mon.'].key` (see keyringServiceSecrets), and our
 *    client can dial a real mon as mon.b with `selfIssueSecret: {serviceId: 1, secret: mon. key}`.
 *  Ceph does not check the ticket's expiry when verifying an authorizer (only that the secret
 *  still exists), and neither do we.
 */
import { Buffer } from 'node:buffer';
import { Errno, MsgrError, isMsgrError } from '../../errors.ts';
import { Reader } from '../../encoding/reader.ts';
import type { EntityName } from '../../encoding/types/entity-name.ts';
import { encryptEnvelope } from './cephx-crypto.ts';
import { encodeAuthorizeReply, encodeChallenge, openAuthorizer, type AuthCapsInfo } from './cephx-structs.ts';
import { CephxMonSession, type CephxMonOptions } from './cephx-mon-session.ts';
import {
  AuthMethod,
  AuthMode,
  ConMode,
  connectionSecretLength,
  type AuthResult,
  type AuthServer,
  type AuthServerHandler,
  type AuthServerStep,
  type RandomBytes,
} from './types.ts';

export interface CephxServerOptions {
  random: RandomBytes;
  now: () => number;
  /**
   * Key a ticket for (serviceId, secretId) is sealed with, or undefined. secretId 2^64−1 means
   * the service's general key (`mon.` for mon↔mon). See CephxKeyServer / keyringServiceSecrets.
   */
  getServiceSecret(serviceId: number, secretId: bigint): Buffer | undefined;
  /** Present when we play a monitor: mon-mode requests are accepted and tickets issued. */
  mon?: CephxMonOptions;
  /** Allowed modes (any peer). Default: [SECURE, CRC] as a mon, [CRC, SECURE] otherwise. */
  modes?: number[];
  /** Challenge authorizers (msgr2: always; msgr1: only peers with CEPHX_V2). Default true. */
  challengeAuthorizers?: boolean;
}

/** Outcome of one authorizer verification step. */
export type AuthorizerStep = AuthServerStep;

/** Verifies one peer's authorizer across (at most) two requests. */
export class CephxAuthorizerVerifier {
  private challenge: bigint | undefined;
  private finished = false;
  /** after success: the caps carried by the ticket */
  peerCaps: AuthCapsInfo | undefined;

  constructor(
    private readonly opts: Pick<CephxServerOptions, 'random' | 'getServiceSecret'>,
    private readonly challengeRequired = true,
  ) {}

  handle(payload: Buffer, conMode: number): AuthorizerStep {
    if (this.finished) return { kind: 'error', errno: -Errno.EACCES };
    const more = this.challenge !== undefined;
    let out: AuthorizerStep;
    try {
      out = this.verify(payload, conMode, more);
    } catch (e) {
      if (!isMsgrError(e)) throw e;
      out = { kind: 'error', errno: -Errno.EACCES };
    }
    if (out.kind !== 'more') this.finished = true;
    return out;
  }

  private verify(payload: Buffer, conMode: number, more: boolean): AuthorizerStep {
    const opened = openAuthorizer(new Reader(payload), this.opts.getServiceSecret);
    if (!opened) return { kind: 'error', errno: -Errno.EACCES };
    const { info, authorize: auth } = opened;
    const sessionKey = info.sessionKey.secret;
    if (this.challengeRequired) {
      if (!auth.haveChallenge || this.challenge === undefined) {
        // a second round that still does not answer the challenge is refused
        if (more) return { kind: 'error', errno: -Errno.EACCES };
        this.challenge = this.opts.random(8).readBigUInt64LE(0);
        return { kind: 'more', payload: encryptEnvelope(sessionKey, encodeChallenge(this.challenge)) };
      }
      if (auth.serverChallengePlusOne !== BigInt.asUintN(64, this.challenge + 1n)) return { kind: 'error', errno: -Errno.EACCES };
    }
    const len = connectionSecretLength(conMode);
    const connectionSecret = len > 0 ? Buffer.from(this.opts.random(len)) : undefined;
    const reply = encodeAuthorizeReply(sessionKey, BigInt.asUintN(64, auth.nonce + 1n), connectionSecret);
    const result: AuthResult = { globalId: info.ticket.globalId, sessionKey: Buffer.from(sessionKey) };
    if (connectionSecret) result.connectionSecret = connectionSecret;
    this.peerCaps = info.ticket.caps;
    return { kind: 'done', payload: reply, result, peerName: info.ticket.name };
  }
}

/** One server-side exchange: dispatches on the first payload byte (authorizer vs mon mode). */
export class CephxServerHandler implements AuthServerHandler {
  private impl: CephxAuthorizerVerifier | CephxMonSession | undefined;

  constructor(private readonly opts: CephxServerOptions) {}

  /** The mon-mode session (for later MAuth renewals), once this exchange was a mon-mode one. */
  get monSession(): CephxMonSession | undefined {
    return this.impl instanceof CephxMonSession ? this.impl : undefined;
  }

  /** After success: the peer's identity and caps (ticket caps, or mon caps from the keyring). */
  get peerCaps(): AuthCapsInfo | Record<string, string> | undefined {
    return this.impl?.peerCaps;
  }

  handle(payload: Buffer, conMode: number): AuthServerStep {
    if (!this.impl) {
      const mode = payload[0];
      if (mode === undefined) return { kind: 'error', errno: -Errno.EACCES };
      if (mode >= AuthMode.AUTHORIZER && mode <= AuthMode.AUTHORIZER_MAX) {
        this.impl = new CephxAuthorizerVerifier(this.opts, this.opts.challengeAuthorizers ?? true);
      } else if (mode >= AuthMode.MON && mode <= AuthMode.MON_MAX && this.opts.mon) {
        this.impl = new CephxMonSession({ ...this.opts.mon, random: this.opts.random, now: this.opts.now, getServiceSecret: this.opts.getServiceSecret });
        return this.impl.start(payload);
      } else {
        return { kind: 'error', errno: -Errno.EACCES };
      }
    }
    return this.impl.handle(payload, conMode);
  }
}

export class CephxAuthServer implements AuthServer {
  constructor(private readonly opts: CephxServerOptions) {}

  allowedMethods(_peerType: number): number[] {
    return [AuthMethod.CEPHX];
  }

  allowedModes(_peerType: number, method: number): number[] {
    if (method !== AuthMethod.CEPHX) return [];
    return [...(this.opts.modes ?? (this.opts.mon ? [ConMode.SECURE, ConMode.CRC] : [ConMode.CRC, ConMode.SECURE]))];
  }

  start(method: number, _peerType: number): CephxServerHandler {
    if (method !== AuthMethod.CEPHX) throw new MsgrError('ERR_AUTH_BAD_METHOD', `cephx server cannot run method ${method}`);
    return new CephxServerHandler(this.opts);
  }

  /** msgr1 MAuth: start a mon-mode session for (name, global_id) from the first MAuth. */
  startMsgr1(name: EntityName, globalId: bigint): { session: CephxMonSession; step: AuthServerStep } {
    if (!this.opts.mon) throw new MsgrError('ERR_AUTH_BAD_METHOD', 'not a monitor');
    const session = new CephxMonSession({ ...this.opts.mon, random: this.opts.random, now: this.opts.now, getServiceSecret: this.opts.getServiceSecret });
    return { session, step: session.startWith(name, globalId) };
  }
}
