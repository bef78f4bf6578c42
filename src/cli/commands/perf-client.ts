/**
 * `ceph-msgr perf-client --addr ADDR --size BYTES --ops N [--depth D] [--jobs J]
 *  [--policy lossless|lossy] [--ms-mode crc|secure] [--protocol 2|1] [--verify] [--json]`:
 * the client half of the messenger perf pair (Ceph's ceph_perf_msgr_client): D ops in flight per
 * job, one messenger and connection per job; prints IOPS, MB/s and p50/p99 latency.
 */
import type { CliIO, Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { COMMON_USAGE, parseOrHelp } from '../options.ts';
import { toMsgrConfig } from '../../config/config.ts';
import { runPerfClient } from '../../perf/perf.ts';
import { perfArgs } from './perf-server.ts';
import { startObservability } from '../../admin/open.ts';
import type { Messenger } from '../../node/messenger.ts';

const USAGE = `usage: ceph-msgr perf-client --addr ADDR --size BYTES --ops N [--depth D] [--jobs J]
                             [--policy lossless|lossy] [--ms-mode crc|secure] [--protocol 2|1]
                             [--verify] [--json]

Send N ops of BYTES each to perf-server at ADDR, keeping D in flight per job (default 1) on J
jobs (default 1; one messenger and connection per job). Prints IOPS, MB/s and p50/p99 latency
(sampled every 16th op); --verify checks every reply's order and content; --json prints one line
{"ops","elapsed_s","iops","mbps","p50_us","p99_us","lost","duplicated","reordered"}.

${COMMON_USAGE}`;

const FLAGS = {
  '--addr': true,
  '--size': true,
  '--ops': true,
  '--depth': true,
  '--jobs': true,
  '--policy': true,
  '--protocol': true,
  '--verify': false,
  '--json': false,
} as const;

function num(v: string | true | undefined, name: string, def?: number): number {
  if (v === undefined) {
    if (def === undefined) throw new UsageError(`perf-client needs ${name}`);
    return def;
  }
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UsageError(`${name} must be a non-negative integer, not ${String(v)}`);
  return n;
}

export const perfClientCommand: Command = {
  name: 'perf-client',
  summary: 'messenger perf client: IOPS, MB/s and latency against perf-server',
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    const o = parseOrHelp(args, io, FLAGS, USAGE);
    if (!o) return 0;
    const addr = o.flags.get('--addr');
    if (typeof addr !== 'string') throw new UsageError('perf-client needs --addr ADDR');
    const policy = String(o.flags.get('--policy') ?? 'lossless');
    if (policy !== 'lossless' && policy !== 'lossy') throw new UsageError('--policy must be lossless or lossy');
    const { mode, protocol } = perfArgs(args, o);
    const json = o.flags.has('--json');
    const ops = num(o.flags.get('--ops'), '--ops');
    const live: Messenger[] = [];
    const obs = await startObservability(() => live, o.config); // --admin-socket PATH, --metrics-port N
    const r = await runPerfClient({
      onMessenger: (m) => void live.push(m),
      addrs: addr,
      size: num(o.flags.get('--size'), '--size'),
      ops,
      depth: Math.max(1, num(o.flags.get('--depth'), '--depth', 1)),
      jobs: Math.max(1, num(o.flags.get('--jobs'), '--jobs', 1)),
      lossless: policy === 'lossless',
      mode,
      protocol,
      verify: o.flags.has('--verify'),
      config: toMsgrConfig(o.config),
      progress: json ? undefined : (d) => io.err(`\r  ${d}/${ops} ops`),
    });
    await obs.close();
    const line = {
      ops: r.ops,
      elapsed_s: +r.elapsed_s.toFixed(3),
      iops: Math.round(r.iops),
      mbps: +r.mbps.toFixed(1),
      p50_us: +r.p50_us.toFixed(1),
      p99_us: +r.p99_us.toFixed(1),
      lost: r.lost,
      duplicated: r.duplicated,
      reordered: r.reordered,
    };
    if (json) io.out(JSON.stringify(line) + '\n');
    else {
      io.err('\n');
      io.out(
        `${r.ops} ops in ${line.elapsed_s} s: ${line.iops} IOPS, ${line.mbps} MB/s, latency p50 ${line.p50_us} us p99 ${line.p99_us} us` +
          `; lost ${r.lost}, duplicated ${r.duplicated}, reordered ${r.reordered}${r.corrupt ? `, CORRUPT ${r.corrupt}` : ''}\n`,
      );
    }
    return r.lost || r.duplicated || r.reordered || r.corrupt ? 1 : 0;
  },
};
