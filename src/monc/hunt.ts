/**
 * Which mons to try next while hunting, and how long to wait (Ceph's MonClient::_add_conns and
 * the reopen_interval_multiplier):
 *
 *  - a mon is dialled on its msgr2 address when it has one, else on its msgr1 address (the
 *    MonClient then logs in with MAuth first, wire §6.9); mons with neither are skipped;
 *  - mons not tried since the last successful hunt come first; once every one was tried the
 *    list starts over; among the candidates only the lowest priority counts, in random order
 *    weighted by the monmap's weights (even when all weights are 0); `parallel` at a time;
 *  - each round without success multiplies the wait by `backoff` (up to `maxMultiple`); a
 *    success divides it again (down to `minMultiple`) and forgets what was tried.
 */
import { AddrType, type EntityAddr } from '../encoding/types/entity-addr.ts';
import type { MonAddr } from '../config/mon-host.ts';

export interface HuntTiming {
  /** base wait per round, s */
  interval: number;
  parallel: number;
  backoff: number;
  minMultiple: number;
  maxMultiple: number;
}

/** The msgr2 (or untyped) addresses of a mon. */
export function v2Addrs(m: MonAddr): EntityAddr[] {
  return m.addrs.filter((a) => a.type === AddrType.MSGR2 || a.type === AddrType.ANY);
}

/**
 * The addresses to hand the messenger for a mon (Ceph connect_to_mon(addrvec)): its v2 / untyped
 * and v1 ones; the messenger dials v2 when there is one (v1 only with ms_connect_msgr1), else v1
 * (a v1-only mon, or `mon_host = IP:6789`).
 */
export function dialAddrs(m: MonAddr): EntityAddr[] {
  return m.addrs.filter((a) => a.type === AddrType.MSGR2 || a.type === AddrType.ANY || a.type === AddrType.LEGACY);
}

export class HuntPlan {
  private readonly tried = new Set<string>();
  multiplier: number;

  constructor(
    private readonly t: HuntTiming,
    /** uniform random number in [0, 1) */
    private readonly rnd: () => number,
  ) {
    this.multiplier = t.minMultiple;
  }

  static fromOptions(o: { huntInterval: number; huntParallel: number; huntBackoff: number; huntMinMultiple: number; huntMaxMultiple: number }, rnd: () => number): HuntPlan {
    return new HuntPlan({ interval: o.huntInterval, parallel: o.huntParallel, backoff: o.huntBackoff, minMultiple: o.huntMinMultiple, maxMultiple: o.huntMaxMultiple }, rnd);
  }

  /** How long this round may take before the next one, ms. */
  get roundMs(): number {
    return this.t.interval * this.multiplier * 1000;
  }

  /** The next mons to dial (empty when none has a v2 or v1 address). */
  nextBatch(mons: readonly MonAddr[]): MonAddr[] {
    const usable = mons.filter((m) => dialAddrs(m).length > 0);
    if (!usable.length) return [];
    let cands = usable.filter((m) => !this.tried.has(m.name));
    if (!cands.length) {
      this.tried.clear();
      cands = usable;
    }
    const best = Math.min(...cands.map((m) => m.priority ?? 0));
    const pick = this.weightedShuffle(cands.filter((m) => (m.priority ?? 0) === best)).slice(0, Math.max(1, this.t.parallel));
    for (const m of pick) this.tried.add(m.name);
    return pick;
  }

  /** A round ended without a session. */
  failed(): void {
    this.multiplier = Math.min(this.t.maxMultiple, this.multiplier * this.t.backoff);
  }

  /** A session was established. */
  succeeded(): void {
    this.multiplier = Math.max(this.t.minMultiple, this.multiplier / this.t.backoff);
    this.tried.clear();
  }

  private weightedShuffle(a: MonAddr[]): MonAddr[] {
    const left = a.slice();
    const out: MonAddr[] = [];
    while (left.length) {
      const total = left.reduce((t, m) => t + (m.weight ?? 0), 0);
      let i = Math.floor(this.rnd() * left.length);
      if (total > 0) {
        let x = this.rnd() * total;
        i = left.findIndex((m) => (x -= m.weight ?? 0) < 0);
        if (i < 0) i = left.length - 1;
      }
      out.push(left.splice(i, 1)[0]!);
    }
    return out;
  }
}
