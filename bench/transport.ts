/**
 * `npm run bench` (default case): message throughput and latency, side by side in one run, with
 * sender and receiver in separate processes over loopback:
 *   raw-net (one write per message), raw-net-batched, zeromq (PUSH/PULL, REQ/REP),
 *   ceph-msgr-crc and ceph-msgr-secure (msgr2.1)
 * for 64 B, 4 KiB and 4 MiB one-way streams and a 64 B ping-pong. Prints a table with msgs/s,
 * MB/s, p50/p99 and the ratios to raw net and to zeromq; `--json` ends with one JSON line.
 * Options: --quick (smaller counts), --only IMPL[,IMPL], --cases CASE[,CASE].
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

type Impl = 'raw-net' | 'raw-net-batched' | 'zeromq' | 'ceph-msgr-crc' | 'ceph-msgr-secure';
type CaseName = '64B-oneway' | '4KiB-oneway' | '4MiB-oneway' | '64B-pingpong';
const IMPLS: Impl[] = ['raw-net', 'raw-net-batched', 'zeromq', 'ceph-msgr-crc', 'ceph-msgr-secure'];
const CASES: Record<CaseName, { size: number; count: number; pingpong: boolean }> = {
  '64B-oneway': { size: 64, count: 1_000_000, pingpong: false },
  '4KiB-oneway': { size: 4096, count: 200_000, pingpong: false },
  '4MiB-oneway': { size: 4 << 20, count: 300, pingpong: false },
  '64B-pingpong': { size: 64, count: 20_000, pingpong: true },
};

export interface Result {
  case: CaseName;
  impl: Impl;
  msgs_per_s: number;
  mb_per_s: number;
  p50_us?: number;
  p99_us?: number;
  error?: string;
}

function peer(impl: Impl): { file: string; extra: string } {
  const dir = fileURLToPath(new URL('./peers/', import.meta.url));
  switch (impl) {
    case 'raw-net':
      return { file: dir + 'raw-net.ts', extra: '' };
    case 'raw-net-batched':
      return { file: dir + 'raw-net.ts', extra: 'batched' };
    case 'zeromq':
      return { file: dir + 'zeromq.ts', extra: '' };
    case 'ceph-msgr-crc':
      return { file: dir + 'msgr.ts', extra: 'crc' };
    case 'ceph-msgr-secure':
      return { file: dir + 'msgr.ts', extra: 'secure' };
  }
}

function start(file: string, args: string[], env: Record<string, string> = {}): { p: ChildProcess; next: () => Promise<Record<string, unknown>> } {
  const p = spawn(process.execPath, ['--import', 'tsx', file, ...args], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env } });
  const rl = createInterface({ input: p.stdout! });
  const q: Array<Record<string, unknown>> = [];
  const waiters: Array<(v: Record<string, unknown>) => void> = [];
  rl.on('line', (l) => {
    let v: Record<string, unknown>;
    try {
      v = JSON.parse(l) as Record<string, unknown>;
    } catch {
      return;
    }
    const w = waiters.shift();
    if (w) w(v);
    else q.push(v);
  });
  return { p, next: () => (q.length ? Promise.resolve(q.shift()!) : new Promise((r) => waiters.push(r))) };
}

async function waitFor(next: () => Promise<Record<string, unknown>>, key: string, ms: number): Promise<Record<string, unknown>> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`timeout waiting for ${key}`);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const v = await Promise.race([next(), new Promise<undefined>((r) => (timer = setTimeout(() => r(undefined), left)))]);
    // a pending timer would keep the benchmark alive for up to 2 minutes after its last case
    clearTimeout(timer);
    if (!v) throw new Error(`timeout waiting for ${key}`);
    if (key in v) return v;
  }
}

async function one(impl: Impl, name: CaseName, scale: number): Promise<Result> {
  const c = CASES[name];
  const count = Math.max(c.pingpong ? 1000 : 50, Math.floor(c.count * scale));
  const { file, extra } = peer(impl);
  const server = start(file, [c.pingpong ? 'echo' : 'recv', String(c.size), String(count), '0', extra]);
  let client: ReturnType<typeof start> | undefined;
  try {
    const ready = await waitFor(server.next, 'ready', 20_000);
    const env: Record<string, string> = typeof ready.addrs === 'string' ? { BENCH_ADDRS: ready.addrs } : {};
    client = start(file, [c.pingpong ? 'ping' : 'send', String(c.size), String(count), String(ready.port ?? 0), extra], env);
    const done = await waitFor(c.pingpong ? client.next : server.next, 'done', 120_000);
    const r: Result = { case: name, impl, msgs_per_s: Number(done.msgs_per_s), mb_per_s: c.pingpong ? (Number(done.msgs_per_s) * c.size * 2) / 1e6 : Number(done.mb_per_s) };
    if (c.pingpong) {
      r.p50_us = Number(done.p50_us);
      r.p99_us = Number(done.p99_us);
    }
    return r;
  } catch (e) {
    return { case: name, impl, msgs_per_s: 0, mb_per_s: 0, error: (e as Error).message };
  } finally {
    server.p.kill('SIGKILL');
    client?.p.kill('SIGKILL');
  }
}

const fmt = (n: number | undefined, d = 0): string => (n === undefined || !Number.isFinite(n) ? '-' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d }));

const HELP = `usage: npm run bench -- [transport] [--json] [--quick] [--only IMPL,…] [--cases CASE,…]
  IMPL: ${IMPLS.join(', ')}
  CASE: ${Object.keys(CASES).join(', ')}
`;

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(HELP);
    return 0;
  }
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--json' || a === '--quick') continue;
    const list = a === '--only' ? (IMPLS as string[]) : a === '--cases' ? Object.keys(CASES) : undefined;
    const bad = list === undefined ? [a] : (args[++i] ?? '').split(',').filter((x) => !list.includes(x));
    if (bad.length) {
      process.stderr.write(`bench transport: bad ${list ? a.slice(2) : 'option'} '${bad.join(',')}'\n${HELP}`);
      return 2;
    }
  }
  const json = args.includes('--json');
  const quick = args.includes('--quick');
  const pick = (flag: string): string[] | undefined => {
    const i = args.indexOf(flag);
    return i >= 0 ? args[i + 1]?.split(',') : undefined;
  };
  const impls = (pick('--only') as Impl[] | undefined) ?? IMPLS;
  const cases = (pick('--cases') as CaseName[] | undefined) ?? (Object.keys(CASES) as CaseName[]);
  const t0 = Date.now();
  const results: Result[] = [];
  const log = (s: string): void => void (json ? process.stderr : process.stdout).write(s + '\n');
  log(`transport benchmark on ${process.platform}/${process.arch}, node ${process.version}${quick ? ' (quick)' : ''}`);
  for (const name of cases) {
    log(`\n${name}`);
    log(`  ${'impl'.padEnd(18)} ${'msgs/s'.padStart(12)} ${'MB/s'.padStart(9)} ${'p50 us'.padStart(8)} ${'p99 us'.padStart(8)}  ${'x raw'.padStart(6)} ${'x zmq'.padStart(6)}`);
    const rows: Result[] = [];
    for (const impl of impls) {
      const r = await one(impl, name, quick ? 0.2 : 1);
      rows.push(r);
      results.push(r);
    }
    const raw = rows.find((r) => r.impl === 'raw-net');
    const zmq = rows.find((r) => r.impl === 'zeromq');
    for (const r of rows) {
      const lat = CASES[name].pingpong;
      const vs = (b: Result | undefined): string =>
        !b || !b.msgs_per_s || !r.msgs_per_s ? '-' : lat ? (r.p50_us! / b.p50_us!).toFixed(2) : (r.msgs_per_s / b.msgs_per_s).toFixed(2);
      log(
        `  ${r.impl.padEnd(18)} ${fmt(r.msgs_per_s).padStart(12)} ${fmt(r.mb_per_s, 1).padStart(9)} ${fmt(r.p50_us, 1).padStart(8)} ${fmt(r.p99_us, 1).padStart(8)}  ${vs(raw).padStart(6)} ${vs(zmq).padStart(6)}${r.error ? '  ERROR ' + r.error : ''}`,
      );
    }
  }
  log(`\n(ratios: throughput ours/theirs; for ping-pong p50 latency ours/theirs, lower is better) — ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  if (json) process.stdout.write(JSON.stringify({ cases: results }) + '\n');
  return results.some((r) => r.error) ? 1 : 0;
}
