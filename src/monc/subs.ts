/**
 * The MonClient's subscriptions (Ceph's MonSub): what to (re)subscribe to on every session, and
 * `got()` when a map arrives — a onetime subscription is then done, a continuous one moves past
 * the epoch received.
 */
import { SUBSCRIBE_ONETIME, type SubscribeItem } from '../messages/mon-subscribe.ts';

export class Subscriptions {
  private readonly want = new Map<string, SubscribeItem>();

  set(what: string, start: bigint, flags: number): void {
    this.want.set(what, { start, flags });
  }

  delete(what: string): void {
    this.want.delete(what);
  }

  get(what: string): SubscribeItem | undefined {
    return this.want.get(what);
  }

  /** Everything to subscribe to (a copy). */
  all(): Map<string, SubscribeItem> {
    return new Map([...this.want].map(([k, v]) => [k, { ...v }]));
  }

  got(what: string, epoch: bigint): void {
    const s = this.want.get(what);
    if (!s || epoch < s.start) return;
    if (s.flags & SUBSCRIBE_ONETIME) this.want.delete(what);
    else s.start = epoch + 1n;
  }
}
