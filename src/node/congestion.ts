/**
 * ms_inject_network_congestion = N (Ceph's test option): N-1 of N write attempts "would block".
 * Ceph's AsyncConnection::_try_send then sends nothing and waits for the next writable event;
 * here a write that hits congestion is held by this wrapper and reported as backpressure
 * (`write() === false`), and every following "writable event" (a deferred retry) gets through
 * with probability 1/N, after which `onDrain` fires. The messenger sees exactly what a congested
 * socket looks like: writes refused, drains late, and it must not pile up output meanwhile
 * (Ceph PR #44289: new messages were appended while the previous bytes were still stuck).
 */
import type { Buffer } from 'node:buffer';
import type { EntityAddr } from '../encoding/types/entity-addr.ts';
import type { Env, Sock } from './env.ts';

/** xorshift32: cheap and deterministic for a given seed. */
function rng(seed: number): () => number {
  // scramble the seed: xorshift's first outputs from a small seed are small numbers
  let x = Math.imul((seed ^ 0x9e3779b9) >>> 0, 0x85ebca6b) >>> 0 || 0x9e3779b9;
  const next = (): number => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
  for (let i = 0; i < 16; i++) next();
  return next;
}

export class CongestedSock implements Sock {
  onConnect: (localAddr: EntityAddr | undefined) => void = () => {};
  onData: (chunk: Buffer) => void = () => {};
  onDrain: () => void = () => {};
  onClose: (err: Error | undefined) => void = () => {};
  /** bytes refused by injected congestion and not yet handed to the socket */
  private held: Buffer[] = [];
  private heldBytes = 0;
  private retrying = false;
  private innerBlocked = false;
  private dead = false;
  private readonly next: () => number;
  /** counters for tests: write attempts refused by injected congestion */
  refused = 0;

  constructor(
    private readonly inner: Sock,
    /** N, read at every write (the option may be changed at runtime; 0 = no congestion) */
    private readonly n: () => number,
    private readonly env: Env,
    seed: number,
  ) {
    this.next = rng(seed);
    inner.onConnect = (a) => this.onConnect(a);
    inner.onData = (c) => this.onData(c);
    inner.onClose = (e) => {
      this.dead = true;
      this.onClose(e);
    };
    inner.onDrain = () => {
      this.innerBlocked = false;
      if (!this.held.length) this.onDrain();
    };
  }

  buffered(): number {
    return this.heldBytes + (this.inner.buffered?.() ?? 0);
  }

  write(bufs: Buffer[]): boolean {
    if (this.dead) return false;
    if (this.held.length || this.blocks()) {
      // would block: keep the bytes, report backpressure, retry on the next "writable event"
      this.refused++;
      for (const b of bufs) {
        this.held.push(b);
        this.heldBytes += b.length;
      }
      this.scheduleRetry();
      return false;
    }
    const ok = this.inner.write(bufs);
    if (!ok) this.innerBlocked = true;
    return ok;
  }

  /** Does this write attempt hit congestion? (probability (N-1)/N) */
  private blocks(): boolean {
    const n = this.n();
    return n > 1 && this.next() * n >= 1;
  }

  writeRoom(): number {
    const r = this.inner.writeRoom?.() ?? Infinity;
    return r - this.heldBytes;
  }

  private scheduleRetry(): void {
    if (this.retrying) return;
    this.retrying = true;
    this.env.defer(() => this.retry());
  }

  private retry(): void {
    this.retrying = false;
    if (this.dead || !this.held.length) return;
    if (this.blocks()) {
      this.refused++;
      this.scheduleRetry();
      return;
    }
    const bufs = this.held;
    this.held = [];
    this.heldBytes = 0;
    const ok = this.inner.write(bufs);
    if (!ok) this.innerBlocked = true;
    if (!this.innerBlocked) this.onDrain();
  }

  pause(): void {
    this.inner.pause();
  }
  resume(): void {
    this.inner.resume();
  }
  destroy(): void {
    this.dead = true;
    this.held = [];
    this.heldBytes = 0;
    this.inner.destroy();
  }
}
