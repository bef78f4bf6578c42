/**
 * The auth client a MonClient gives its messenger while hunting. Ceph's MonClient runs one auth
 * handler per MonConnection and installs the winner's; ceph-msgr's cephx client keeps its state
 * (global_id, server challenge, tickets) on one shared object, so when several mons are tried at
 * once the last AUTH_DONE — not necessarily the winner's — would leave its state behind. This
 * wrapper remembers the cephx state each mon-mode exchange ended with, keyed by the global_id the
 * mon assigned, and `adopt(globalId)` puts the winner's back.
 *
 * Everything else is delegated unchanged.
 */
import type { Buffer } from 'node:buffer';
import { CephxAuthClient } from '../core/auth/cephx-client.ts';
import type { CephxTicket } from '../core/auth/cephx-tickets.ts';
import { AuthMethod, type AuthClient, type AuthClientHandler, type AuthResult } from '../core/auth/types.ts';

interface CephxState {
  globalId: bigint;
  serverChallenge: bigint;
  tickets: CephxTicket[];
}

/** At most this many remembered exchanges (hunting tries a handful of mons at once). */
const MAX_SNAPSHOTS = 16;

export class HuntingAuthClient implements AuthClient {
  private readonly snapshots = new Map<bigint, CephxState>();
  /** mon-mode exchanges completed (for stats/tests) */
  completed = 0;

  constructor(
    readonly inner: AuthClient,
    readonly cephx: CephxAuthClient | undefined,
  ) {}

  /** Wrap an auth client, finding its cephx part (itself, or a composed client's `cephx`). */
  static wrap(a: AuthClient): HuntingAuthClient {
    const c = a instanceof CephxAuthClient ? a : (a as { cephx?: unknown }).cephx;
    return new HuntingAuthClient(a, c instanceof CephxAuthClient ? c : undefined);
  }

  methods(peerType: number): number[] {
    return this.inner.methods(peerType);
  }

  modes(peerType: number, method: number): number[] {
    return this.inner.modes(peerType, method);
  }

  start(method: number, peerType: number, opts: { toMon: boolean; globalId: bigint }): AuthClientHandler {
    const h = this.inner.start(method, peerType, opts);
    const cephx = this.cephx;
    if (!opts.toMon) return h;
    let challenge: bigint | undefined;
    return {
      method: h.method,
      initialPayload: () => h.initialPayload(),
      handleMore: (payload: Buffer): Buffer => {
        const out = h.handleMore(payload);
        if (cephx) challenge = cephx.serverChallenge;
        return out;
      },
      handleDone: (globalId: bigint, conMode: number, payload: Buffer): AuthResult => {
        const res = h.handleDone(globalId, conMode, payload);
        this.completed++;
        if (cephx && h.method === AuthMethod.CEPHX) {
          const tickets = cephx.tickets.services().map((s) => cephx.tickets.get(s)!);
          this.snapshots.set(globalId, { globalId, serverChallenge: challenge ?? cephx.serverChallenge, tickets });
          while (this.snapshots.size > MAX_SNAPSHOTS) this.snapshots.delete(this.snapshots.keys().next().value!);
        }
        return res;
      },
    };
  }

  /** The hunt is over: make the winner's cephx state (global_id `globalId`) current. */
  adopt(globalId: bigint): boolean {
    const s = this.snapshots.get(globalId);
    this.snapshots.clear();
    if (!s || !this.cephx) return false;
    this.cephx.globalId = s.globalId;
    this.cephx.serverChallenge = s.serverChallenge;
    this.cephx.tickets.clear();
    for (const t of s.tickets) this.cephx.tickets.set(t);
    return true;
  }
}
