/**
 * The messenger options the core honours, with Ceph's names and defaults (seconds where Ceph
 * uses seconds). The full option table with ceph.conf/CEPH_ARGS parsing lives in src/config;
 * the core only needs this typed subset. Options marked (ceph-msgr) are not Ceph options.
 */
export interface MsgrConfig {
  /** first reconnect delay after a fault while connecting (s) */
  ms_initial_backoff: number;
  /** upper bound of the reconnect delay; also the delay after WAIT (s) */
  ms_max_backoff: number;
  /** a connection not READY this long after it started connecting is faulted (s) */
  ms_connection_ready_timeout: number;
  /** a READY connection with no socket activity this long is faulted (s) */
  ms_connection_idle_timeout: number;
  /** bytes of received messages not yet dispatched, messenger-wide */
  ms_dispatch_throttle_bytes: number;
  /** crash-equivalent: treat a duplicate (old seq) incoming message as a fatal protocol error */
  ms_die_on_old_message: boolean;
  /** treat a skipped incoming seq as a fatal protocol error */
  ms_die_on_skipped_message: boolean;
  ms_bind_port_min: number;
  ms_bind_port_max: number;
  ms_bind_retry_count: number;
  ms_bind_msgr1: boolean;
  ms_bind_msgr2: boolean;
  /** (ceph-msgr) advertise msgr2.1 (REVISION_1) in the banner; false forces msgr2.0 */
  ms_msgr2_rev1: boolean;
  /** (ceph-msgr) dial a peer's v1 address even when it offers v2 */
  ms_connect_msgr1: boolean;
  /** connection modes in preference order, per role */
  ms_mon_client_mode: string;
  ms_client_mode: string;
  ms_service_mode: string;
  ms_cluster_mode: string;
  ms_mon_service_mode: string;
  ms_mon_cluster_mode: string;
  /** (ceph-msgr) send KEEPALIVE2 on idle READY connections every N s (0 = off) */
  ms_keepalive_interval: number;
  /** (ceph-msgr) fault a READY connection whose peer has not been heard from for N s (0 = off) */
  ms_keepalive_timeout: number;
  /** largest frame segment / message payload accepted from a peer (bytes) */
  ms_max_message_size: number;
  /** (ceph-msgr) soft limit of queued outgoing bytes per connection: send() returns false above it */
  ms_send_queue_high_water: number;
  /** (ceph-msgr) hard limit of queued outgoing bytes per connection: send() throws ERR_QUEUE_FULL */
  ms_send_queue_max_bytes: number;
  /** (ceph-msgr) soft limit of queued outgoing messages per connection: send() returns false above it */
  ms_send_queue_high_water_messages: number;
  /** (ceph-msgr) hard limit of queued outgoing messages per connection: send() throws ERR_QUEUE_FULL */
  ms_send_queue_max_messages: number;
  /** (ceph-msgr) bytes written to a socket per turn before yielding to others */
  ms_write_batch_bytes: number;
  ms_inject_socket_failures: number;
  /** N-1 of N socket writes would block (Ceph's test option; applied by the shell) */
  ms_inject_network_congestion: number;
  /** (ceph-msgr) seed of the random fault injection (0 = pick one; it is logged) */
  ms_inject_seed: number;
  ms_inject_internal_delays: number;
  ms_inject_delay_type: string;
  ms_inject_delay_max: number;
  ms_inject_delay_probability: number;
  ms_inject_delay_msg_type: string;
}

export const DEFAULT_CONFIG: Readonly<MsgrConfig> = Object.freeze({
  ms_initial_backoff: 0.2,
  ms_max_backoff: 15,
  ms_connection_ready_timeout: 10,
  ms_connection_idle_timeout: 900,
  ms_dispatch_throttle_bytes: 100 << 20,
  ms_die_on_old_message: false,
  ms_die_on_skipped_message: false,
  ms_bind_port_min: 6800,
  ms_bind_port_max: 7300,
  ms_bind_retry_count: 3,
  ms_bind_msgr1: true,
  ms_bind_msgr2: true,
  ms_msgr2_rev1: true,
  ms_connect_msgr1: false,
  ms_mon_client_mode: 'secure crc',
  ms_client_mode: 'crc secure',
  ms_service_mode: 'crc secure',
  ms_cluster_mode: 'crc secure',
  ms_mon_service_mode: 'secure crc',
  ms_mon_cluster_mode: 'secure crc',
  ms_keepalive_interval: 0,
  ms_keepalive_timeout: 0,
  ms_max_message_size: 256 << 20,
  ms_send_queue_high_water: 64 << 20,
  ms_send_queue_max_bytes: 1024 << 20,
  ms_send_queue_high_water_messages: 65536,
  ms_send_queue_max_messages: 1 << 20,
  ms_write_batch_bytes: 4 << 20,
  ms_inject_socket_failures: 0,
  ms_inject_network_congestion: 0,
  ms_inject_seed: 0,
  ms_inject_internal_delays: 0,
  ms_inject_delay_type: '',
  ms_inject_delay_max: 1,
  ms_inject_delay_probability: 0,
  ms_inject_delay_msg_type: '',
});

export function resolveConfig(partial: Partial<MsgrConfig> = {}): MsgrConfig {
  return { ...DEFAULT_CONFIG, ...partial };
}

/** Parse a mode list option ('secure crc') into ConMode numbers (1 crc, 2 secure). */
export function parseModes(s: string): number[] {
  const out: number[] = [];
  for (const w of s.split(/[\s,;]+/)) {
    if (w === 'crc') out.push(1);
    else if (w === 'secure') out.push(2);
  }
  return out;
}
