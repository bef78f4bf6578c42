/**
 * S24 — Ceph's SyntheticStressTest / SyntheticStressTest1 (acceptance §1.3, §7 S24): (a)
 * stateful_server / lossless_client, 8 servers × 32 clients, 100 seed connections, 5 000 ops with
 * the 9/10/70/11 mix; (b) lossless_peer_reuse on both sides, 16 × 32, 10 seeds, 10 000 ops with
 * 19/20/50/11 — Ceph's dimensions, in the simulator (deterministic, ~1–2 s each) with payloads
 * 32 B … 64 KiB instead of 4 MiB (the 4 MiB pool takes ~20 s here); and a scaled-down run of
 * each over real loopback TCP (3 × 6, 500 ops, payloads ≤ 16 KiB).
 * Checks: every tracked ping on a connection that was not reset/dropped is answered exactly
 * once, in order, byte-exact; the drain finishes within its bound; nothing left after shutdown.
 * Unlike Ceph's test, a transparent reconnect does NOT excuse a missing pong (strict mode).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import { MIX_NO_DROPS, MIX_PEER_REUSE, MIX_STATEFUL } from '../../src/testing/synthetic.ts';
import { exactlyOnceViolations, runSynthetic, summary, type SynthRun } from '../../src/testing/synthetic-run.ts';

const S24A = { serverPolicy: Policy.stateful_server(), clientPolicy: Policy.lossless_client(), mix: MIX_STATEFUL };
const S24B = { serverPolicy: Policy.lossless_peer_reuse(), clientPolicy: Policy.lossless_peer_reuse(), mix: MIX_PEER_REUSE };
const SIM = { kind: 'sim', maxPayload: 64 << 10, drainMs: 300_000 } as const;
const SIM_A = { ...SIM, servers: 8, clients: 32, seedConns: 100, ops: 5000 } as const;
const SIM_B = { ...SIM, servers: 16, clients: 32, seedConns: 10, ops: 10_000 } as const;
const TCP = { kind: 'tcp', servers: 3, clients: 6, seedConns: 14, ops: 500, maxPayload: 16 << 10, drainMs: 30_000 } as const;

async function check(name: string, run: SynthRun): Promise<void> {
  const r = await runSynthetic(run);
  console.log(`# ${name}: ${summary(r)}`);
  assert.deepEqual(exactlyOnceViolations(r), []);
}

test('S24(a) stateful_server / lossless_client, 8 x 32, 100 seed conns, 5000 ops [sim]', async () => {
  await check('S24(a) sim', { ...SIM_A, ...S24A, seed: 24 });
});

test('S24(b) lossless_peer_reuse, 16 x 32, 10 seed conns, 10000 ops [sim]', async () => {
  await check('S24(b) sim', { ...SIM_B, ...S24B, seed: 241 });
});

test('S24(a) stateful_server / lossless_client, 3 x 6, 500 ops [tcp]', { timeout: 60_000 }, async () => {
  await check('S24(a) tcp', { ...TCP, ...S24A, seed: 24 });
});

test('S24(b) lossless_peer_reuse, 3 x 6, 500 ops [tcp]', { timeout: 60_000 }, async () => {
  await check('S24(b) tcp', { ...TCP, ...S24B, seed: 241 });
});

test('S24 without drops: every tracked ping answered exactly once (nothing discarded) [sim]', async () => {
  const r = await runSynthetic({ ...SIM_A, ...S24A, ops: 2000, mix: MIX_NO_DROPS, seed: 2424 });
  console.log(`# S24 no drops: ${summary(r)}`);
  assert.deepEqual(exactlyOnceViolations(r), []);
  assert.equal(r.counts.discarded, 0);
  assert.equal(r.counts.delivered, r.counts.sent);
});

test('the same seed replays the same run (simulator)', async () => {
  const run: SynthRun = { ...SIM, ...S24B, servers: 4, clients: 8, seedConns: 10, ops: 300, seed: 77, config: { ms_inject_socket_failures: 30 } };
  const a = await runSynthetic(run);
  const b = await runSynthetic(run);
  assert.deepEqual(exactlyOnceViolations(a), []);
  assert.ok(a.injected.socketFailures > 0);
  assert.deepEqual({ ...a.counts }, { ...b.counts });
  assert.deepEqual(a.injected, b.injected);
});
