/**
 * Dispatches held back by fault injection (ms_inject_delay_*): per connection, in order, each
 * until its release time. The core hands a dispatch here instead of emitting it when the
 * injector picks a delay for it, or when its connection already has one held (a message never
 * overtakes one held before it); what is due goes out on every tick, and everything of a
 * connection at once when the connection stops.
 */
import type { Conn } from './conn.ts';
import type { ConnId, MsgrEvent } from './events.ts';
import type { FaultInjector } from './inject.ts';
import { Deque } from './session/deque.ts';

interface Held {
  at: number;
  ev: MsgrEvent;
}

export class DelayedDispatches {
  private readonly delayed = new Map<ConnId, Deque<Held>>();

  /** `core` gives the time and the connections; released dispatches go to `out` */
  constructor(
    private readonly core: { readonly now: number; readonly all: ReadonlyMap<ConnId, Conn> },
    private readonly out: Deque<MsgrEvent>,
  ) {}

  /**
   * Hold a dispatch if the injector delays it, or if its connection has one held already.
   * Returns false when it is not held: the caller emits it right away.
   */
  hold(ev: Extract<MsgrEvent, { kind: 'dispatch' }>, injector: FaultInjector): boolean {
    const q = this.delayed.get(ev.conn);
    const c = this.core.all.get(ev.conn);
    const d = c ? injector.messageDelayMs(c.peerType, ev.msg.type) : 0;
    if (!q && !(d > 0)) return false;
    // keep per-connection order: a message never overtakes one held before it
    const at = Math.max(this.core.now + d, q?.peekLast()?.at ?? 0);
    if (q) q.push({ at, ev });
    else {
      const nq = new Deque<Held>();
      nq.push({ at, ev });
      this.delayed.set(ev.conn, nq);
    }
    return true;
  }

  /** The earliest release time, if anything is held. */
  nextAt(): number | undefined {
    let t: number | undefined;
    for (const q of this.delayed.values()) {
      const h = q.peek();
      if (h && (t === undefined || h.at < t)) t = h.at;
    }
    return t;
  }

  /** Hand the dispatches that are due at `now` to the upper layer. */
  releaseDue(now: number): void {
    if (this.delayed.size) this.release(now, false);
  }

  /** Hand everything held for connection `id` to the upper layer (it stopped). */
  flush(id: ConnId): void {
    if (this.delayed.has(id)) this.release(this.core.now, true, id);
  }

  /** Hand held-back dispatches to the upper layer (all of them when `flush`). */
  private release(now: number, flush: boolean, only?: ConnId): void {
    for (const [id, q] of this.delayed) {
      if (only !== undefined && id !== only) continue;
      for (let h = q.peek(); h && (flush || h.at <= now); h = q.peek()) {
        q.shift();
        this.out.push(h.ev);
      }
      if (!q.size) this.delayed.delete(id);
    }
  }
}
