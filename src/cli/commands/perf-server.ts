/**
 * `ceph-msgr perf-server --bind 127.0.0.1:PORT [--ms-mode crc|secure] [--protocol 2|1] [--think-us N]`:
 * the server half of the messenger perf pair (Ceph's ceph_perf_msgr_server): answers every op
 * after N µs of busy work. Runs until SIGINT/SIGTERM (or --duration SECS).
 */
import type { CliIO, Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { COMMON_USAGE, parseOrHelp } from '../options.ts';
import { startObservability } from '../../admin/open.ts';
import { toMsgrConfig } from '../../config/config.ts';
import { startPerfServer, type PerfMode } from '../../perf/perf.ts';
import { formatAddrVec } from '../../encoding/types/entity-addr.ts';

const USAGE = `usage: ceph-msgr perf-server --bind ADDR [--ms-mode crc|secure] [--protocol 2|1] [--think-us N] [--duration SECS]

Answer every op of perf-client (one reply per op, after N µs of busy work per op, like the OSD's
fast dispatch). ADDR is ip:port (port 0 searches ms_bind_port_min..max). secure mode uses cephx
with a built-in shared benchmark secret; msgr1 (--protocol 1) supports crc only.

${COMMON_USAGE}`;

const FLAGS = { '--bind': true, '--protocol': true, '--think-us': true, '--duration': true } as const;

/** --protocol and --ms-mode (crc by default; the first mode named wins). */
export function perfArgs(args: readonly string[], o: { flags: Map<string, string | true> }): { mode: PerfMode; protocol: 1 | 2 } {
  const p = String(o.flags.get('--protocol') ?? '2');
  if (p !== '1' && p !== '2') throw new UsageError(`--protocol must be 1 or 2, not ${p}`);
  let modes = 'crc';
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--ms-mode' || a === '--ms_mode') modes = args[i + 1] ?? modes;
    else if (a.startsWith('--ms-mode=') || a.startsWith('--ms_mode=')) modes = a.slice(10);
  }
  const first = modes.split(/[\s,]+/).find(Boolean);
  if (first !== 'crc' && first !== 'secure') throw new UsageError(`--ms-mode must be crc or secure, not ${modes}`);
  return { mode: first, protocol: Number(p) as 1 | 2 };
}

export const perfServerCommand: Command = {
  name: 'perf-server',
  summary: 'messenger perf server: answer every op of perf-client',
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    const o = parseOrHelp(args, io, FLAGS, USAGE);
    if (!o) return 0;
    const bind = o.flags.get('--bind');
    if (typeof bind !== 'string') throw new UsageError('perf-server needs --bind ADDR');
    const { mode, protocol } = perfArgs(args, o);
    const think = Number(o.flags.get('--think-us') ?? 0);
    const s = await startPerfServer({ bind, mode, protocol, thinkUs: think, config: toMsgrConfig(o.config) });
    const obs = await startObservability([s.messenger], o.config); // --admin-socket PATH, --metrics-port N
    io.err(`perf-server listening on ${formatAddrVec(s.addrs)} (${mode}, msgr${protocol}, think ${think} us)\n`);
    io.out(JSON.stringify({ addrs: formatAddrVec(s.addrs) }) + '\n');
    const dur = o.flags.get('--duration');
    await new Promise<void>((resolve) => {
      if (typeof dur === 'string') setTimeout(resolve, Number(dur) * 1000);
      io.signal?.addEventListener('abort', () => resolve());
    });
    await obs.close();
    await s.messenger.shutdown();
    io.err(`perf-server: ${s.ops()} ops answered\n`);
    return 0;
  },
};
