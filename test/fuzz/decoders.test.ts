/**
 * Hostile input into every decoder (test/fuzz/targets-*.ts): FUZZ_TOTAL inputs (default 50,000;
 * the acceptance run is FUZZ_TOTAL=1000000) spread evenly over the targets, seeded and replayable
 * (FUZZ_SEED). For every input: only MsgrError escapes (server auth handlers: nothing at all), the
 * call returns within 2 s, and no single Buffer allocation exceeds 2 x input + 64 KiB.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzzTarget, type Result } from './harness.ts';
import { appTargets } from './targets-app.ts';
import { wireTargets } from './targets-wire.ts';

const TOTAL = Number(process.env.FUZZ_TOTAL ?? 50_000);
const SEED = Number(process.env.FUZZ_SEED ?? 20240611);

test(`fuzz: ${TOTAL} hostile inputs across every decoder`, { timeout: Math.max(600_000, TOTAL * 2) }, () => {
  const targets = [...wireTargets(), ...appTargets()];
  const per = Math.ceil(TOTAL / targets.length);
  const results: Result[] = [];
  const t0 = performance.now();
  targets.forEach((t, i) => results.push(fuzzTarget(t, per, SEED + i * 7919)));
  const ms = performance.now() - t0;
  const inputs = results.reduce((a, r) => a + r.inputs, 0);
  const accepted = results.reduce((a, r) => a + r.ok, 0);
  const codes = new Map<string, number>();
  for (const r of results) for (const [c, n] of r.codes) if (c !== 'ok') codes.set(c, (codes.get(c) ?? 0) + n);
  const slowest = [...results].sort((a, b) => b.maxCallMs - a.maxCallMs)[0]!;
  const biggest = [...results].sort((a, b) => b.maxAlloc - a.maxAlloc)[0]!;
  console.log(
    `# fuzz: ${inputs} inputs over ${targets.length} decoders in ${(ms / 1000).toFixed(1)} s (seed ${SEED}); ${accepted} decoded, ` +
      `${inputs - accepted} rejected with MsgrError ${JSON.stringify(Object.fromEntries([...codes].sort((a, b) => b[1] - a[1])))}; ` +
      `slowest single input ${slowest.maxCallMs.toFixed(1)} ms (${slowest.name}); largest allocation ${biggest.maxAlloc} B (${biggest.name})`,
  );
  if (process.env.FUZZ_VERBOSE) {
    for (const r of results) console.log(`#   ${r.name}: ${r.inputs} in ${r.ms.toFixed(0)} ms, ${r.ok} ok, max ${r.maxCallMs.toFixed(1)} ms, max alloc ${r.maxAlloc}`);
  }
  const failures = results.flatMap((r) => r.failures);
  assert.deepEqual(failures, [], failures.slice(0, 3).join('\n\n'));
  assert.equal(inputs, per * targets.length);
  // the corpus is worth something only if it reaches past the first length check
  for (const r of results) if (r.name.startsWith('frames') || r.name.startsWith('message')) assert.ok(r.ok > 0 || r.name.includes('MMgrMap'), `${r.name}: no input decoded`);
});
