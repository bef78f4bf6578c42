/**
 * The messenger perf pair, in the spirit of Ceph's ceph_perf_msgr_server / _client:
 * the client keeps `depth` ops in flight on each of `jobs` connections (one messenger per job),
 * the server answers every op (after `thinkUs` of busy work, like the OSD's fast dispatch), and
 * the client measures IOPS, MB/s and sampled latency. With `verify`, every reply is checked for
 * order and content: a reply carries [u32 job][u32 op index][u32 crc32c(request data)].
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { crc32c } from '../encoding/crc32c.ts';
import { AddrType, formatAddrVec, parseAddrVec, type EntityAddr } from '../encoding/types/entity-addr.ts';
import { MsgrError } from '../errors.ts';
import { Message } from '../messages/message.ts';
import type { MsgrConfig } from '../core/config.ts';
import { Policy } from '../core/session/policy.ts';
import type { AuthClient, AuthServer } from '../core/auth/types.ts';
import { AuthNoneClient, AuthNoneServer } from '../core/auth/none.ts';
import '../core/msgr1/index.ts';
import { Messenger } from '../node/messenger.ts';
import type { Connection } from '../node/connection.ts';
import { BENCH_SECRET, sharedSecretClient, sharedSecretServer } from './shared-secret-auth.ts';

export const PERF_OP = 0x7fe0;
export const PERF_REPLY = 0x7fe1;

export type PerfMode = 'crc' | 'secure';

function auth(mode: PerfMode, protocol: 1 | 2): { client: (id: string) => AuthClient; server: () => AuthServer } {
  if (mode === 'secure') {
    if (protocol === 1) throw new MsgrError('ERR_INVALID_ARG', 'msgr1 has no secure mode (use --ms-mode crc with --protocol 1)');
    const o = { secret: BENCH_SECRET, serviceType: 4, modes: [2], random: (n: number) => randomBytes(n), now: () => Date.now() };
    return { client: (id) => sharedSecretClient({ type: 8, id }, o), server: () => sharedSecretServer(o) };
  }
  return { client: (id) => new AuthNoneClient({ name: { type: 8, id } }), server: () => new AuthNoneServer({}) };
}

export interface PerfServerOptions {
  bind: string;
  mode: PerfMode;
  protocol: 1 | 2;
  thinkUs: number;
  config?: Partial<MsgrConfig>;
}

/** Start a perf server; resolves with the messenger and its bound addresses. */
export async function startPerfServer(o: PerfServerOptions): Promise<{ messenger: Messenger; addrs: EntityAddr[]; ops: () => number }> {
  const a = auth(o.mode, o.protocol);
  const m = Messenger.create({
    name: 'osd.0',
    logicalName: 'perf-server',
    config: { ms_dispatch_throttle_bytes: 512 << 20, ...o.config },
    authServer: a.server(),
    authClient: a.client('perf-server'),
  });
  m.setDefaultPolicy(Policy.stateless_server());
  m.setPolicy('client', Policy.stateless_server());
  let ops = 0;
  m.addDispatcher({
    dispatch(msg, c) {
      if (msg.type !== PERF_OP) return false;
      if (o.thinkUs > 0) {
        const until = performance.now() + o.thinkUs / 1000;
        while (performance.now() < until);
      }
      ops++;
      const reply = Buffer.allocUnsafe(12);
      const d = msg.data;
      reply.writeUInt32LE(d.length >= 4 ? d.readUInt32LE(0) : 0, 0);
      reply.writeUInt32LE(d.length >= 8 ? d.readUInt32LE(4) : 0, 4);
      reply.writeUInt32LE(crc32c(0, d), 8);
      c.send(new Message({ type: PERF_REPLY, tid: msg.tid, data: reply }));
      return true;
    },
  });
  const type = o.protocol === 1 ? AddrType.LEGACY : AddrType.MSGR2;
  const want = parseAddrVec(o.bind, type).map((x) => ({ ...x, type }));
  const addrs = await m.bind(want);
  await m.start();
  return { messenger: m, addrs, ops: () => ops };
}

export interface PerfClientOptions {
  addrs: string;
  size: number;
  ops: number;
  depth: number;
  jobs: number;
  lossless: boolean;
  mode: PerfMode;
  protocol: 1 | 2;
  verify: boolean;
  config?: Partial<MsgrConfig>;
  /** progress callback, called about every 250 ms with ops done so far */
  progress?: (done: number) => void;
  /** receives each messenger as it is created (admin socket, metrics) */
  onMessenger?: (m: Messenger) => void;
}

export interface PerfResult {
  ops: number;
  elapsed_s: number;
  iops: number;
  mbps: number;
  p50_us: number;
  p99_us: number;
  lost: number;
  duplicated: number;
  reordered: number;
  corrupt: number;
}

class Job {
  next = 0;
  done = 0;
  expect = 0;
  readonly sentAt: number[];
  readonly crcs: number[];
  conn!: Connection;
  constructor(
    readonly id: number,
    readonly total: number,
    readonly payload: Buffer,
    readonly verify: boolean,
  ) {
    this.sentAt = new Array<number>(total);
    this.crcs = verify ? new Array<number>(total) : [];
  }
}

/** Run the client load; resolves with the measured result. */
export async function runPerfClient(o: PerfClientOptions): Promise<PerfResult> {
  const a = auth(o.mode, o.protocol);
  const target = parseAddrVec(o.addrs, o.protocol === 1 ? AddrType.LEGACY : AddrType.MSGR2);
  const perJob = Math.ceil(o.ops / o.jobs);
  const lat: number[] = [];
  const st = { duplicated: 0, reordered: 0, corrupt: 0 };
  const msgrs: Messenger[] = [];
  const jobs: Job[] = [];
  let finished = 0;
  let resolveAll!: () => void;
  const all = new Promise<void>((r) => (resolveAll = r));
  const connected: Array<Promise<void>> = [];
  for (let j = 0; j < o.jobs; j++) {
    const payload = randomBytes(Math.max(8, o.size));
    payload.writeUInt32LE(j, 0);
    const job = new Job(j, Math.min(perJob, o.ops - j * perJob), payload, o.verify);
    jobs.push(job);
    const m = Messenger.create({
      name: `client.perf${j}`,
      logicalName: 'perf-client',
      config: { ms_connect_msgr1: o.protocol === 1, ...o.config },
      authClient: a.client(`perf${j}`),
    });
    m.setDefaultPolicy(o.lossless ? Policy.lossless_client() : Policy.lossy_client());
    msgrs.push(m);
    o.onMessenger?.(m);
    m.addDispatcher({
      dispatch(msg) {
        if (msg.type !== PERF_REPLY) return false;
        const now = performance.now();
        // the op index travels in the header tid (the payload is shared between ops unless --verify)
        const i = Number(msg.tid) - 1;
        if (i < 0 || i >= job.total) st.corrupt++;
        else {
          if (i < job.expect) st.duplicated++;
          else if (i > job.expect) st.reordered++;
          job.expect = Math.max(job.expect, i + 1);
          if ((job.done & 15) === 0) lat.push((now - job.sentAt[i]!) * 1000);
          if (o.verify && (msg.data.readUInt32LE(0) !== job.id || msg.data.readUInt32LE(8) !== job.crcs[i])) st.corrupt++;
        }
        job.done++;
        if (job.next < job.total) send(job);
        else if (job.done >= job.total && ++finished === o.jobs) resolveAll();
        return true;
      },
    });
    await m.start();
    connected.push(new Promise<void>((r) => m.once('connect', () => r())));
    job.conn = m.connectTo(target, 'osd');
  }
  // like Ceph's perf client: sessions first, then the clock
  await Promise.race([Promise.all(connected), new Promise((r) => setTimeout(r, 10_000))]);
  const t0 = performance.now();
  function send(job: Job): void {
    const i = job.next++;
    let data = job.payload;
    if (o.verify) {
      // each op gets its own bytes, stamped with job and index, and its crc is remembered
      data = Buffer.from(job.payload);
      data.writeUInt32LE(job.id, 0);
      data.writeUInt32LE(i, 4);
      job.crcs[i] = crc32c(0, data);
    }
    job.sentAt[i] = performance.now();
    job.conn.send(new Message({ type: PERF_OP, tid: BigInt(i + 1), data }));
  }
  for (const job of jobs) for (let d = 0; d < o.depth && job.next < job.total; d++) send(job);
  // progress, and a stall guard: no reply for 10 s ends the run (the rest counts as lost)
  let lastDone = -1;
  let lastChange = performance.now();
  const timer = setInterval(() => {
    const d = jobs.reduce((x, j) => x + j.done, 0);
    o.progress?.(d);
    if (d !== lastDone) {
      lastDone = d;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > 10_000) resolveAll();
  }, 250);
  await all;
  clearInterval(timer);
  const elapsed = (performance.now() - t0) / 1000;
  for (const m of msgrs) await m.shutdown();
  lat.sort((x, y) => x - y);
  const done = jobs.reduce((x, j) => x + Math.min(j.expect, j.total), 0);
  return {
    ops: o.ops,
    elapsed_s: elapsed,
    iops: o.ops / elapsed,
    mbps: (o.ops * o.size) / elapsed / 1e6,
    p50_us: lat[Math.floor(lat.length * 0.5)] ?? 0,
    p99_us: lat[Math.floor(lat.length * 0.99)] ?? 0,
    lost: o.ops - done,
    duplicated: st.duplicated,
    reordered: st.reordered,
    corrupt: st.corrupt,
  };
}

export function describeAddrs(a: readonly EntityAddr[]): string {
  return formatAddrVec(a);
}
