/**
 * A counting throttle (Ceph's Throttle with get_or_fail/put): `max` units, 0 = unlimited.
 * Pure bookkeeping: waiting is the caller's business (the messenger parks the connection and
 * pauses its socket until `put` frees room).
 */
export class Throttle {
  current = 0;
  /** number of times a get failed and a caller had to wait */
  waits = 0;
  private waiters = new Set<() => void>();

  constructor(
    readonly name: string,
    public max: number,
  ) {}

  /** Take n units if they fit (a single request larger than max is allowed when nothing is held). */
  tryGet(n: number): boolean {
    if (this.max <= 0 || n === 0) {
      this.current += n;
      return true;
    }
    if (this.current + n <= this.max || this.current === 0) {
      this.current += n;
      return true;
    }
    this.waits++;
    return false;
  }

  put(n: number): void {
    this.current -= n;
    if (this.current < 0) this.current = 0;
    if (this.waiters.size && (this.max <= 0 || this.current < this.max)) {
      const ws = [...this.waiters];
      this.waiters.clear();
      for (const w of ws) w();
    }
  }

  /** Register a callback to run once when units are put back. */
  onRelease(cb: () => void): void {
    this.waiters.add(cb);
  }
  cancel(cb: () => void): void {
    this.waiters.delete(cb);
  }
  get waiting(): number {
    return this.waiters.size;
  }
}
