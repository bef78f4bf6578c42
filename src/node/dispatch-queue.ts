/**
 * Ordered delivery of received messages to the dispatchers (Ceph's DispatchQueue with one
 * dispatch thread). A dispatcher returning a Promise holds the queue until it settles; each
 * message's throttle units are given back when its dispatch completes, which is what makes a
 * slow dispatcher push back on its peers instead of growing memory.
 */
import type { ThrottleToken } from '../core/context.ts';
import { Deque } from '../core/session/deque.ts';
import type { Message } from '../messages/message.ts';
import type { Connection } from './connection.ts';
import type { Messenger } from './messenger.ts';

interface Item {
  msg: Message;
  conn: Connection;
  token: ThrottleToken | undefined;
  /** performance.now() when it was queued (dispatch latency) */
  at: number;
}

export class DispatchQueue {
  private q = new Deque<Item>();
  private busy = false;
  /** messages dispatched so far */
  delivered = 0;
  /** messages dropped undelivered because their connection was closed meanwhile */
  discarded = 0;

  constructor(private readonly m: Messenger) {}

  get length(): number {
    return this.q.size + (this.busy ? 1 : 0);
  }

  push(msg: Message, conn: Connection, token: ThrottleToken | undefined): void {
    this.q.push({ msg, conn, token, at: performance.now() });
    if (!this.busy) this.drain();
  }

  clear(): void {
    for (const it of this.q.clear()) this.m.core.dispatchComplete(it.token);
  }

  private drain(): void {
    for (;;) {
      // one dispatch at a time: finish() pumps the messenger, and a message pushed meanwhile may
      // already have started the next (slow) dispatch
      if (this.busy) return;
      const it = this.q.shift();
      if (!it) return;
      if (it.conn.isClosed) {
        // Ceph's _stop() → discard_queue(conn_id): nothing more is delivered on a connection once
        // it is closed (marked down, or a lossy fault); its throttle units go back
        this.discarded++;
        if (it.token) this.m.core.dispatchComplete(it.token);
        continue;
      }
      const r = this.deliver(it);
      if (r) {
        this.busy = true;
        r.then(
          () => this.finish(it),
          (e: unknown) => {
            this.m.reportDispatchError(e, it.conn);
            this.finish(it);
          },
        );
        return;
      }
      this.complete(it);
    }
  }

  private finish(it: Item): void {
    this.busy = false;
    this.complete(it);
    this.m.pump();
    this.drain();
  }

  private complete(it: Item): void {
    this.delivered++;
    const lat = this.m.shellCounters.dispatchLatency;
    lat.count++;
    lat.sumMs += performance.now() - it.at;
    if (it.token) this.m.core.dispatchComplete(it.token);
  }

  /** Call dispatchers in order until one handles the message; a Promise result is awaited. */
  private deliver(it: Item): Promise<unknown> | undefined {
    this.m.emit('message', it.msg, it.conn);
    for (const d of this.m.dispatcherList) {
      if (!d.dispatch) continue;
      try {
        const t0 = performance.now();
        const r = d.dispatch(it.msg, it.conn);
        this.m.shellCounters.dispatchMs += performance.now() - t0;
        if (r && typeof (r as Promise<unknown>).then === 'function') return r as Promise<unknown>;
        if (r !== false) return undefined;
      } catch (e) {
        this.m.reportDispatchError(e, it.conn);
        return undefined;
      }
    }
    return undefined;
  }
}
