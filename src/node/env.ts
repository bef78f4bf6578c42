/**
 * The environment a Messenger runs in: a clock, timers, a way to defer work, randomness and a
 * network. `nodeEnv()` is real TCP on Node; `src/testing/sim-env.ts` is an in-memory network
 * with a manual clock. The Messenger is written against this interface only, so every scenario
 * runs unchanged in both.
 */
import type { Buffer } from 'node:buffer';
import type { EntityAddr } from '../encoding/types/entity-addr.ts';
import type { RandomSource } from '../core/random.ts';

export interface TimerHandle {
  cancel(): void;
}

/** One stream socket. Callbacks are set by the owner right after creation. */
export interface Sock {
  /** write a gather list; returns false when the socket's buffer is above its high-water mark */
  write(bufs: Buffer[]): boolean;
  /**
   * Bytes that may still be written before the high-water mark (≤ 0 when above it). The
   * messenger sizes each write batch by it, so a socket never holds more than its high-water
   * mark plus one message.
   */
  writeRoom?(): number;
  /** bytes accepted by write() and not yet handed to the OS (or the simulated link) */
  buffered?(): number;
  pause(): void;
  resume(): void;
  /** close now (no further callbacks) */
  destroy(): void;
  onConnect: (localAddr: EntityAddr | undefined) => void;
  onData: (chunk: Buffer) => void;
  onDrain: () => void;
  /** the socket is gone (error, EOF, reset); not called after destroy() */
  onClose: (err: Error | undefined) => void;
}

export interface Listener {
  readonly addr: EntityAddr;
  close(): Promise<void>;
}

export interface NetEnv {
  /** listen on addr (port 0 = any); rejects with an Error whose `code` is e.g. 'EADDRINUSE' */
  listen(addr: EntityAddr, onAccept: (sock: Sock, local: EntityAddr | undefined, peer: EntityAddr) => void): Promise<Listener>;
  /** start connecting; the socket reports onConnect or onClose */
  connect(addr: EntityAddr): Sock;
}

export interface Env {
  /** milliseconds; wall clock in production (keepalive stamps), virtual in the simulator */
  now(): number;
  setTimer(delayMs: number, cb: () => void): TimerHandle;
  /** run cb soon, after the current call stack (coalesces work such as writes) */
  defer(cb: () => void): void;
  readonly random: RandomSource;
  readonly net: NetEnv;
  /** a label for logs ('tcp' | 'sim') */
  readonly kind: string;
}
