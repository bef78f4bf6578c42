/**
 * S22 — mark-down from inside dispatch (Ceph's MarkdownTest, the deadlock detector). Two server
 * messengers share one dispatcher that, for every message, takes an application lock, sleeps
 * < 0.5 ms and marks down *another* connection it has seen; its reset handler takes the same lock
 * and sleeps too. A lossy client pings both servers 1 000 times. Message flow must never wedge:
 * the servers' counter may stay unchanged for at most 3 consecutive iterations (each such
 * iteration waits 1 s + 0.5 s), no message is delivered on a connection after it was marked down,
 * and nothing is rejected unhandled.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import { SeededRandom } from '../../src/core/random.ts';
import type { Message } from '../../src/messages/message.ts';
import type { Connection } from '../../src/node/connection.ts';
import type { Dispatcher } from '../../src/node/dispatcher.ts';
import type { Env } from '../../src/node/env.ts';
import { WORLDS } from '../helpers/world.ts';
import { ping } from '../helpers/fake-dispatcher.ts';
import { shutdownClean } from '../helpers/failover.ts';

/** A FIFO async mutex (the application's lock). */
class Mutex {
  private held = false;
  private waiters: Array<() => void> = [];
  async lock(): Promise<void> {
    if (!this.held) {
      this.held = true;
      return;
    }
    await new Promise<void>((r) => this.waiters.push(r));
  }
  get busy(): boolean {
    return this.held;
  }
  unlock(): void {
    const next = this.waiters.shift();
    if (next) next();
    else this.held = false;
  }
}

/** Ceph's MarkdownDispatcher: queued (not fast) dispatch, marks down another connection under its lock. */
class MarkdownDispatcher implements Dispatcher {
  private readonly mu = new Mutex();
  private readonly conns = new Set<Connection>();
  private lastMark = false;
  count = 0;
  markdowns = 0;
  resets = 0;
  readonly violations: string[] = [];
  private readonly down = new Set<Connection>();
  constructor(
    private readonly env: Env,
    private readonly rnd: SeededRandom,
  ) {}
  private sleep(): Promise<void> {
    return new Promise((r) => this.env.setTimer(this.rnd.next() * 0.5, r));
  }
  /** nothing holds or waits for the lock */
  get idle(): boolean {
    return !this.mu.busy;
  }
  handleAccept(c: Connection): void {
    this.conns.add(c);
  }
  async dispatch(_m: Message, c: Connection): Promise<void> {
    // delivered after markDown returned? (a delivery that began earlier may still wait for the lock)
    if (this.down.has(c)) this.violations.push(`I2: message on ${c} after its markDown`);
    await this.mu.lock();
    try {
      this.count++;
      this.conns.add(c);
      if (this.conns.size < 2 && !this.lastMark) return;
      this.lastMark = true;
      await this.sleep();
      for (const o of this.conns) {
        if (o !== c) {
          this.down.add(o);
          o.markDown();
          this.markdowns++;
          this.conns.delete(o);
          break;
        }
      }
      if (this.conns.size === 0) this.lastMark = false;
    } finally {
      this.mu.unlock();
    }
  }
  handleReset(c: Connection): void {
    if (this.down.has(c)) this.violations.push(`I3: reset on ${c} after its local markDown`);
    this.resets++;
    void (async () => {
      await this.mu.lock();
      try {
        this.conns.delete(c);
        await this.sleep();
      } finally {
        this.mu.unlock();
      }
    })();
  }
}

for (const [kind, mk] of WORLDS) {
  describe(`I2 markDown from dispatch [${kind}]`, () => {
    test('messages already queued for dispatch on a connection are dropped by its markDown', async () => {
      const w = mk();
      const srv = w.messenger({ name: 'osd.0' });
      srv.setDefaultPolicy(Policy.stateless_server());
      const got: string[] = [];
      const late: string[] = [];
      const down = new Set<Connection>();
      let victim: Connection | undefined;
      srv.addDispatcher({
        dispatch: async (m: Message, c: Connection) => {
          const text = m.data.toString();
          if (down.has(c)) late.push(text);
          got.push(text);
          if (text === 'trigger') {
            // a slow dispatch: meanwhile the victim's messages queue up behind it
            await new Promise<void>((r) => srv.env.setTimer(5, r));
            down.add(victim!);
            victim!.markDown();
          }
        },
        handleAccept: (c: Connection) => {
          if (!victim) victim = c;
        },
      });
      const addrs = await srv.bind('v2:127.0.0.1:0');
      await srv.start();
      const cli = w.messenger({ name: 'client.-1' });
      cli.setDefaultPolicy(Policy.lossy_client());
      await cli.start();
      const v = cli.connectTo(addrs, 'osd', { anon: true });
      v.send(ping('v0'));
      assert.ok(await w.until(() => got.length === 1));
      const t = cli.connectTo(addrs, 'osd', { anon: true });
      t.send(ping('trigger'));
      assert.ok(await w.until(() => got.length === 2));
      for (let i = 1; i <= 5; i++) v.send(ping(`v${i}`));
      await w.sleep(50);
      assert.ok(victim!.isClosed);
      assert.deepEqual(late, [], 'nothing delivered on the victim after its markDown');
      assert.deepEqual(got, ['v0', 'trigger'], 'its queued messages were discarded (Ceph discard_queue)');
      await shutdownClean(w);
    });
  });

  describe(`S22 MarkdownTest [${kind}]`, () => {
    test('1000 iterations, markDown from dispatch under an app lock: never wedged', async () => {
      const w = mk();
      const t0 = Date.now();
      const rejections: unknown[] = [];
      const onRej = (e: unknown): void => void rejections.push(e);
      process.on('unhandledRejection', onRej);
      try {
        const s1 = w.messenger({ name: 'osd.0' });
        const s2 = w.messenger({ name: 'osd.0' });
        const d = new MarkdownDispatcher(s1.env, new SeededRandom(22));
        for (const s of [s1, s2]) {
          s.setDefaultPolicy(Policy.stateless_server());
          s.addDispatcher(d);
        }
        const a1 = await s1.bind('v2:127.0.0.1:0');
        const a2 = await s2.bind('v2:127.0.0.1:0');
        await s1.start();
        await s2.start();
        const cli = w.messenger({ name: 'client.-1' });
        cli.setDefaultPolicy(Policy.lossy_client());
        await cli.start();

        let last = 0;
        let equalCount = 0;
        let maxEqual = 0;
        let lostPings = 0;
        for (let i = 0; i < 1000; i++) {
          const c1 = cli.connectTo(a1, 'osd');
          const c2 = cli.connectTo(a2, 'osd');
          c1.send(ping());
          c2.send(ping());
          // Ceph waits up to 1 s for both pings. A ping sent on a connection the servers had just
          // marked down (the client had not seen the close yet) is lost with it (lossy): once the
          // dispatcher is idle, don't wait for the pings of connections that are closed by now.
          const closed = () => (c1.isClosed ? 1 : 0) + (c2.isClosed ? 1 : 0);
          await w.until(() => d.count > last + 1 || (d.idle && d.count - last >= 2 - closed()), 1000);
          lostPings += Math.max(0, 2 - (d.count - last));
          if (d.count === last) equalCount++;
          else equalCount = 0;
          maxEqual = Math.max(maxEqual, equalCount);
          last = d.count;
          if (equalCount) await w.sleep(500);
          assert.ok(equalCount <= 3, `iteration ${i}: counter stuck at ${last} for ${equalCount} iterations`);
        }
        assert.ok(d.count >= 1000, `${d.count} messages dispatched`);
        assert.ok(d.markdowns > 100, `${d.markdowns} markdowns from inside dispatch`);
        assert.deepEqual(d.violations, []);
        await shutdownClean(w);
        assert.deepEqual(rejections, [], 'no unhandled rejections');
        const took = Date.now() - t0;
        assert.ok(took < 30_000, `took ${took} ms`);
        console.log(`S22 [${kind}] ${d.count} messages, ${lostPings} pings lost with their connection, ${d.markdowns} markdowns, ${d.resets} resets, max stuck ${maxEqual}, ${took} ms`);
      } finally {
        process.off('unhandledRejection', onRej);
      }
    });
  });
}
