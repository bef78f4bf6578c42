/**
 * The decoder fuzz harness: a seeded PRNG, a mutator (random bytes, bit flips, truncation,
 * extension, splices, hostile u32 length values, 0xff runs) over valid seed encodings, and a
 * runner that checks, for every input, that only MsgrError escapes, that the call returns
 * promptly, and that no single Buffer allocation is larger than the input justifies (a length
 * field taken at its word would show up here).
 */
import { Buffer } from 'node:buffer';
import { performance } from 'node:perf_hooks';
import { isMsgrError } from '../../src/errors.ts';

export class Rand {
  private s: number;
  constructor(seed: number) {
    this.s = Math.imul((seed ^ 0x9e3779b9) >>> 0, 0x85ebca6b) >>> 0 || 1;
  }
  u32(): number {
    let s = this.s;
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    this.s = s;
    return s;
  }
  int(n: number): number {
    return n <= 0 ? 0 : this.u32() % n;
  }
  bytes(n: number): Buffer {
    const b = Buffer.allocUnsafe(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
}

const HOSTILE = [0xffffffff, 0x7fffffff, 0x80000000, 0x10000000, 0x01000000, 0x10000, 0xffff, 0x100, 0];

/** One fuzz input: mostly mutations of a seed, sometimes random bytes or a seed as it is. */
export function mutateInput(r: Rand, seeds: readonly Buffer[]): Buffer {
  const kind = r.int(12);
  if (kind === 0 || seeds.length === 0) return r.bytes(r.int(r.int(4) === 0 ? 2048 : 160));
  const base = seeds[r.int(seeds.length)]!;
  if (kind === 1) return base;
  const s = Buffer.from(base);
  if (s.length === 0) return r.bytes(r.int(16));
  switch (kind) {
    case 2:
    case 3: {
      for (let i = 1 + r.int(4); i > 0; i--) s[r.int(s.length)]! ^= 1 << r.int(8);
      return s;
    }
    case 4:
      for (let i = 1 + r.int(6); i > 0; i--) s[r.int(s.length)] = r.int(256);
      return s;
    case 5:
      return s.subarray(0, r.int(s.length));
    case 6:
      return Buffer.concat([s, r.bytes(1 + r.int(64))]);
    case 7: {
      const at = r.int(s.length);
      return Buffer.concat([s.subarray(0, at), r.bytes(1 + r.int(32)), s.subarray(at)]);
    }
    case 8: {
      const at = r.int(s.length);
      return Buffer.concat([s.subarray(0, at), s.subarray(at + 1 + r.int(16))]);
    }
    case 9:
    case 10: {
      if (s.length < 4) return s;
      const v = r.int(3) === 0 ? s.length + r.int(9) - 4 : HOSTILE[r.int(HOSTILE.length)]!;
      s.writeUInt32LE(v >>> 0, r.int(s.length - 3));
      return s;
    }
    default: {
      const at = r.int(s.length);
      s.fill(0xff, at, Math.min(s.length, at + 1 + r.int(8)));
      return s;
    }
  }
}

/** Split a buffer into 1..n-byte pieces (decoders must not depend on how bytes arrive). */
export function split(r: Rand, b: Buffer): Buffer[] {
  const out: Buffer[] = [];
  const small = r.int(4) === 0;
  for (let off = 0; off < b.length; ) {
    const n = 1 + r.int(small ? 8 : 256);
    out.push(b.subarray(off, off + n));
    off += n;
  }
  return out;
}

export interface Target {
  readonly name: string;
  /** valid encodings to mutate */
  readonly seeds: readonly Buffer[];
  /** decode one input; anything thrown must be a MsgrError (none at all if `noThrow`) */
  run(input: Buffer, r: Rand): void;
  /** server handlers answer with an error step; they must never throw */
  readonly noThrow?: boolean;
}

export interface Result {
  name: string;
  inputs: number;
  ok: number;
  codes: Map<string, number>;
  ms: number;
  maxCallMs: number;
  maxAlloc: number;
  failures: string[];
}

// ---------------------------------------------------------------- allocation tracking

type AllocFn = (size: number, ...rest: never[]) => Buffer;
let maxAlloc = 0;
let patched = false;

/** Record the largest Buffer.alloc / allocUnsafe / allocUnsafeSlow request (Buffer.concat uses them). */
function patchAllocators(): void {
  if (patched) return;
  patched = true;
  const B = Buffer as unknown as Record<'alloc' | 'allocUnsafe' | 'allocUnsafeSlow', AllocFn>;
  for (const k of ['alloc', 'allocUnsafe', 'allocUnsafeSlow'] as const) {
    const orig = B[k];
    B[k] = ((size: number, ...rest: never[]) => {
      if (size > maxAlloc) maxAlloc = size;
      return orig.call(Buffer, size, ...rest);
    }) as AllocFn;
  }
}

const HANG_MS = 2000;

/** Run `count` inputs through a target. */
export function fuzzTarget(t: Target, count: number, seed: number): Result {
  patchAllocators();
  const r = new Rand(seed);
  const res: Result = { name: t.name, inputs: 0, ok: 0, codes: new Map(), ms: 0, maxCallMs: 0, maxAlloc: 0, failures: [] };
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const input = mutateInput(r, t.seeds);
    const limit = 2 * input.length + 64 * 1024;
    maxAlloc = 0;
    const c0 = performance.now();
    let code = 'ok';
    try {
      t.run(input, r);
    } catch (e) {
      if (!isMsgrError(e) || t.noThrow) {
        if (res.failures.length < 5) res.failures.push(`${t.name}: ${isMsgrError(e) ? e.code : 'non-MsgrError'} ${e instanceof Error ? (e.stack ?? e.message) : String(e)} on ${input.subarray(0, 256).toString('hex')}`);
        code = 'FAILURE';
      } else code = e.code;
    }
    const dt = performance.now() - c0;
    res.inputs++;
    if (code === 'ok') res.ok++;
    res.codes.set(code, (res.codes.get(code) ?? 0) + 1);
    if (dt > res.maxCallMs) res.maxCallMs = dt;
    if (maxAlloc > res.maxAlloc) res.maxAlloc = maxAlloc;
    if (dt > HANG_MS && res.failures.length < 5) res.failures.push(`${t.name}: ${dt.toFixed(0)} ms on one input ${input.subarray(0, 256).toString('hex')}`);
    if (maxAlloc > limit && res.failures.length < 5) res.failures.push(`${t.name}: allocated ${maxAlloc} bytes for a ${input.length}-byte input ${input.subarray(0, 128).toString('hex')}`);
  }
  res.ms = performance.now() - t0;
  return res;
}
