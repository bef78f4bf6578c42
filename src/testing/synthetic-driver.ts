/**
 * How the synthetic workload waits: in the simulator time only moves while the simulation runs
 * (`simDriver`), on real TCP it is wall-clock time (`realDriver`). The workload never touches
 * timers itself, so the same code runs in both.
 */
import type { SimNetwork } from './sim-env.ts';

export interface Driver {
  /** milliseconds (virtual in the simulator) */
  now(): number;
  /** wait until cond() holds; false after timeoutMs */
  until(cond: () => boolean, timeoutMs: number): Promise<boolean>;
  sleep(ms: number): Promise<void>;
  /** let other work run (IO callbacks, the simulation) */
  yield(): Promise<void>;
}

export function simDriver(sim: SimNetwork): Driver {
  return {
    now: () => sim.now,
    until: (cond, ms) => sim.runUntil(cond, ms),
    sleep: (ms) => sim.advance(ms),
    yield: async () => {
      sim.step();
      await new Promise<void>((r) => setImmediate(r));
    },
  };
}

/** Real time. `pollMs`: how often `until` re-checks its condition. */
export function realDriver(pollMs = 1): Driver {
  return {
    now: () => Date.now(),
    async until(cond, ms) {
      const end = Date.now() + ms;
      while (!cond()) {
        if (Date.now() > end) return cond();
        await new Promise((r) => setTimeout(r, pollMs));
      }
      return true;
    },
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    yield: () => new Promise<void>((r) => setImmediate(r)),
  };
}
