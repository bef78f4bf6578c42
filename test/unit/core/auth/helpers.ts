/** Shared test helpers for the auth tests. */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { isMsgrError, type ErrorCode } from '../../../../src/errors.ts';

/** Assert that fn throws a MsgrError with this code; returns it. */
export function expectCode(fn: () => unknown, code: ErrorCode): import('../../../../src/errors.ts').MsgrError {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `expected MsgrError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  assert.fail(`expected MsgrError ${code}, nothing thrown`);
}

/** Deterministic "random" bytes: SHA-256 counter stream from a seed. */
export function seededRandom(seed: string): (n: number) => Buffer {
  let counter = 0;
  return (n: number): Buffer => {
    const out: Buffer[] = [];
    let have = 0;
    while (have < n) {
      const h = createHash('sha256').update(`${seed}:${counter++}`).digest();
      out.push(h);
      have += h.length;
    }
    return Buffer.concat(out).subarray(0, n);
  };
}

/** A manual clock (ms). */
export function manualClock(start = 1_700_000_000_000): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => void (t += ms) };
}

/** Random source that first serves queued buffers (checked against the requested size), then a seeded stream. */
export function scriptedRandom(seed: string, first: Buffer[] = []): ((n: number) => Buffer) & { queue: Buffer[] } {
  const rest = seededRandom(seed);
  const queue = [...first];
  const fn = (n: number): Buffer => {
    const b = queue.shift();
    if (!b) return rest(n);
    assert.equal(b.length, n, 'scripted random: size mismatch');
    return Buffer.from(b);
  };
  return Object.assign(fn, { queue });
}
