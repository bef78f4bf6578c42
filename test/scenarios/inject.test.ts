/**
 * Random fault injection with Ceph's options (ms_inject_socket_failures, ms_inject_internal_delays,
 * ms_inject_delay_*): a lossless session still delivers every message exactly once and in order;
 * in the simulator the same ms_inject_seed replays the same faults.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import type { MsgrConfig } from '../../src/core/config.ts';
import { WORLDS, simWorld, type World } from '../helpers/world.ts';
import { FakeDispatcher, ping } from '../helpers/fake-dispatcher.ts';

async function run(w: World, config: Partial<MsgrConfig>, n: number) {
  const base = { ms_initial_backoff: 0.01, ms_max_backoff: 0.1, ...config };
  const srv = w.messenger({ name: 'osd.0', config: { ...base, ms_inject_seed: 11 } });
  srv.setDefaultPolicy(Policy.lossless_peer());
  const sd = new FakeDispatcher(false);
  srv.addDispatcher(sd);
  const addrs = await srv.bind('v2:127.0.0.1:0');
  await srv.start();
  const cli = w.messenger({ name: 'osd.1', config: { ...base, ms_inject_seed: 22 } });
  cli.setDefaultPolicy(Policy.lossless_peer());
  await cli.bind('v2:127.0.0.1:0');
  await cli.start();
  const c = cli.connectTo(addrs, 'osd');
  for (let i = 0; i < n; i++) {
    c.send(ping(String(i)));
    if (i % 20 === 19) await w.sleep(1);
  }
  const ok = await w.until(() => sd.received.length >= n && c.queuedBytes === 0, 60_000);
  if (!ok) console.log(`# stuck: received ${sd.received.length}/${n}, queued ${c.queuedBytes}, state ${c.state}, stats ${JSON.stringify(c.stats)}`);
  const inj = [srv.core.injector!, cli.core.injector!];
  const out = {
    ok,
    received: sd.received.slice(),
    failures: inj[0]!.socketFailures + inj[1]!.socketFailures,
    delays: inj[0]!.internalDelays + inj[1]!.internalDelays,
    delayed: inj[0]!.delayedMessages + inj[1]!.delayedMessages,
    resets: sd.resets + sd.remoteResets,
  };
  await w.cleanup();
  return out;
}

const expected = (n: number): string[] => Array.from({ length: n }, (_, i) => String(i));

// split writes would turn every few bytes into a socket op (1/N each): keep writes whole, as TCP mostly does
const worlds: Array<[string, () => World]> = [['sim', () => simWorld({ seed: 3 })], ...WORLDS.filter(([k]) => k === 'tcp')];

for (const [kind, mk] of worlds) {
  test(`ms_inject_socket_failures=30 + internal delays + delayed delivery: exactly once [${kind}]`, { timeout: 120_000 }, async () => {
    const n = 3000;
    const r = await run(
      mk(),
      {
        ms_inject_socket_failures: 30,
        ms_inject_internal_delays: 0.01,
        ms_inject_delay_type: 'osd',
        ms_inject_delay_probability: 0.5,
        ms_inject_delay_max: 0.05,
      },
      n,
    );
    console.log(`# [${kind}] socket failures ${r.failures}, internal delays ${r.delays}, delayed messages ${r.delayed}`);
    assert.ok(r.ok, 'all delivered and acked');
    assert.ok(r.failures > 5, `failures injected: ${r.failures}`);
    assert.ok(r.delayed > 0);
    assert.deepEqual(r.received, expected(n), 'exactly once, in order');
    assert.equal(r.resets, 0);
  });
}

test('the same ms_inject_seed replays the same faults (simulator)', async () => {
  const cfg = { ms_inject_socket_failures: 20, ms_inject_internal_delays: 0.01 };
  const a = await run(simWorld({ seed: 5 }), cfg, 500);
  const b = await run(simWorld({ seed: 5 }), cfg, 500);
  assert.ok(a.ok && b.ok);
  assert.ok(a.failures > 0);
  assert.deepEqual([a.failures, a.delays], [b.failures, b.delays]);
});
