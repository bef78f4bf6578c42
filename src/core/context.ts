/**
 * What a wire protocol may ask of the messenger it belongs to (the messenger core implements
 * it). Keeping this an interface keeps protocol code independent of the registry's internals.
 */
import type { EntityAddr } from '../encoding/types/entity-addr.ts';
import type { EntityNameT } from '../encoding/types/entity-name.ts';
import type { AuthClient, AuthServer } from './auth/types.ts';
import type { MsgrConfig } from './config.ts';
import type { Conn } from './conn.ts';
import type { MsgrEvent } from './events.ts';
import type { Interceptor } from './interceptor.ts';
import type { LogSink } from './log.ts';
import type { Policy } from './session/policy.ts';
import type { RandomSource } from './random.ts';
import type { Throttle } from './session/throttle.ts';

export interface ThrottleSet {
  messages: Throttle | undefined;
  bytes: Throttle | undefined;
  dispatch: Throttle;
}

/** Units taken for one received message, given back by `release`. */
export interface ThrottleToken {
  readonly set: ThrottleSet;
  readonly bytes: number;
  readonly messages: number;
}

export interface CoreContext {
  /** the time of the current input (ms); the core never reads a clock */
  readonly now: number;
  readonly config: MsgrConfig;
  readonly random: RandomSource;
  readonly log: LogSink;
  readonly interceptor: Interceptor | undefined;
  readonly authClient: AuthClient;
  readonly authServer: AuthServer;
  /** our messenger name (type + num; num is the gid sent in IDENT frames) */
  readonly myName: EntityNameT;
  myAddrs(): EntityAddr[];
  /** the first address of our own vector as the peer sees it (unbound clients learn their IP) */
  learnedAddr(addr: EntityAddr): void;
  /** Ceph's Messenger::get_global_seq(old): jumps above `min`, then increments */
  nextGlobalSeq(min?: bigint): bigint;
  policyFor(peerType: number): Policy;
  /** a live registered connection for these peer addrs (never a dead one, never `except`) */
  lookupConn(addrs: readonly EntityAddr[], except: Conn): Conn | undefined;
  /** register an accepted connection under its peer addrs; false if another one holds them */
  acceptConn(c: Conn): boolean;
  /** open a new transport for c (to c.targetAddr); sets c.tid */
  openTransport(c: Conn): void;
  /** close c's transport (if any) and forget it */
  closeTransport(c: Conn): void;
  /** hand `from`'s transport to `to` (closing `to`'s old one) */
  moveTransport(from: Conn, to: Conn): void;
  pauseTransport(c: Conn): void;
  resumeTransport(c: Conn): void;
  /** c has bytes to write */
  markDirty(c: Conn): void;
  emit(ev: MsgrEvent): void;
  /** c was closed: unregister it and hand it to the reaper */
  stopped(c: Conn): void;
  throttlesFor(c: Conn): ThrottleSet;
  /** message payload bytes the core has in flight towards the dispatcher */
  releaseThrottle(t: ThrottleToken): void;
  /** ms_inject_internal_delays: how long to park at a race-prone point (0 = not now) */
  internalDelayMs(): number;
}
