/**
 * Running a command against the mons: build a MonClient from the config (keyring files read
 * here, in the shell), connect within client_mount_timeout (or until the IO's signal aborts),
 * run the command body, always close. `debug_ms` > 0 logs the messenger to `log_file`, or to
 * stderr when no log file is set.
 */
import { startObservability, type Observability } from '../admin/open.ts';
import type { LogSink } from '../core/log.ts';
import { NodeLogSink } from '../node/log-sink.ts';
import { debugLevel, type CephConfig } from '../config/config.ts';
import { nodeConfigIO } from '../config/load.ts';
import { monClientFromConfig } from '../monc/from-config.ts';
import type { MonClient } from '../monc/mon-client.ts';
import type { OpOptions } from '../monc/pending.ts';
import type { CliIO } from './command.ts';

export function cliLogSink(cfg: CephConfig, io: CliIO): LogSink | undefined {
  const level = debugLevel(cfg.get('debug_ms'));
  if (level <= 0) return undefined;
  // Ceph-style lines (src/node/log-sink.ts) to log_file, else stderr
  return new NodeLogSink({ level, file: cfg.get('log_file'), stderr: (t) => io.err(t) });
}

/**
 * Timeout and signal for one mon request of the CLI: rados_mon_op_timeout when set, else
 * client_mount_timeout (a command line never waits forever, even when the mons vanish mid-way).
 */
export function opOptions(cfg: CephConfig, io: CliIO): OpOptions {
  const secs = cfg.get('rados_mon_op_timeout') > 0 ? cfg.get('rados_mon_op_timeout') : cfg.get('client_mount_timeout');
  return { ...(secs > 0 ? { timeoutMs: secs * 1000 } : {}), ...(io.signal ? { signal: io.signal } : {}) };
}

/** Connect a MonClient for `cfg`, run `fn`, close it whatever happens. */
export async function withMonClient<T>(cfg: CephConfig, io: CliIO, fn: (mc: MonClient) => Promise<T>): Promise<T> {
  const log = cliLogSink(cfg, io);
  const readFile = (p: string): string | undefined => (io.configIO ?? nodeConfigIO).readFile(p);
  const mc = await monClientFromConfig(cfg, { readFile, ...(log ? { log } : {}) });
  let obs: Observability | undefined;
  try {
    // --admin-socket PATH / --metrics-port N
    obs = await startObservability([mc.messenger], cfg);
    await mc.connect(io.signal ? { signal: io.signal } : {});
    return await fn(mc);
  } finally {
    await obs?.close();
    await mc.close();
    if (log instanceof NodeLogSink) log.close();
  }
}
