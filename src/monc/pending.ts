/**
 * Outstanding requests of a MonClient (mon commands by tid, version queries by handle): a bounded
 * table of promises, each with an optional timeout and AbortSignal. The MonClient (re)sends every
 * entry when a session opens; the table only keeps the promises honest:
 *
 *  - more than `max` entries → ERR_QUEUE_FULL (the promise rejects at once, nothing is queued);
 *  - the timeout fires → ERR_TIMEOUT; the signal aborts → ERR_ABORTED; `rejectAll` on close;
 *  - settling removes the entry and cancels its timer and abort listener.
 */
import { MsgrError } from '../errors.ts';
import type { TimerHandle } from '../node/env.ts';

export interface OpOptions {
  /** give up after this many ms (0 or undefined = the client's default; Infinity = never) */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface PendingEntry {
  readonly key: string;
  readonly label: string;
  /** send (or resend) the request on the current session */
  readonly send: () => void;
  /** sent on the session with this number (0 = not yet) */
  sentOn: number;
}

interface Slot extends PendingEntry {
  resolve: (v: unknown) => void;
  reject: (e: MsgrError) => void;
  timer: TimerHandle | undefined;
  unlisten: (() => void) | undefined;
}

export class PendingOps {
  private readonly slots = new Map<string, Slot>();

  constructor(
    private readonly max: number,
    private readonly setTimer: (ms: number, cb: () => void) => TimerHandle,
  ) {}

  get size(): number {
    return this.slots.size;
  }

  /** Entries in insertion order (the order to resend them in). */
  entries(): PendingEntry[] {
    return [...this.slots.values()];
  }

  has(key: string): boolean {
    return this.slots.has(key);
  }

  /** Register a request; `timeoutMs` ≤ 0 or Infinity means no timeout. */
  add<T>(key: string, label: string, send: () => void, timeoutMs: number, signal?: AbortSignal): Promise<T> {
    if (signal?.aborted) return Promise.reject(new MsgrError('ERR_ABORTED', `${label}: aborted`, { cause: signal.reason }));
    if (this.slots.size >= this.max) {
      return Promise.reject(new MsgrError('ERR_QUEUE_FULL', `${label}: ${this.slots.size} requests already outstanding (max ${this.max})`));
    }
    if (this.slots.has(key)) return Promise.reject(new MsgrError('ERR_INVALID_ARG', `duplicate request key ${key}`));
    return new Promise<T>((resolve, reject) => {
      const slot: Slot = {
        key,
        label,
        send,
        sentOn: 0,
        resolve: resolve as (v: unknown) => void,
        reject,
        timer: undefined,
        unlisten: undefined,
      };
      if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
        slot.timer = this.setTimer(timeoutMs, () => this.reject(key, new MsgrError('ERR_TIMEOUT', `${label}: no reply after ${timeoutMs} ms`)));
      }
      if (signal) {
        const onAbort = (): void => void this.reject(key, new MsgrError('ERR_ABORTED', `${label}: aborted`, { cause: signal.reason }));
        signal.addEventListener('abort', onAbort, { once: true });
        slot.unlisten = () => signal.removeEventListener('abort', onAbort);
      }
      this.slots.set(key, slot);
    });
  }

  private take(key: string): Slot | undefined {
    const s = this.slots.get(key);
    if (!s) return undefined;
    this.slots.delete(key);
    s.timer?.cancel();
    s.unlisten?.();
    return s;
  }

  resolve(key: string, value: unknown): boolean {
    const s = this.take(key);
    s?.resolve(value);
    return s !== undefined;
  }

  reject(key: string, err: MsgrError): boolean {
    const s = this.take(key);
    s?.reject(err);
    return s !== undefined;
  }

  rejectAll(err: MsgrError): void {
    for (const key of [...this.slots.keys()]) this.reject(key, err);
  }
}

/**
 * A promise settled by the first of: `p`, a timeout (ERR_TIMEOUT) or the signal (ERR_ABORTED).
 * `onGiveUp` runs when the timeout or the signal wins.
 */
export function withDeadline<T>(
  p: Promise<T>,
  label: string,
  timeoutMs: number,
  setTimer: (ms: number, cb: () => void) => TimerHandle,
  signal?: AbortSignal,
  onGiveUp?: (e: MsgrError) => void,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    let timer: TimerHandle | undefined;
    const finish = (): boolean => {
      if (done) return false;
      done = true;
      timer?.cancel();
      signal?.removeEventListener('abort', onAbort);
      return true;
    };
    const giveUp = (e: MsgrError): void => {
      if (!finish()) return;
      onGiveUp?.(e);
      reject(e);
    };
    function onAbort(): void {
      giveUp(new MsgrError('ERR_ABORTED', `${label}: aborted`, { cause: signal?.reason }));
    }
    if (signal?.aborted) return onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (timeoutMs > 0 && Number.isFinite(timeoutMs)) {
      timer = setTimer(timeoutMs, () => giveUp(new MsgrError('ERR_TIMEOUT', `${label}: timed out after ${timeoutMs} ms`)));
    }
    p.then(
      (v) => finish() && resolve(v),
      (e: unknown) => finish() && reject(e),
    );
  });
}
