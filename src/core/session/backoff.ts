/**
 * Reconnect backoff, as Ceph's ProtocolV2::_fault: a fault in steady state reconnects at once;
 * a fault while connecting waits ms_initial_backoff, then doubles up to ms_max_backoff;
 * a WAIT from the peer jumps straight to ms_max_backoff. All times in milliseconds.
 */
export interface BackoffConfig {
  initialMs: number;
  maxMs: number;
}

/** Next backoff after a fault while connecting. `prev` = 0 means none so far. */
export function nextBackoff(prev: number, cfg: BackoffConfig, wait: boolean): number {
  if (wait) return cfg.maxMs;
  if (prev <= 0) return cfg.initialMs;
  return Math.min(prev * 2, cfg.maxMs);
}
