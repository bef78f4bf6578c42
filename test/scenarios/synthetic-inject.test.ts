/**
 * S25 — Ceph's SyntheticInjectTest 1–4 (acceptance §1.3, §7 S25) at Ceph's dimensions in the
 * simulator (payloads ≤ 64 KiB instead of 4 MiB), and smaller over real loopback TCP:
 *  (a) ms_inject_socket_failures 30 + ms_inject_internal_delays 0.1 + ms_dispatch_throttle_bytes
 *      16 MiB, stateful_server / lossless_client, 8 × 32, 1 000 ops;
 *  (b) the same injection with lossless_peer_reuse, 8 × 16;
 *  (c) 1/600 + internal delays with stateless_server / lossy_client: no crash, every lost
 *      message accounted for by a reset (or a drop), nothing left;
 *  (d) 1/30 + internal delays + every incoming message delayed 0–5 s (ms_inject_delay_type
 *      "client osd", probability 1), lossless_peer, drops disabled: every tracked ping is
 *      answered exactly once (nothing discarded at all).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import { MIX_NO_DROPS, MIX_STATEFUL } from '../../src/testing/synthetic.ts';
import { exactlyOnceViolations, runSynthetic, summary, type SynthRun, type SynthResult } from '../../src/testing/synthetic-run.ts';

const INJECT = { ms_inject_socket_failures: 30, ms_inject_internal_delays: 0.1 };
const A = { serverPolicy: Policy.stateful_server(), clientPolicy: Policy.lossless_client(), mix: MIX_STATEFUL, config: { ...INJECT, ms_dispatch_throttle_bytes: 16 << 20 } };
const B = { serverPolicy: Policy.lossless_peer_reuse(), clientPolicy: Policy.lossless_peer_reuse(), mix: MIX_STATEFUL, config: INJECT };
const C = { serverPolicy: Policy.stateless_server(), clientPolicy: Policy.lossy_client(), mix: MIX_STATEFUL, config: { ms_inject_socket_failures: 600, ms_inject_internal_delays: 0.1 } };
const D = {
  serverPolicy: Policy.lossless_peer(),
  clientPolicy: Policy.lossless_peer(),
  mix: MIX_NO_DROPS,
  config: { ...INJECT, ms_inject_delay_type: 'client osd', ms_inject_delay_probability: 1, ms_inject_delay_max: 5 },
};
const SIM = { kind: 'sim', seedConns: 100, ops: 1000, maxPayload: 64 << 10, drainMs: 300_000 } as const;
const TCP = { kind: 'tcp', servers: 3, clients: 6, seedConns: 14, ops: 400, maxPayload: 16 << 10, drainMs: 60_000 } as const;

async function run(name: string, r: SynthRun): Promise<SynthResult> {
  const out = await runSynthetic(r);
  console.log(`# ${name}: ${summary(out)}`);
  return out;
}

test('S25(a) 1/30 + internal delays + dispatch throttle 16 MiB, stateful/lossless_client, 8 x 32 [sim]', async () => {
  const r = await run('S25(a) sim', { ...SIM, ...A, servers: 8, clients: 32, seed: 251 });
  assert.deepEqual(exactlyOnceViolations(r), []);
  assert.ok(r.injected.socketFailures > 50 && r.counts.reconnects > 10, 'faults were injected and healed');
});

test('S25(b) 1/30 + internal delays, lossless_peer_reuse, 8 x 16 [sim]', async () => {
  const r = await run('S25(b) sim', { ...SIM, ...B, servers: 8, clients: 16, seed: 252 });
  assert.deepEqual(exactlyOnceViolations(r), []);
  assert.ok(r.injected.socketFailures > 50);
});

test('S25(c) 1/600 + internal delays, stateless_server / lossy_client, 8 x 16: every loss accounted for by a reset [sim]', async () => {
  const r = await run('S25(c) sim', { ...SIM, ...C, servers: 8, clients: 16, seed: 253 });
  assert.deepEqual(exactlyOnceViolations(r), []);
  assert.ok(r.counts.resets > 0, 'lossy faults end in resets');
});

test('S25(d) 1/30 + every message delayed 0-5 s, lossless_peer, drops disabled, 16 x 32 [sim]', async () => {
  const r = await run('S25(d) sim', { ...SIM, ...D, servers: 16, clients: 32, seed: 254 });
  assert.deepEqual(exactlyOnceViolations(r), []);
  assert.equal(r.counts.discarded, 0, 'no drops, no resets: nothing excused');
  assert.equal(r.counts.delivered, r.counts.sent);
  assert.ok(r.injected.delayedMessages > r.counts.sent, 'pings and pongs were delayed');
  assert.ok(r.injected.socketFailures > 50);
});

test('S25(a) 1/30 + internal delays 10 ms + dispatch throttle 16 MiB, 3 x 6 [tcp]', { timeout: 90_000 }, async () => {
  const r = await run('S25(a) tcp', { ...TCP, ...A, config: { ...A.config, ms_inject_internal_delays: 0.01 }, seed: 251 });
  assert.deepEqual(exactlyOnceViolations(r), []);
  assert.ok(r.injected.socketFailures > 10);
});

test('S25(c) 1/600, stateless_server / lossy_client, 3 x 6 [tcp]', { timeout: 60_000 }, async () => {
  const r = await run('S25(c) tcp', { ...TCP, ...C, config: { ...C.config, ms_inject_internal_delays: 0.01 }, seed: 253 });
  assert.deepEqual(exactlyOnceViolations(r), []);
});

test('S25(d) 1/30 + every message delayed 0-50 ms, lossless_peer, drops disabled, 3 x 6 [tcp]', { timeout: 90_000 }, async () => {
  const r = await run('S25(d) tcp', {
    ...TCP,
    ...D,
    config: { ...D.config, ms_inject_internal_delays: 0.01, ms_inject_delay_max: 0.05 },
    seed: 254,
  });
  assert.deepEqual(exactlyOnceViolations(r), []);
  assert.equal(r.counts.delivered, r.counts.sent);
});
