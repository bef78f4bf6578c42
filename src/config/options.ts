/**
 * The option table: every option ceph-msgr honours, with Ceph's name, type, default and a one-line
 * description. This table is the single source of truth — the ceph.conf / CEPH_ARGS / command-line
 * loader, `toMsgrConfig()`, and (later) `config get/set/show` and the admin socket all read it.
 *
 * Types follow Ceph's Option::type_t: str, int, uint, float, bool, size (bytes, IEC suffixes),
 * secs (a timespan: `30`, `30s`, `5m`, `1h 30m`), millisecs, addr, addrvec, uuid.
 * Options marked `cephMsgr` are not Ceph options (they control ceph-msgr only).
 * `early` options are fixed before the config files are read (they pick the sections to read).
 */
import { DEFAULT_CONFIG, type MsgrConfig } from '../core/config.ts';

export type OptionType = 'str' | 'int' | 'uint' | 'float' | 'bool' | 'size' | 'secs' | 'millisecs' | 'addr' | 'addrvec' | 'uuid';

/** The JavaScript type of an option value. */
export type JsOf<T extends OptionType> = T extends 'bool'
  ? boolean
  : T extends 'int' | 'uint' | 'float' | 'size' | 'secs' | 'millisecs'
    ? number
    : string;

export interface OptionDef<T extends OptionType = OptionType> {
  readonly type: T;
  readonly default: JsOf<T>;
  readonly desc: string;
  /** not a Ceph option */
  readonly cephMsgr?: boolean;
  /** only settable from the command line / CEPH_ARGS / environment (not from ceph.conf) */
  readonly early?: boolean;
  /** the messenger core reads it (it is a key of MsgrConfig) */
  readonly core?: boolean;
  /** inclusive bounds for numeric options */
  readonly min?: number;
  readonly max?: number;
  /** for mode lists: allowed words */
  readonly words?: readonly string[];
  /** for enumerations: allowed values */
  readonly enum?: readonly string[];
  /** for free-form strings: the shape a value must have, and how to say it */
  readonly pattern?: RegExp;
  readonly patternDesc?: string;
}

type Extra = Omit<OptionDef, 'type' | 'default' | 'desc'>;

function opt<T extends OptionType>(type: T, def: JsOf<T>, desc: string, extra: Extra = {}): OptionDef<T> {
  return { type, default: def, desc, ...extra };
}

/** The core's option, with its default taken from DEFAULT_CONFIG (so the two can never differ). */
function core<K extends keyof MsgrConfig, T extends OptionType>(key: K, type: T, desc: string, extra: Extra = {}): OptionDef<T> {
  return { type, default: DEFAULT_CONFIG[key] as unknown as JsOf<T>, desc, core: true, ...extra };
}

const MODES = ['crc', 'secure'] as const;
const PORT = { min: 0, max: 65535 };

export const OPTIONS = {
  // ---- identity (early: they choose the config sections) ----
  name: opt('str', 'client.admin', 'our entity name (TYPE.ID); -n/--name, or --id/-i/--user ID for client.ID', { early: true }),
  cluster: opt('str', 'ceph', 'cluster name ($cluster; default config file /etc/ceph/$cluster.conf)', { early: true }),
  conf: opt('str', '', 'config file path(s), comma separated (-c; CEPH_CONF)', { early: true }),
  host: opt('str', '', 'this host name ($host; default: the short hostname)'),
  fsid: opt('uuid', '', 'cluster fsid (checked against the monmap when set)'),
  run_dir: opt('str', '/var/run/ceph', 'directory for runtime files ($run_dir)'),

  // ---- monitors and auth ----
  mon_host: opt('str', '', 'monitor addresses: "[v2:IP:3300,v1:IP:6789] …", "IP[:port],…", host names (-m)'),
  keyring: opt('str', '/etc/ceph/$cluster.$name.keyring,/etc/ceph/$cluster.keyring,/etc/ceph/keyring,/etc/ceph/keyring.bin', 'keyring files to try, comma separated (-k)'),
  key: opt('str', '', 'cephx secret (base64) given directly instead of a keyring'),
  keyfile: opt('str', '', 'file holding the base64 cephx secret'),
  auth_supported: opt('str', '', 'deprecated: when set, overrides the three auth_*_required options'),
  auth_cluster_required: opt('str', 'cephx', 'auth methods required between daemons (cephx, none)'),
  auth_service_required: opt('str', 'cephx', 'auth methods daemons require of clients (cephx, none)'),
  auth_client_required: opt('str', 'cephx, none', 'auth methods a client accepts, in preference order (cephx, none)'),
  mon_client_ping_interval: opt('float', 10, 'send KEEPALIVE2 to the mon every N s', { min: 0 }),
  mon_client_ping_timeout: opt('float', 30, 'drop the mon session and hunt when no KEEPALIVE2_ACK for N s (0 = never)', { min: 0 }),
  mon_client_hunt_interval: opt('float', 3, 'while hunting, try other mons after N s', { min: 0.01 }),
  mon_client_hunt_parallel: opt('uint', 3, 'mons to try at once while hunting', { min: 1 }),
  mon_client_hunt_interval_backoff: opt('float', 1.5, 'multiply the hunt interval by this after each failed round', { min: 1 }),
  mon_client_hunt_interval_min_multiple: opt('float', 1, 'lower bound of the hunt interval multiplier', { min: 0 }),
  mon_client_hunt_interval_max_multiple: opt('float', 10, 'upper bound of the hunt interval multiplier', { min: 1 }),
  client_mount_timeout: opt('secs', 300, 'give up connecting/authenticating to the mons after this long', { min: 0 }),
  rados_mon_op_timeout: opt('secs', 0, 'give up on a mon command / version query after this long (0 = wait forever)', { min: 0 }),
  mon_client_max_pending: opt('uint', 1024, 'at most N mon commands + version queries outstanding at once', { cephMsgr: true, min: 1 }),

  // ---- logging / admin ----
  debug_ms: opt('str', '0/0', 'messenger log level (LEVEL or LEVEL/GATHER, 0..30)', {
    pattern: /^\s*([12]?\d|30)(\s*\/\s*([12]?\d|30))?\s*$/,
    patternDesc: 'LEVEL or LEVEL/GATHER with levels 0..30',
  }),
  log_file: opt('str', '', 'log file path (empty: no log file)'),
  admin_socket: opt('str', '', 'admin socket path (empty: none); $cluster, $name, $pid, $run_dir… expanded'),
  metrics_port: opt('uint', 0, 'serve Prometheus metrics on http://127.0.0.1:PORT/metrics (0: off)', { cephMsgr: true, max: 65535 }),

  // ---- addresses ----
  public_addr: opt('addr', '', 'public address to bind (daemons)'),
  public_addrv: opt('addrvec', '', 'public address vector to bind (daemons)'),

  // ---- messenger core (src/core/config.ts) ----
  ms_initial_backoff: core('ms_initial_backoff', 'float', 'first reconnect delay after a fault (s)', { min: 0 }),
  ms_max_backoff: core('ms_max_backoff', 'float', 'upper bound of the reconnect delay (s)', { min: 0 }),
  ms_connection_ready_timeout: core('ms_connection_ready_timeout', 'uint', 'fault a connection not READY this long after it started (s)'),
  ms_connection_idle_timeout: core('ms_connection_idle_timeout', 'uint', 'fault a READY connection idle this long (s)'),
  ms_dispatch_throttle_bytes: core('ms_dispatch_throttle_bytes', 'size', 'bytes of received messages not yet dispatched'),
  ms_die_on_old_message: core('ms_die_on_old_message', 'bool', 'a duplicate (old seq) message is a fatal protocol error'),
  ms_die_on_skipped_message: core('ms_die_on_skipped_message', 'bool', 'a skipped incoming seq is a fatal protocol error'),
  ms_bind_port_min: core('ms_bind_port_min', 'int', 'lowest port to bind when searching', PORT),
  ms_bind_port_max: core('ms_bind_port_max', 'int', 'highest port to bind when searching', PORT),
  ms_bind_retry_count: core('ms_bind_retry_count', 'int', 'bind attempts before giving up', { min: 0 }),
  ms_bind_msgr1: core('ms_bind_msgr1', 'bool', 'bind a msgr1 (v1) address'),
  ms_bind_msgr2: core('ms_bind_msgr2', 'bool', 'bind a msgr2 (v2) address'),
  ms_msgr2_rev1: core('ms_msgr2_rev1', 'bool', 'advertise msgr2.1 (REVISION_1); false speaks msgr2.0', { cephMsgr: true }),
  ms_connect_msgr1: core('ms_connect_msgr1', 'bool', "dial a peer's v1 address even when it offers v2", { cephMsgr: true }),
  ms_mon_client_mode: core('ms_mon_client_mode', 'str', 'connection modes to offer a mon, in preference order', { words: MODES }),
  ms_client_mode: core('ms_client_mode', 'str', 'connection modes to offer other daemons', { words: MODES }),
  ms_service_mode: core('ms_service_mode', 'str', 'connection modes a daemon allows from clients', { words: MODES }),
  ms_cluster_mode: core('ms_cluster_mode', 'str', 'connection modes between daemons', { words: MODES }),
  ms_mon_service_mode: core('ms_mon_service_mode', 'str', 'connection modes a mon allows from non-mons', { words: MODES }),
  ms_mon_cluster_mode: core('ms_mon_cluster_mode', 'str', 'connection modes between mons / daemons to mons', { words: MODES }),
  ms_keepalive_interval: core('ms_keepalive_interval', 'float', 'send KEEPALIVE2 on idle READY connections every N s (0 = off)', { cephMsgr: true, min: 0 }),
  ms_keepalive_timeout: core('ms_keepalive_timeout', 'float', 'fault a READY connection silent for N s (0 = off)', { cephMsgr: true, min: 0 }),
  ms_max_message_size: core('ms_max_message_size', 'size', 'largest frame segment / message accepted from a peer', { cephMsgr: true }),
  ms_send_queue_high_water: core('ms_send_queue_high_water', 'size', 'queued bytes per connection above which send() returns false', { cephMsgr: true }),
  ms_send_queue_max_bytes: core('ms_send_queue_max_bytes', 'size', 'queued bytes per connection above which send() throws', { cephMsgr: true }),
  ms_send_queue_high_water_messages: core('ms_send_queue_high_water_messages', 'uint', 'queued messages per connection above which send() returns false', { cephMsgr: true }),
  ms_send_queue_max_messages: core('ms_send_queue_max_messages', 'uint', 'queued messages per connection above which send() throws', { cephMsgr: true }),
  ms_write_batch_bytes: core('ms_write_batch_bytes', 'size', 'bytes written to one socket per turn', { cephMsgr: true }),
  ms_inject_socket_failures: core('ms_inject_socket_failures', 'uint', 'inject a socket failure every ~N operations (testing)'),
  ms_inject_network_congestion: core('ms_inject_network_congestion', 'uint', 'N-1 of N socket writes would block (testing)'),
  ms_inject_seed: core('ms_inject_seed', 'uint', 'seed of the random fault injection (0 = pick one and log it)', { cephMsgr: true }),
  ms_inject_internal_delays: core('ms_inject_internal_delays', 'float', 'inject delays in the handshake (s, testing)', { min: 0 }),
  ms_inject_delay_type: core('ms_inject_delay_type', 'str', 'peer types whose messages get delayed (testing)'),
  ms_inject_delay_max: core('ms_inject_delay_max', 'float', 'largest injected delay (s, testing)', { min: 0 }),
  ms_inject_delay_probability: core('ms_inject_delay_probability', 'float', 'probability of delaying a message (testing)', { min: 0, max: 1 }),
  ms_inject_delay_msg_type: core('ms_inject_delay_msg_type', 'str', 'message types to delay (testing)'),
} as const;

export type OptionTable = typeof OPTIONS;
export type OptionName = keyof OptionTable;
export type OptionValue = string | number | boolean;
/** The JavaScript type of option N's value. */
export type ValueOf<N extends OptionName> = JsOf<OptionTable[N]['type']>;

const BY_NAME: ReadonlyMap<string, OptionDef> = new Map(Object.entries(OPTIONS) as [string, OptionDef][]);

/**
 * Ceph's key normalisation (ConfFile::normalize_key_name): trim, each run of whitespace becomes
 * one '_', each '-' becomes '_' (`ms bind-port` → `ms_bind_port`).
 */
export function normalizeOptionName(key: string): string {
  return key.trim().replace(/\s+/g, '_').replace(/-/g, '_');
}

export function isOptionName(name: string): name is OptionName {
  return BY_NAME.has(name);
}

/** The definition of an option (after normalising its name), or undefined. */
export function findOption(name: string): { name: OptionName; def: OptionDef } | undefined {
  const n = normalizeOptionName(name);
  const def = BY_NAME.get(n);
  return def ? { name: n as OptionName, def } : undefined;
}

/** Every option name, sorted. */
export function optionNames(): OptionName[] {
  return ([...BY_NAME.keys()] as OptionName[]).sort();
}

/** The core's options (keys of MsgrConfig). */
export function coreOptionNames(): (OptionName & keyof MsgrConfig)[] {
  return optionNames().filter((n) => BY_NAME.get(n)!.core) as (OptionName & keyof MsgrConfig)[];
}
