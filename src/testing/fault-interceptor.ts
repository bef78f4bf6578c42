/**
 * A rule-table interceptor (crimson's test_messenger): one global hit counter per breakpoint
 * across all connections of a messenger; a rule "breakpoint × n-th hit → action" fires once.
 * BLOCKed connections are remembered so a test can release them with `messenger.unblock(conn)`.
 *
 *   const ic = new RuleInterceptor().fault('MESSAGE:w', 1);
 *   Messenger.create({ …, interceptor: ic });  … ic.hits('MESSAGE:w')
 */
import type { ConnId } from '../core/events.ts';
import type { Breakpoint, InterceptAction, Interceptor } from '../core/interceptor.ts';

interface Rule {
  bp: Breakpoint;
  round: number;
  action: InterceptAction;
  fired: boolean;
}

export class RuleInterceptor implements Interceptor {
  private rules: Rule[] = [];
  private counts = new Map<string, number>();
  /** per-connection history of breakpoints reached */
  readonly history = new Map<ConnId, string[]>();
  /** connections parked by BLOCK/STALL, in order */
  readonly blocked: ConnId[] = [];
  /** optional: a callback for every hit (tests that want custom logic) */
  onHit: ((conn: ConnId, bp: Breakpoint, n: number) => InterceptAction | undefined) | undefined;

  add(bp: Breakpoint, round: number, action: InterceptAction): this {
    this.rules.push({ bp, round, action, fired: false });
    return this;
  }
  fault(bp: Breakpoint, round = 1): this {
    return this.add(bp, round, 'FAULT');
  }
  block(bp: Breakpoint, round = 1): this {
    return this.add(bp, round, 'BLOCK');
  }
  stall(bp: Breakpoint, round = 1): this {
    return this.add(bp, round, 'STALL');
  }

  intercept(conn: ConnId, bp: Breakpoint): InterceptAction {
    const n = (this.counts.get(bp) ?? 0) + 1;
    this.counts.set(bp, n);
    let h = this.history.get(conn);
    if (!h) this.history.set(conn, (h = []));
    h.push(bp);
    const custom = this.onHit?.(conn, bp, n);
    if (custom && custom !== 'CONTINUE') {
      if (custom === 'BLOCK' || custom === 'STALL') this.blocked.push(conn);
      return custom;
    }
    for (const r of this.rules) {
      if (!r.fired && r.bp === bp && r.round === n) {
        r.fired = true;
        if (r.action === 'BLOCK' || r.action === 'STALL') this.blocked.push(conn);
        return r.action;
      }
    }
    return 'CONTINUE';
  }

  hits(bp: Breakpoint): number {
    return this.counts.get(bp) ?? 0;
  }
  /** how many times a connection reached a breakpoint */
  count(conn: ConnId, bp: Breakpoint): number {
    return (this.history.get(conn) ?? []).filter((x) => x === bp).length;
  }
  /** post-check: every rule fired (its breakpoint was reached at least `round` times) */
  unfired(): string[] {
    return this.rules.filter((r) => !r.fired).map((r) => `${r.bp}#${r.round}`);
  }
}
