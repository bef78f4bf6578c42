/**
 * Logging in to a mon over msgr1 (wire §6.9; Ceph's MonConnection::start / _negotiate /
 * authenticate). msgr1 has no auth in its handshake: once the session is open the client sends
 *
 *   MAuth(protocol 0, {u8 1, vector<u32> our methods, EntityName, le64 global_id}, monmap_epoch)
 *
 * and the mon answers MAuthReply(chosen method, result, global_id, result_bl):
 *
 *  - auth none: that reply ends the login (result_bl empty);
 *  - cephx: result_bl is the server challenge; we send MAuth(2, CephXAuthenticate — the bytes of
 *    msgr2's AUTH_REQUEST_MORE) and the next reply carries the tickets (no connection secret).
 *
 * A negative result at any step refuses the login: −EOPNOTSUPP (no common method) →
 * ERR_AUTH_BAD_METHOD, anything else → ERR_AUTH_REJECTED, with the errno. The mon drops every other
 * message from a session that has not logged in, so the MonClient sends nothing else meanwhile.
 *
 * One MAuthLogin per connection attempt; it only turns replies into the next message (sans-IO).
 * The auth handler comes from the MonClient's HuntingAuthClient, so the cephx state a login ends
 * with is remembered per global_id exactly as for msgr2 logins (hunt-auth.ts).
 */
import { Errno, MsgrError, isMsgrError } from '../errors.ts';
import { EntityType, type EntityName } from '../encoding/types/entity-name.ts';
import { encodeMAuthInitial } from '../core/auth/mauth.ts';
import { AuthMethod, ConMode, type AuthClient, type AuthClientHandler } from '../core/auth/types.ts';
import type { MAuth, MAuthReply } from '../messages/auth.ts';

export type LoginStep =
  /** send this MAuth next */
  | { kind: 'send'; mauth: MAuth }
  /** logged in: the session is ours, with this global_id */
  | { kind: 'done'; globalId: bigint; method: number }
  /** refused or broken: give up this connection */
  | { kind: 'error'; error: MsgrError };

const METHOD_NAMES: Record<number, string> = { [AuthMethod.NONE]: 'none', [AuthMethod.CEPHX]: 'cephx', [AuthMethod.GSS]: 'gss' };

function methodName(m: number): string {
  return METHOD_NAMES[m] ?? `method ${m}`;
}

export class MAuthLogin {
  private state: 'negotiating' | 'authenticating' | 'done' | 'failed' = 'negotiating';
  private handler: AuthClientHandler | undefined;
  private method = AuthMethod.UNKNOWN as number;
  /** MAuth messages sent, MAuthReply messages handled */
  sent = 0;
  replies = 0;

  constructor(
    private readonly auth: AuthClient,
    private readonly name: EntityName,
    /** the global_id we ask to keep (0 on a first login) */
    private readonly requestedGlobalId: bigint,
    private readonly monmapEpoch: number,
  ) {}

  get isDone(): boolean {
    return this.state === 'done';
  }

  /** The first MAuth (protocol 0): which methods we support, who we are, the global_id we had. */
  start(): MAuth {
    this.sent++;
    return {
      protocol: AuthMethod.UNKNOWN,
      authPayload: encodeMAuthInitial({ methods: this.auth.methods(EntityType.MON), name: this.name, globalId: this.requestedGlobalId }),
      monmapEpoch: this.monmapEpoch,
    };
  }

  /** The mon's answer to our last MAuth. */
  handleReply(r: MAuthReply): LoginStep {
    this.replies++;
    if (this.state === 'done' || this.state === 'failed') {
      return this.fail(new MsgrError('ERR_AUTH_FAILED', `unexpected MAuthReply (login already ${this.state})`, { origin: 'remote' }));
    }
    if (r.result < 0) return this.fail(this.refusal(r));
    try {
      if (this.state === 'negotiating') return this.negotiated(r);
      return this.finish(this.handler!.handleDone(r.globalId, ConMode.CRC, r.resultBl).globalId);
    } catch (e) {
      if (!isMsgrError(e)) throw e;
      return this.fail(e);
    }
  }

  /** First reply: the mon chose a method; start it (Ceph _negotiate + the first authenticate). */
  private negotiated(r: MAuthReply): LoginStep {
    const ours = this.auth.methods(EntityType.MON);
    if (!ours.includes(r.protocol)) {
      throw new MsgrError('ERR_AUTH_BAD_METHOD', `the mon chose auth ${methodName(r.protocol)}; we offer [${ours.join(', ')}]`, { origin: 'remote' });
    }
    this.method = r.protocol;
    // A non-zero global_id goes with our old AUTH ticket (cephx reclaim, wire §6.8) only when the
    // mon kept the one we asked for; a newly assigned one is a first login.
    const reclaim = r.globalId === this.requestedGlobalId ? r.globalId : 0n;
    const h = this.auth.start(r.protocol, EntityType.MON, { toMon: true, globalId: reclaim });
    this.handler = h;
    if (r.protocol === AuthMethod.NONE) return this.finish(h.handleDone(r.globalId, ConMode.CRC, r.resultBl).globalId);
    const payload = h.handleMore(r.resultBl);
    this.state = 'authenticating';
    this.sent++;
    return { kind: 'send', mauth: { protocol: r.protocol, authPayload: payload, monmapEpoch: this.monmapEpoch } };
  }

  private finish(globalId: bigint): LoginStep {
    this.state = 'done';
    return { kind: 'done', globalId, method: this.method };
  }

  private fail(error: MsgrError): LoginStep {
    this.state = 'failed';
    return { kind: 'error', error };
  }

  private refusal(r: MAuthReply): MsgrError {
    const result = `result ${r.result}${r.resultMsg ? `: ${r.resultMsg}` : ''}`;
    const offered = `[${this.auth.methods(EntityType.MON).join(', ')}]`;
    if (r.result === -Errno.EOPNOTSUPP) {
      return new MsgrError('ERR_AUTH_BAD_METHOD', `the mon allows none of the auth methods we offer ${offered} (MAuth ${result})`, { origin: 'remote', errno: r.result });
    }
    const what = this.state === 'negotiating' ? `MAuth offering ${offered}` : `${methodName(this.method)} MAuth`;
    return new MsgrError('ERR_AUTH_REJECTED', `${what} refused (${result})`, { origin: 'remote', errno: r.result });
  }
}
