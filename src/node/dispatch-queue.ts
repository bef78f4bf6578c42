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
    if (!this.busy && this.q.size === 0 && !conn.isClosed) {
      // fast path: nothing queued ahead, deliver at once (no queue item, two clock reads)
      this.deliverNow(msg, conn, token);
      return;
    }
    this.q.push({ msg, conn, token, at: performance.now() });
    if (!this.busy) this.drain();
  }

  private deliverNow(msg: Message, conn: Connection, token: ThrottleToken | undefined): void {
    const t0 = performance.now();
    const r = this.callDispatchers(msg, conn, t0);
    if (r) {
      this.busy = true;
      const it: Item = { msg, conn, token, at: t0 };
      r.then(
        () => this.finish(it),
        (e: unknown) => {
          this.m.reportDispatchError(e, conn);
          this.finish(it);
        },
      );
      return;
    }
    this.delivered++;
    const lat = this.m.shellCounters.dispatchLatency;
    lat.count++;
    lat.sumMs += this.endedAt - t0;
    if (token) this.m.core.dispatchComplete(token);
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
    return this.callDispatchers(it.msg, it.conn, performance.now());
  }

  /** performance.now() when the last callDispatchers() returned */
  private endedAt = 0;

  /** `t0`: performance.now() just before; the time spent in dispatchers is counted from it. */
  private callDispatchers(msg: Message, conn: Connection, t0: number): Promise<unknown> | undefined {
    const m = this.m;
    if (m.listenerCount('message') > 0) m.emit('message', msg, conn);
    const list = m.dispatcherList;
    let out: Promise<unknown> | undefined;
    for (let i = 0; i < list.length; i++) {
      const d = list[i]!;
      if (!d.dispatch) continue;
      try {
        const r = d.dispatch(msg, conn);
        if (r && typeof (r as Promise<unknown>).then === 'function') out = r as Promise<unknown>;
        else if (r === false) continue;
      } catch (e) {
        m.reportDispatchError(e, conn);
      }
      break;
    }
    const end = performance.now();
    this.endedAt = end;
    m.shellCounters.dispatchMs += end - t0;
    return out;
  }
}
