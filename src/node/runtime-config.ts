/**
 * Changing options on a running Messenger (Messenger.setConfig, the admin socket's
 * `config set`), with the option table (src/config/options.ts) as the judge of names and values.
 *
 * What a running messenger does with a change:
 *  - `debug_ms`: the log level, at once (a stderr sink is installed if the messenger had none);
 *  - `log_file`: the log is reopened there ('' = stderr);
 *  - live (read on every use, existing connections included): the timers
 *    (ms_connection_ready_timeout, ms_connection_idle_timeout, ms_keepalive_interval,
 *    ms_keepalive_timeout, ms_initial_backoff, ms_max_backoff), fault injection (every ms_inject_*;
 *    switching it on builds the injector), ms_dispatch_throttle_bytes, the send-queue limits,
 *    ms_write_batch_bytes, ms_die_on_*;
 *  - new connections: connection modes, ms_msgr2_rev1, ms_connect_msgr1, ms_max_message_size;
 *  - not observed: ms_bind_* (used when binding) and every option the messenger does not read —
 *    the value is checked and reported "(not observed, change may require restart)" as Ceph does.
 * Options fixed at startup (name, cluster, conf) are refused with ERR_CONFIG.
 */
import { debugLevel } from '../config/config.ts';
import { findOption, type OptionValue } from '../config/options.ts';
import { formatOptionValue, parseOptionValue } from '../config/values.ts';
import type { MsgrConfig } from '../core/config.ts';
import { NULL_LOG } from '../core/log.ts';
import { MsgrError } from '../errors.ts';
import { NodeLogSink } from './log-sink.ts';
import type { Messenger } from './messenger.ts';

export type Observed = 'live' | 'new connections' | 'no';

export interface OptionChange {
  name: string;
  value: OptionValue;
  observed: Observed;
  /** Ceph-style report: "debug_ms = '10/10' " (+ "(not observed, change may require restart) ") */
  note: string;
}

const NEW_CONNECTIONS = new Set<string>([
  'ms_msgr2_rev1',
  'ms_connect_msgr1',
  'ms_max_message_size',
  'ms_mon_client_mode',
  'ms_client_mode',
  'ms_service_mode',
  'ms_cluster_mode',
  'ms_mon_service_mode',
  'ms_mon_cluster_mode',
]);
const NOT_OBSERVED = new Set<string>(['ms_bind_port_min', 'ms_bind_port_max', 'ms_bind_retry_count', 'ms_bind_msgr1', 'ms_bind_msgr2']);

/** How a running messenger takes a change of this option. */
export function observedBy(name: string): Observed {
  const found = findOption(name);
  if (!found) return 'no';
  if (found.name === 'debug_ms' || found.name === 'log_file') return 'live';
  if (!found.def.core || NOT_OBSERVED.has(found.name)) return 'no';
  return NEW_CONNECTIONS.has(found.name) ? 'new connections' : 'live';
}

/** Ceph's normalised debug value: "5" → "5/5". */
export function normalizeDebug(v: string): string {
  const [a, b] = v.split('/').map((x) => x.trim());
  return `${a}/${b ?? a}`;
}

/** Check a value against the option table; returns the typed value (ERR_CONFIG naming the option). */
export function checkOption(name: string, value: string | number | boolean): { name: string; value: OptionValue } {
  const found = findOption(name);
  if (!found) throw new MsgrError('ERR_CONFIG', `unknown option ${name}`);
  if (found.def.early) throw new MsgrError('ERR_CONFIG', `option ${found.name} cannot be changed after startup`);
  let v = parseOptionValue(found.name, found.def, formatOptionValue(value), 'runtime');
  if (found.name === 'debug_ms') {
    debugLevel(String(v));
    v = normalizeDebug(String(v));
  }
  return { name: found.name, value: v };
}

export function setMessengerOption(m: Messenger, name: string, value: string | number | boolean): OptionChange {
  const c = checkOption(name, value);
  const core = m.core;
  const observed = observedBy(c.name);
  if (c.name === 'debug_ms') {
    const level = debugLevel(String(c.value));
    if (core.log === NULL_LOG) core.log = new NodeLogSink({ level });
    else core.log.level = level;
  } else if (c.name === 'log_file') {
    if (core.log instanceof NodeLogSink) core.log.reopen(String(c.value));
    else core.log = new NodeLogSink({ level: Math.max(core.log.level, 0), file: String(c.value) });
  } else if (findOption(c.name)?.def.core) {
    (core.config as unknown as Record<string, OptionValue>)[c.name] = c.value;
    core.configChanged(c.name as keyof MsgrConfig);
    if (m.state === 'started') m.pump(); // timers are re-armed from the new deadlines
  }
  const note = `${c.name} = '${formatOptionValue(c.value)}' ${observed === 'no' ? '(not observed, change may require restart) ' : ''}`;
  return { name: c.name, value: c.value, observed, note };
}
