/**
 * Send-side backpressure in the Node shell: promises waiting for a connection's send queue to
 * fall below its high-water marks (Connection.whenWritable). They are checked after every pump;
 * each connection whose waiters are woken also gets a 'drain' event on the messenger.
 */
import type { ConnId } from '../core/events.ts';
import type { Connection } from './connection.ts';
import type { Messenger } from './messenger.ts';

export class DrainWaiters {
  private readonly waiters = new Map<ConnId, Array<() => void>>();

  constructor(private readonly m: Messenger) {}

  /** connections with waiters */
  get size(): number {
    return this.waiters.size;
  }

  /** Resolves when the connection's queue is below its high-water marks (or it closed). */
  whenWritable(c: Connection): Promise<void> {
    if (!this.m.core.aboveHighWater(c.id) || c.isClosed) return Promise.resolve();
    return new Promise((res) => {
      const l = this.waiters.get(c.id);
      if (l) l.push(res);
      else this.waiters.set(c.id, [res]);
    });
  }

  /** Wake the waiters of every connection that is below its high-water marks, or gone. */
  wake(): void {
    const m = this.m;
    for (const [id, ws] of this.waiters) {
      const c = m.core.getConn(id);
      if (c && !c.dead && m.core.aboveHighWater(id)) continue;
      this.waiters.delete(id);
      for (const w of ws) w();
      m.emit('drain', m.handle(id));
    }
  }
}
