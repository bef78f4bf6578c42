/**
 * One scenario, two worlds: `simWorld()` runs messengers over the simulated network with a manual
 * clock (virtual time, deterministic), `tcpWorld()` over real loopback TCP with real time. The
 * scenario code is identical; only waiting differs (`until` jumps virtual time in the simulator).
 */
import { Messenger, type MessengerOptions } from '../../src/node/messenger.ts';
import { nodeEnv } from '../../src/node/tcp-env.ts';
import { SimNetwork, type SimOptions } from '../../src/testing/sim-env.ts';
import type { Env } from '../../src/node/env.ts';

export interface World {
  readonly kind: 'sim' | 'tcp';
  readonly sim: SimNetwork | undefined;
  env(ip?: string): Env;
  /** wait until cond() holds; false after timeoutMs (virtual ms in the simulator) */
  until(cond: () => boolean, timeoutMs?: number): Promise<boolean>;
  sleep(ms: number): Promise<void>;
  /** a messenger on this world (shut down by cleanup) */
  messenger(opts: Omit<MessengerOptions, 'env'>, ip?: string): Messenger;
  /** shut every messenger down; returns the resources still held (all zero when clean) */
  cleanup(): Promise<Array<ReturnType<Messenger['resources']>>>;
}

abstract class Base implements World {
  abstract readonly kind: 'sim' | 'tcp';
  abstract readonly sim: SimNetwork | undefined;
  protected msgrs: Messenger[] = [];
  abstract env(ip?: string): Env;
  abstract until(cond: () => boolean, timeoutMs?: number): Promise<boolean>;
  abstract sleep(ms: number): Promise<void>;
  messenger(opts: Omit<MessengerOptions, 'env'>, ip?: string): Messenger {
    const m = Messenger.create({ ...opts, env: this.env(ip) });
    this.msgrs.push(m);
    return m;
  }
  async cleanup(): Promise<Array<ReturnType<Messenger['resources']>>> {
    for (const m of this.msgrs) await m.shutdown();
    await this.sleep(5);
    const res = this.msgrs.map((m) => m.resources());
    this.msgrs = [];
    return res;
  }
}

class SimWorld extends Base {
  readonly kind = 'sim' as const;
  readonly sim: SimNetwork;
  constructor(opts: SimOptions) {
    super();
    this.sim = new SimNetwork(opts);
  }
  env(ip = '127.0.0.1'): Env {
    return this.sim.env(ip);
  }
  until(cond: () => boolean, timeoutMs = 10_000): Promise<boolean> {
    return this.sim.runUntil(cond, timeoutMs);
  }
  async sleep(ms: number): Promise<void> {
    await this.sim.advance(ms);
  }
}

class TcpWorld extends Base {
  readonly kind = 'tcp' as const;
  readonly sim = undefined;
  private e = nodeEnv();
  env(): Env {
    return this.e;
  }
  async until(cond: () => boolean, timeoutMs = 10_000): Promise<boolean> {
    const end = Date.now() + timeoutMs;
    while (!cond()) {
      if (Date.now() > end) return cond();
      await new Promise((r) => setTimeout(r, 1));
    }
    return true;
  }
  sleep(ms: number): Promise<void> {
    return new Promise((r) => setTimeout(r, ms));
  }
}

export const simWorld = (opts: SimOptions = {}): World => new SimWorld(opts);
export const tcpWorld = (): World => new TcpWorld();

/** Register a scenario for both worlds. */
export const WORLDS: Array<[string, () => World]> = [
  ['sim', () => simWorld({ seed: 7, splitWrites: true })],
  ['tcp', () => tcpWorld()],
];
