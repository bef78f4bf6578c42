/**
 * The messenger core's receive throttles: the dispatch throttle (ms_dispatch_throttle_bytes,
 * shared by every connection) and, per peer type, the policy's message and byte throttles. The
 * set of a peer type is made once and cached; `list()` feeds the perf counters.
 */
import type { Conn } from './conn.ts';
import type { ThrottleSet } from './context.ts';
import { Throttle } from './session/throttle.ts';

export class ThrottleSets {
  readonly dispatch: Throttle;
  private readonly byPeerType = new Map<number, ThrottleSet>();

  constructor(dispatchBytes: number) {
    this.dispatch = new Throttle('dispatch', dispatchBytes);
  }

  /** The throttles a message received on c takes units from (its policy's, made on first use). */
  forConn(c: Conn): ThrottleSet {
    let t = this.byPeerType.get(c.peerType);
    if (!t) {
      const lim = c.policy.throttle;
      t = {
        messages: lim?.messages ? new Throttle(`policy-messages-${c.peerType}`, lim.messages) : undefined,
        bytes: lim?.bytes ? new Throttle(`policy-bytes-${c.peerType}`, lim.bytes) : undefined,
        dispatch: this.dispatch,
      };
      this.byPeerType.set(c.peerType, t);
    }
    return t;
  }

  /** Every throttle (dispatch + per-policy), for perf counters. */
  list(): Throttle[] {
    const out = [this.dispatch];
    for (const t of this.byPeerType.values()) for (const x of [t.messages, t.bytes]) if (x) out.push(x);
    return out;
  }
}
