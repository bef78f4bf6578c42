/**
 * The Node shell's pump: after every input it drains the messenger core (IO commands, write
 * batches, events); sends made in one turn are coalesced into one write (schedule); one timer is
 * kept armed for the core's next deadline; the reaper runs soon after connections die.
 */
import type { TimerHandle } from './env.ts';
import type { DrainWaiters } from './drain-waiters.ts';
import { connByTid, logBytes } from './log-sink.ts';
import type { Messenger } from './messenger.ts';
import type { ShellEvents } from './shell-events.ts';
import type { ShellSockets } from './shell-sockets.ts';

export class Pump {
  private timer: TimerHandle | undefined;
  private timerAt = Infinity;
  private pumping = false;
  private again = false;
  private scheduled = false;
  private reapScheduled = false;

  constructor(
    private readonly m: Messenger,
    private readonly sockets: ShellSockets,
    private readonly events: ShellEvents,
    private readonly drain: DrainWaiters,
  ) {}

  /** a timer is armed */
  get timerArmed(): boolean {
    return this.timer !== undefined;
  }

  /** Run soon (coalesces sends made in one turn into one write). */
  schedule(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    if (this.scheduled) return;
    this.scheduled = true;
    this.m.env.defer(() => {
      this.scheduled = false;
      this.run();
    });
  }

  /** Drain the core: IO commands, writes, events; then re-arm the timer and the reaper. */
  run(): void {
    if (this.pumping) {
      this.again = true;
      return;
    }
    this.pumping = true;
    const m = this.m;
    const core = m.core;
    const sockets = this.sockets;
    const room = sockets.room;
    const t0 = performance.now();
    try {
      do {
        this.again = false;
        for (let io = core.pollIo(); io; io = core.pollIo()) sockets.handleIo(io);
        for (let tx = core.pollTransmit(room); tx; tx = core.pollTransmit(room)) {
          const s = sockets.socks.get(tx.tid);
          const tw = performance.now();
          if (core.log.level >= 20) logBytes(core.log, connByTid(core, tx.tid), 'write', tx.bufs);
          if (s && !s.write(tx.bufs)) core.writable(tx.tid, false, m.env.now());
          m.shellCounters.sendMs += performance.now() - tw;
        }
        for (let ev = core.pollEvent(); ev; ev = core.pollEvent()) this.events.handle(ev);
      } while (this.again || core.hasOutput);
    } finally {
      this.pumping = false;
      m.shellCounters.runningMs += performance.now() - t0;
    }
    this.armTimer();
    if (this.drain.size) this.drain.wake();
    if (core.reapable && !this.reapScheduled && m.state !== 'created') {
      this.reapScheduled = true;
      m.env.defer(() => {
        this.reapScheduled = false;
        core.reap(m.env.now());
        this.run();
      });
    }
  }

  private armTimer(): void {
    const m = this.m;
    if (m.state === 'stopped') return;
    const t = m.core.nextTimeout();
    if (t === undefined) {
      this.cancelTimer();
      return;
    }
    if (this.timer && t >= this.timerAt) return;
    this.timer?.cancel();
    this.timerAt = t;
    this.timer = m.env.setTimer(t - m.env.now(), () => {
      this.timer = undefined;
      this.timerAt = Infinity;
      m.core.tick(m.env.now());
      this.run();
    });
  }

  /** Cancel the timer (when nothing is due, and at shutdown). */
  cancelTimer(): void {
    this.timer?.cancel();
    this.timer = undefined;
    this.timerAt = Infinity;
  }
}
