/**
 * `openAdminSocket(messengers, config)`: what a process (or a CLI command) calls to expose its
 * messengers on an admin socket. The path is the `admin_socket` option (`--admin-socket PATH` on
 * the command line; $cluster, $name, $type, $id, $pid, $run_dir … expanded), e.g.
 * `/var/run/ceph/$cluster-$name.asok`. Empty: no socket (undefined is returned).
 *
 *   const asok = await openAdminSocket([ms], cfg);   // ceph --admin-daemon PATH perf dump
 *   …
 *   await asok?.close();
 */
import { CephConfig } from '../config/config.ts';
import { formatEntityName } from '../encoding/types/entity-name.ts';
import { startMetricsServer, type MetricsServer } from '../metrics/http.ts';
import type { Messenger } from '../node/messenger.ts';
import { registerMessengerCommands } from './messenger-commands.ts';
import { AdminSocket } from './server.ts';

export interface OpenAdminSocketOptions {
  /** overrides the admin_socket option */
  path?: string;
}

/**
 * A config for a library user that has no CephConfig: the messenger's entity, its core options
 * as overrides, so that `config show` / `config get` tell the truth about it.
 */
export function configFromMessenger(m: Messenger): CephConfig {
  const cfg = new CephConfig({ name: formatEntityName(m.entity) });
  for (const [k, v] of Object.entries(m.config)) {
    try {
      if (cfg.getByName(k) !== v) cfg.set(k, v as string | number | boolean);
    } catch {
      // not an option of the table (cannot happen: a sync test keeps them equal)
    }
  }
  return cfg;
}

export async function openAdminSocket(
  messengers: readonly Messenger[] | (() => readonly Messenger[]),
  config?: CephConfig,
  opts: OpenAdminSocketOptions = {},
): Promise<AdminSocket | undefined> {
  const list = typeof messengers === 'function' ? messengers : () => messengers;
  const first = list()[0];
  const cfg = config ?? (first ? configFromMessenger(first) : new CephConfig());
  if (opts.path !== undefined) cfg.set('admin_socket', opts.path);
  const path = cfg.get('admin_socket');
  if (!path) return undefined;
  const sock = new AdminSocket();
  registerMessengerCommands(sock, { messengers: list, config: cfg });
  await sock.listen(path);
  return sock;
}

export interface Observability {
  readonly adminSocket: AdminSocket | undefined;
  readonly metrics: MetricsServer | undefined;
  close(): Promise<void>;
}

/**
 * What every long-running ceph-msgr process (and CLI command) calls once its messengers exist:
 * the admin socket when `admin_socket` is set (`--admin-socket PATH`), the Prometheus endpoint
 * when `metrics_port` is set (`--metrics-port N`). `close()` when done.
 */
export async function startObservability(messengers: readonly Messenger[] | (() => readonly Messenger[]), config: CephConfig): Promise<Observability> {
  const adminSocket = await openAdminSocket(messengers, config);
  const port = config.get('metrics_port');
  let metrics: MetricsServer | undefined;
  try {
    metrics = port > 0 ? await startMetricsServer({ messengers, port }) : undefined;
  } catch (e) {
    await adminSocket?.close();
    throw e;
  }
  return {
    adminSocket,
    metrics,
    close: async () => {
      await metrics?.close();
      await adminSocket?.close();
    },
  };
}
