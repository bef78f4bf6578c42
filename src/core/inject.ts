/**
 * Random fault injection with Ceph's option names, seeded so a failure can be replayed:
 *   ms_inject_socket_failures N   each socket read/write fails with probability 1/N
 *   ms_inject_internal_delays S   at race-prone handshake points, park S seconds with p = 1/N
 *                                 (N = ms_inject_socket_failures, as Ceph does)
 *   ms_inject_delay_type T        delay delivery of messages from peers of these entity types
 *   ms_inject_delay_max S, ms_inject_delay_probability P, ms_inject_delay_msg_type M
 * The seed is ms_inject_seed (ceph-msgr option); 0 picks one from the messenger's randomness.
 */
import { entityTypeName } from '../encoding/types/entity-name.ts';
import type { MsgrConfig } from './config.ts';
import { SeededRandom } from './random.ts';

export class FaultInjector {
  readonly seed: number;
  private readonly r: SeededRandom;
  /** the parsed ms_inject_delay_type / _msg_type, re-parsed when the option strings change */
  private delayTypes = new Set<string>();
  private delayMsgTypes = new Set<number>();
  private parsedFrom: [string, string] | undefined;
  /** counters */
  socketFailures = 0;
  internalDelays = 0;
  delayedMessages = 0;

  constructor(
    private readonly cfg: MsgrConfig,
    seed: number,
  ) {
    this.seed = seed >>> 0;
    this.r = new SeededRandom(this.seed);
    this.parseDelayOptions();
  }

  /** (Re)parse the delay options when they changed (they may be set at runtime). */
  private parseDelayOptions(): void {
    const t = this.cfg.ms_inject_delay_type;
    const m = this.cfg.ms_inject_delay_msg_type;
    if (this.parsedFrom && this.parsedFrom[0] === t && this.parsedFrom[1] === m) return;
    this.parsedFrom = [t, m];
    this.delayTypes = new Set(t.split(/[\s,]+/).filter(Boolean));
    this.delayMsgTypes = new Set(
      m
        .split(/[\s,]+/)
        .filter(Boolean)
        .map(Number)
        .filter((n) => Number.isInteger(n)),
    );
  }

  /** Is any injection configured? */
  static enabled(cfg: MsgrConfig): boolean {
    return cfg.ms_inject_socket_failures > 0 || (cfg.ms_inject_delay_type !== '' && cfg.ms_inject_delay_probability > 0);
  }

  /** One socket operation: fail it? */
  socketFailure(): boolean {
    const n = this.cfg.ms_inject_socket_failures;
    if (n <= 0) return false;
    if (Math.floor(this.r.next() * n) !== 0) return false;
    this.socketFailures++;
    return true;
  }

  /** At a race-prone point: how long to park (ms), 0 for not at all. */
  internalDelayMs(): number {
    const n = this.cfg.ms_inject_socket_failures;
    const d = this.cfg.ms_inject_internal_delays;
    if (n <= 0 || d <= 0) return 0;
    if (Math.floor(this.r.next() * n) !== 0) return 0;
    this.internalDelays++;
    return d * 1000;
  }

  /** Delay (ms) before dispatching a message of `msgType` from a peer of `peerType` (0 = none). */
  messageDelayMs(peerType: number, msgType: number): number {
    this.parseDelayOptions();
    if (!this.delayTypes.size || this.cfg.ms_inject_delay_probability <= 0) return 0;
    if (!this.delayTypes.has(entityTypeName(peerType))) return 0;
    if (this.delayMsgTypes.size && !this.delayMsgTypes.has(msgType)) return 0;
    if (this.r.next() >= this.cfg.ms_inject_delay_probability) return 0;
    this.delayedMessages++;
    return this.cfg.ms_inject_delay_max * 1000 * this.r.next();
  }
}
