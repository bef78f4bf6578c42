/**
 * cephx ticket renewal on an established mon session (wire §6.7; Ceph's
 * MonClient::_check_auth_tickets): once any wanted ticket is missing or past 3/4 of its validity,
 * one MAuth(protocol 2) with GET_AUTH_SESSION_KEY (the AUTH ticket, with the session's server
 * challenge) or GET_PRINCIPAL_SESSION_KEY (service tickets) — the same message whether the session
 * runs over msgr2 or msgr1 — and the MAuthReply applied to the ticket store. One request in
 * flight at a time; a new session forgets an unanswered one.
 */
import { MsgrError, isMsgrError } from '../errors.ts';
import type { MAuth, MAuthReply } from '../messages/auth.ts';
import type { CephxAuthClient } from '../core/auth/cephx-client.ts';
import { AuthMethod } from '../core/auth/types.ts';

export type RenewalOutcome = { kind: 'renewed'; services: number[] } | { kind: 'error'; error: MsgrError };

export class TicketRenewal {
  private inFlight = false;

  constructor(private readonly cephx: CephxAuthClient | undefined) {}

  get pending(): boolean {
    return this.inFlight;
  }

  /** Forget a request sent on a session that is gone. */
  reset(): void {
    this.inFlight = false;
  }

  /** The MAuth to send now, if tickets need renewing and no request is in flight. */
  request(monmapEpoch: number): MAuth | undefined {
    const cephx = this.cephx;
    if (!cephx || this.inFlight || cephx.globalId === 0n || !cephx.needsRenewal()) return undefined;
    this.inFlight = true;
    return { protocol: AuthMethod.CEPHX, authPayload: cephx.buildRenewalRequest(), monmapEpoch };
  }

  /** An MAuthReply on the session. */
  reply(r: MAuthReply): RenewalOutcome {
    this.inFlight = false;
    const cephx = this.cephx;
    try {
      if (r.result < 0 || !cephx) throw new MsgrError('ERR_AUTH_REJECTED', `ticket renewal refused (${r.result})`, { origin: 'remote', errno: r.result });
      return { kind: 'renewed', services: cephx.handleRenewalReply(r.resultBl) };
    } catch (e) {
      if (!isMsgrError(e)) throw e;
      return { kind: 'error', error: e };
    }
  }
}
