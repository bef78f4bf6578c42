/**
 * One `ceph-msgr stress` run: the synthetic workload (synthetic.ts) with N server messengers
 * (osd.0 … osd.N-1) and M client messengers (client.0 … client.M-1) in this process, over real
 * loopback TCP (or the simulator). Every client connects to every server, so there are N × M
 * connections (the workload's cap); drop_connection then marks some down and
 * generate_connection re-creates them. Runs for a number of messages or a duration, then waits
 * for the drain (bounded), shuts everything down and returns the counts.
 */
import type { Messenger } from '../node/messenger.ts';
import { randomBytes } from 'node:crypto';
import { ConMode } from '../core/auth/types.ts';
import type { MsgrConfig } from '../core/config.ts';
import { Policy } from '../core/session/policy.ts';
import { formatEntityName } from '../encoding/types/entity-name.ts';
import type { Env } from '../node/env.ts';
import { nodeEnv } from '../node/tcp-env.ts';
import { SimNetwork } from './sim-env.ts';
import { cephxPeers } from './synthetic-auth.ts';
import { realDriver, simDriver, type Driver } from './synthetic-driver.ts';
import type { PayloadDist } from './synthetic-payload.ts';
import { MIX_STATEFUL, SyntheticWorkload, type OpMix, type SyntheticCounts } from './synthetic.ts';

export const STRESS_POLICIES = ['lossless_peer', 'lossless_peer_reuse', 'lossless_client', 'lossy_client'] as const;
export type StressPolicy = (typeof STRESS_POLICIES)[number];

export interface StressOptions {
  /** called once the messengers exist, with a getter for them (admin socket, metrics) */
  exposeMessengers?: (list: () => Messenger[]) => void;
  servers: number;
  clients: number;
  /** messages to send (tracked pings + untracked commands); or: */
  messages?: number;
  /** run for this long instead (ms; virtual ms in the simulator) */
  durationMs?: number;
  policy: StressPolicy;
  protocol: 1 | 2;
  mode: 'crc' | 'secure';
  auth: 'none' | 'cephx';
  seed: number;
  config: Partial<MsgrConfig>;
  transport: 'tcp' | 'sim';
  payload: { min: number; max: number; dist: PayloadDist; count: number };
  maxInFlight: number;
  mix: OpMix;
  /** bound of the final drain (ms) */
  drainMs: number;
  discardOnConnect: boolean;
  onProgress?: (p: StressProgress) => void;
  progressEveryMs?: number;
  signal?: AbortSignal;
}

export interface StressProgress {
  elapsedS: number;
  phase: 'run' | 'drain';
  counts: SyntheticCounts;
  rssMb: number;
  socketFailures: number;
}

export interface StressResult {
  sent: number;
  delivered: number;
  lost: number;
  duplicated: number;
  reordered: number;
  resets: number;
  reconnects: number;
  rss_mb_max: number;
  seed: number;
  /** RSS when the process started the run (before the payload pool and the messengers) */
  rss_mb_process: number;
  /** RSS once the messengers run and the connections are seeded, i.e. the start of the workload */
  rss_mb_start: number;
  /** RSS sampled every minute of the run (soak trend) */
  rss_mb_by_minute: number[];
  rss_mb_end: number;
  misrouted: number;
  corrupt: number;
  unknown: number;
  discarded: number;
  stale: number;
  commands: number;
  /** payload MB carried by tracked pings (each echoed back by a pong) */
  ping_payload_mb: number;
  /** the payload pool: buffers and total MB */
  pool_mb: number;
  local_resets: number;
  remote_resets: number;
  drops: number;
  connections_created: number;
  socket_failures: number;
  internal_delays: number;
  delayed_messages: number;
  drained: boolean;
  stuck: boolean;
  interrupted: boolean;
  /** when not drained: the connections still expecting pongs (diagnostics) */
  stuck_connections?: string[];
  /** resources still held after shutdown (I4), summed over messengers */
  left: number;
  elapsed_s: number;
  transport: string;
  policy: string;
  protocol: number;
  ms_mode: string;
  auth: string;
  messengers: number;
  clients: number;
}

export function policyPair(p: StressPolicy): { server: Policy; client: Policy } {
  switch (p) {
    case 'lossless_client':
      return { server: Policy.stateful_server(), client: Policy.lossless_client() };
    case 'lossy_client':
      return { server: Policy.stateless_server(), client: Policy.lossy_client() };
    default:
      return { server: Policy.byName(p), client: Policy.byName(p) };
  }
}

/** A failing result: anything lost, duplicated, reordered, misrouted, corrupt, unknown or left over. */
export function stressFailed(r: StressResult): boolean {
  return r.lost + r.duplicated + r.reordered + r.misrouted + r.corrupt + r.unknown + r.left > 0 || !r.drained || r.stuck;
}

const rssMb = (): number => Math.round((process.memoryUsage.rss() / 1048576) * 10) / 10;

export async function runStress(o: StressOptions): Promise<StressResult> {
  const rssProcess = rssMb();
  let rssStart = rssProcess;
  let rssMax = rssProcess;
  const byMinute: number[] = [];
  const sim = o.transport === 'sim' ? new SimNetwork({ seed: o.seed || 1, latencyMs: 0.05 }) : undefined;
  const tcp = sim ? undefined : nodeEnv();
  const env = (): Env => (sim ? sim.env('127.0.0.1') : tcp!);
  const driver: Driver = sim ? simDriver(sim) : realDriver(1);
  const random = sim ? (n: number) => sim.random.bytes(n) : (n: number) => randomBytes(n);
  const { server, client } = policyPair(o.policy);
  const modes = o.mode === 'secure' ? [ConMode.SECURE] : [ConMode.CRC];
  const auth = o.auth === 'cephx' ? cephxPeers({ modes, random, now: () => (sim ? sim.now : Date.now()) }) : undefined;
  const wl = new SyntheticWorkload({
    servers: o.servers,
    clients: o.clients,
    serverPolicy: server,
    clientPolicy: client,
    env,
    driver,
    seed: o.seed,
    pool: o.payload,
    maxInFlight: o.maxInFlight,
    maxConnections: o.servers * o.clients,
    config: o.config,
    bindAddr: o.protocol === 1 ? 'v1:127.0.0.1:0' : 'v2:127.0.0.1:0',
    discardOnConnect: o.discardOnConnect,
    stuckMs: o.drainMs,
    ...(auth ? { auth } : {}),
  });
  o.exposeMessengers?.(() => [...wl.servers, ...wl.clients]);
  const t0 = Date.now();
  let phase: StressProgress['phase'] = 'run';
  const report = (): void => {
    const rss = rssMb();
    if (rss > rssMax) rssMax = rss;
    o.onProgress?.({ elapsedS: (Date.now() - t0) / 1000, phase, counts: wl.counts(), rssMb: rss, socketFailures: wl.injected().socketFailures });
  };
  let samples = 0;
  const sampler = setInterval(() => {
    const rss = rssMb();
    if (rss > rssMax) rssMax = rss;
    if (++samples % 240 === 0) byMinute.push(rss);
  }, 250);
  sampler.unref();
  const ticker = setInterval(report, o.progressEveryMs ?? 1000);
  ticker.unref();
  let drained = false;
  let interrupted = false;
  let left = 0;
  let stuckConns: string[] = [];
  const tStart = driver.now();
  try {
    await wl.start();
    for (const c of wl.clients) for (const s of wl.servers) wl.connect(c, s);
    rssStart = rssMb();
    const aborted = (): boolean => {
      if (o.signal?.aborted) interrupted = true;
      return interrupted;
    };
    await wl.run({
      ...(o.messages !== undefined ? { sends: o.messages } : {}),
      until: () => aborted() || (o.durationMs !== undefined && driver.now() - tStart >= o.durationMs),
      mix: o.mix,
    });
    phase = 'drain';
    drained = await driver.until(() => wl.tracker.pending === 0 || aborted(), interrupted ? 0 : o.drainMs);
    drained = drained && wl.tracker.pending === 0;
    report();
    if (!drained) stuckConns = wl.tracker.outstanding().slice(0, 8).map(([c, n]) => `${String(c)} on ${formatEntityName(c.messenger.entity)}: ${n} pending, stats ${JSON.stringify(c.stats)}`);
  } finally {
    clearInterval(ticker);
    clearInterval(sampler);
    const res = await wl.shutdown();
    for (const r of res) left += r.sockets + r.listeners + (r.timer ? 1 : 0) + r.dispatchQueue + r.conns + r.accepting + r.anon + r.all + r.transports;
  }
  if (sim) await sim.advance(10);
  const c = wl.counts();
  const inj = wl.injected();
  const rssEnd = rssMb();
  return {
    sent: c.sent,
    delivered: c.delivered,
    lost: c.lost,
    duplicated: c.duplicated,
    reordered: c.reordered,
    resets: c.resets + c.remoteResets,
    reconnects: c.reconnects,
    rss_mb_max: Math.max(rssMax, rssEnd),
    seed: o.seed,
    rss_mb_process: rssProcess,
    rss_mb_start: rssStart,
    rss_mb_by_minute: byMinute,
    rss_mb_end: rssEnd,
    misrouted: c.misrouted,
    corrupt: c.corrupt,
    unknown: c.unknown,
    discarded: c.discarded,
    stale: c.stale,
    commands: c.commands,
    ping_payload_mb: Math.round(c.pingBytes / 1048576),
    pool_mb: Math.round(wl.pool.totalBytes / 1048576),
    local_resets: c.resets,
    remote_resets: c.remoteResets,
    drops: c.drops,
    connections_created: c.connectionsCreated,
    socket_failures: inj.socketFailures,
    internal_delays: inj.internalDelays,
    delayed_messages: inj.delayedMessages,
    drained,
    stuck: wl.stuck,
    interrupted,
    left,
    elapsed_s: Math.round((Date.now() - t0) / 100) / 10,
    transport: o.transport,
    policy: o.policy,
    protocol: o.protocol,
    ms_mode: o.protocol === 1 ? 'v1' : o.mode,
    auth: o.auth,
    messengers: o.servers,
    clients: o.clients,
    ...(stuckConns.length ? { stuck_connections: stuckConns } : {}),
  };
}

export { MIX_STATEFUL };
