/**
 * A MonClient set up from a CephConfig, as librados' MonClient::build_initial_monmap + init do:
 * mon addresses from `mon_host` (host names resolved), else from `[mon.X] mon addr` sections of
 * the config file; the auth client from auth_client_required / keyring / ms_mon_client_mode; the
 * messenger options; the mon_client_* timings; client_mount_timeout and rados_mon_op_timeout.
 */
import { randomBytes } from 'node:crypto';
import { MsgrError } from '../errors.ts';
import { AddrType, parseAddr } from '../encoding/types/entity-addr.ts';
import type { RandomBytes } from '../core/auth/types.ts';
import type { LogSink } from '../core/log.ts';
import type { Env } from '../node/env.ts';
import { buildAuthClient, type ReadFile } from '../config/auth.ts';
import { toMsgrConfig, type CephConfig } from '../config/config.ts';
import { confLookup } from '../config/conf-file.ts';
import { MON_PORT_LEGACY, resolveMonHost, type HostLookup, type MonAddr } from '../config/mon-host.ts';
import { nodeConfigIO } from '../config/load.ts';
import { MonClient, type MonClientOptions } from './mon-client.ts';

export interface FromConfigOptions {
  readFile?: ReadFile;
  random?: RandomBytes;
  now?: () => number;
  lookup?: HostLookup;
  env?: Env;
  log?: LogSink;
  subscribe?: MonClientOptions['subscribe'];
}

/** Mons named in `[mon.X]` sections with a `mon addr` (Ceph's init_with_config_file; legacy addrs). */
export function monsFromConfFile(cfg: CephConfig): MonAddr[] {
  const file = cfg.file;
  if (!file) return [];
  const out: MonAddr[] = [];
  for (const sec of file.sections.keys()) {
    if (!sec.startsWith('mon.') || sec.length <= 4) continue;
    const v = confLookup(file, [sec, 'mon', 'global'], 'mon addr');
    if (!v) continue;
    let a;
    try {
      a = parseAddr(v.value, AddrType.LEGACY, MON_PORT_LEGACY);
    } catch (e) {
      throw new MsgrError('ERR_CONFIG', `${file.source}:${v.line}: bad mon addr for ${sec}: '${v.value}'`, { cause: e });
    }
    out.push({ name: sec.slice(4), addrs: [{ ...a, port: a.port || MON_PORT_LEGACY }] });
  }
  return out;
}

/** The initial mon list of a config (ERR_CONFIG when there is none). */
export async function monsFromConfig(cfg: CephConfig, lookup?: HostLookup): Promise<MonAddr[]> {
  const host = cfg.get('mon_host');
  if (host.trim()) return resolveMonHost(host, lookup);
  const fromFile = monsFromConfFile(cfg);
  if (fromFile.length) return fromFile;
  throw new MsgrError(
    'ERR_CONFIG',
    cfg.file ? `no monitors specified to connect to: ${cfg.file.source} sets no mon_host` : 'no monitors specified to connect to: no config file found and no -m/--mon-host given',
  );
}

export async function monClientFromConfig(cfg: CephConfig, o: FromConfigOptions = {}): Promise<MonClient> {
  const mons = await monsFromConfig(cfg, o.lookup);
  const authClient = buildAuthClient(cfg, {
    readFile: o.readFile ?? ((p) => nodeConfigIO.readFile(p)),
    random: o.random ?? ((n) => randomBytes(n)),
    now: o.now ?? (() => Date.now()),
  });
  return new MonClient({
    mons,
    name: cfg.entity,
    authClient,
    msgrConfig: toMsgrConfig(cfg),
    ...(o.env ? { env: o.env } : {}),
    ...(o.log ? { log: o.log } : {}),
    pingInterval: cfg.get('mon_client_ping_interval'),
    pingTimeout: cfg.get('mon_client_ping_timeout'),
    huntInterval: cfg.get('mon_client_hunt_interval'),
    huntParallel: cfg.get('mon_client_hunt_parallel'),
    huntBackoff: cfg.get('mon_client_hunt_interval_backoff'),
    huntMinMultiple: cfg.get('mon_client_hunt_interval_min_multiple'),
    huntMaxMultiple: cfg.get('mon_client_hunt_interval_max_multiple'),
    mountTimeout: cfg.get('client_mount_timeout'),
    opTimeout: cfg.get('rados_mon_op_timeout'),
    maxPending: cfg.get('mon_client_max_pending'),
    hostname: cfg.get('host'),
    ...(o.subscribe ? { subscribe: o.subscribe } : {}),
  });
}
