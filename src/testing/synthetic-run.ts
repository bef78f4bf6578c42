/**
 * One synthetic run for tests: the workload (synthetic.ts) in the simulator (deterministic for a
 * seed, virtual time) or over real loopback TCP — seed connections, `ops` operations, the
 * bounded drain, shutdown — and the checks every synthetic scenario shares.
 */
import type { MsgrConfig } from '../core/config.ts';
import type { Policy } from '../core/session/policy.ts';
import { nodeEnv } from '../node/tcp-env.ts';
import { SimNetwork } from './sim-env.ts';
import { realDriver, simDriver } from './synthetic-driver.ts';
import { SyntheticWorkload, type OpMix, type SyntheticCounts } from './synthetic.ts';

export interface SynthRun {
  kind: 'sim' | 'tcp';
  servers: number;
  clients: number;
  serverPolicy: Policy;
  clientPolicy: Policy;
  seedConns: number;
  ops: number;
  mix: OpMix;
  seed: number;
  /** largest payload (uniform sizes from 32 B, as Ceph's pool) */
  maxPayload: number;
  config?: Partial<MsgrConfig>;
  /** bound of the drain and of any wait for in-flight room (ms, virtual in the simulator) */
  drainMs?: number;
  /** sleep op duration range (ms) */
  sleepMs?: [number, number];
}

export interface SynthResult {
  counts: SyntheticCounts;
  drained: boolean;
  injected: ReturnType<SyntheticWorkload['injected']>;
  /** messengers still holding something after shutdown (I4: none) */
  left: Array<Record<string, number | boolean>>;
  ms: number;
}

export async function runSynthetic(r: SynthRun): Promise<SynthResult> {
  const t0 = Date.now();
  const sim = r.kind === 'sim' ? new SimNetwork({ seed: r.seed, latencyMs: 0.05 }) : undefined;
  const tcp = sim ? undefined : nodeEnv();
  const wl = new SyntheticWorkload({
    servers: r.servers,
    clients: r.clients,
    serverPolicy: r.serverPolicy,
    clientPolicy: r.clientPolicy,
    env: () => (sim ? sim.env('127.0.0.1') : tcp!),
    driver: sim ? simDriver(sim) : realDriver(1),
    seed: r.seed,
    pool: { max: r.maxPayload, dist: 'uniform' },
    config: { ms_max_backoff: 1, ...r.config },
    stuckMs: r.drainMs ?? 300_000,
  });
  let drained = false;
  let res: Awaited<ReturnType<SyntheticWorkload['shutdown']>> = [];
  try {
    await wl.start();
    for (let i = 0; i < r.seedConns; i++) wl.generateConnection();
    await wl.run({ ops: r.ops, mix: r.mix, ...(r.sleepMs ? { sleepMs: r.sleepMs } : {}) });
    drained = await wl.waitForDone(r.drainMs ?? 300_000);
  } finally {
    res = await wl.shutdown();
    if (sim) await sim.advance(10);
  }
  const left = res.filter((x) => x.sockets || x.listeners || x.timer || x.dispatchQueue || x.all || x.conns || x.accepting || x.anon || x.transports);
  return { counts: wl.counts(), drained, injected: wl.injected(), left, ms: Date.now() - t0 };
}

export function summary(r: SynthResult): string {
  const c = r.counts;
  return (
    `sent ${c.sent} delivered ${c.delivered} discarded ${c.discarded} (drops ${c.drops}, resets ${c.resets} + ${c.remoteResets} remote) ` +
    `lost ${c.lost} dup ${c.duplicated} reord ${c.reordered} corrupt ${c.corrupt} stale ${c.stale}; reconnects ${c.reconnects}; ` +
    `faults ${r.injected.socketFailures}, internal delays ${r.injected.internalDelays}, delayed ${r.injected.delayedMessages}; ${r.ms} ms`
  );
}

/**
 * The net assertion (acceptance §1.3, I1, I4) as a list of violations (empty = pass): every
 * tracked ping on a connection that was not reset or dropped got exactly one pong, in order,
 * byte-exact; the system drained within its bound; nothing is left after shutdown.
 */
export function exactlyOnceViolations(r: SynthResult): string[] {
  const c = r.counts;
  const v: string[] = [];
  if (!r.drained) v.push(`not drained: ${c.pending} tracked pings still pending`);
  if (c.sent === 0) v.push('no pings were sent');
  for (const k of ['lost', 'duplicated', 'reordered', 'misrouted', 'corrupt', 'unknown', 'dispatchErrors'] as const) {
    if (c[k]) v.push(`${k} ${c[k]}`);
  }
  if (c.delivered + c.discarded !== c.sent) v.push(`delivered ${c.delivered} + discarded ${c.discarded} != sent ${c.sent}`);
  if (c.stale > c.discarded) v.push(`stale ${c.stale} > discarded ${c.discarded}`);
  if (c.drops + c.resets + c.remoteResets + c.refused === 0 && c.discarded) v.push(`discarded ${c.discarded} without any reset or drop`);
  if (r.left.length) v.push(`I4: left after shutdown ${JSON.stringify(r.left)}`);
  return v;
}
