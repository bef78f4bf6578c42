/** Shared helpers for the config tests. */
import assert from 'node:assert/strict';
import { isMsgrError, type ErrorCode, type MsgrError } from '../../../src/errors.ts';
import type { ConfigIO } from '../../../src/config/load.ts';

/** Assert that fn throws a MsgrError with this code (and a message matching `re`); returns it. */
export function expectCode(fn: () => unknown, code: ErrorCode, re?: RegExp): MsgrError {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `expected MsgrError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, `expected ${code}, got ${e.code}: ${e.message}`);
    if (re) assert.match(e.message, re);
    return e;
  }
  assert.fail(`expected MsgrError ${code}, nothing thrown`);
}

/** A ConfigIO over an in-memory file system. */
export function memIO(files: Record<string, string>, opts: { host?: string; home?: string; pid?: number } = {}): ConfigIO & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile(p) {
      reads.push(p);
      return files[p];
    },
    hostname: () => opts.host ?? 'node1',
    home: () => opts.home ?? '/home/u',
    pid: () => opts.pid ?? 4242,
  };
}
