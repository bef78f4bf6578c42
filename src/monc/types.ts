/** The MonClient's options (with Ceph's defaults), results, and messenger. */
import type { Buffer } from 'node:buffer';
import type { EntityName } from '../encoding/types/entity-name.ts';
import type { MsgrConfig } from '../core/config.ts';
import type { AuthClient } from '../core/auth/types.ts';
import type { LogSink } from '../core/log.ts';
import type { Env } from '../node/env.ts';
import { Messenger } from '../node/messenger.ts';
import { Policy } from '../core/session/policy.ts';
import { EntityType } from '../encoding/types/entity-name.ts';
import { SUBSCRIBE_ONETIME } from '../messages/mon-subscribe.ts';
import type { MonAddr } from '../config/mon-host.ts';

export interface MonClientOptions {
  /** the mons to hunt among at first (mon_host); replaced by the monmap once we have one */
  mons: readonly MonAddr[];
  /** our auth identity, e.g. client.admin */
  name: EntityName;
  authClient: AuthClient;
  msgrConfig?: Partial<MsgrConfig>;
  env?: Env;
  log?: LogSink;
  /** seconds; defaults are Ceph's */
  pingInterval?: number;
  pingTimeout?: number;
  huntInterval?: number;
  huntParallel?: number;
  huntBackoff?: number;
  huntMinMultiple?: number;
  huntMaxMultiple?: number;
  /** default timeout of connect() (client_mount_timeout), s */
  mountTimeout?: number;
  /** default timeout of command()/getVersion() (rados_mon_op_timeout), s; 0 = none */
  opTimeout?: number;
  maxPending?: number;
  /** hostname sent in MMonSubscribe */
  hostname?: string;
  /** subscriptions made on every session besides monmap and config (default osdmap, onetime) */
  subscribe?: ReadonlyArray<readonly [what: string, start: bigint, flags: number]>;
}

export interface MonCommandResult {
  /** 0 or a negative errno */
  r: number;
  /** status text */
  rs: string;
  /** the command's output (MMonCommandAck data segment) */
  data: Buffer;
}

export interface MonVersion {
  version: bigint;
  oldestVersion: bigint;
}

export type ResolvedOptions = Required<Omit<MonClientOptions, 'msgrConfig' | 'env' | 'log' | 'authClient' | 'mons' | 'name'>>;

/** Ceph's defaults for what was not given. */
export function resolveOptions(o: MonClientOptions): ResolvedOptions {
  return {
    pingInterval: o.pingInterval ?? 10,
    pingTimeout: o.pingTimeout ?? 30,
    huntInterval: o.huntInterval ?? 3,
    huntParallel: Math.max(1, o.huntParallel ?? 3),
    huntBackoff: o.huntBackoff ?? 1.5,
    huntMinMultiple: o.huntMinMultiple ?? 1,
    huntMaxMultiple: o.huntMaxMultiple ?? 10,
    mountTimeout: o.mountTimeout ?? 300,
    opTimeout: o.opTimeout ?? 0,
    maxPending: o.maxPending ?? 1024,
    hostname: o.hostname ?? '',
    subscribe: o.subscribe ?? [['osdmap', 0n, SUBSCRIBE_ONETIME]],
  };
}

/** The MonClient's messenger: lossy_client towards mons, named TYPE.-1 until the mon gives us a global_id. */
export function createMonMessenger(o: MonClientOptions, auth: AuthClient): Messenger {
  const ms = Messenger.create({
    name: { type: o.name.type, id: o.name.id },
    ...(o.msgrConfig ? { config: o.msgrConfig } : {}),
    authClient: auth,
    ...(o.env ? { env: o.env } : {}),
    ...(o.log ? { log: o.log } : {}),
  });
  ms.setMyName({ type: o.name.type, num: -1n });
  ms.setDefaultPolicy(Policy.lossy_client());
  ms.setPolicy(EntityType.MON, Policy.lossy_client());
  return ms;
}
