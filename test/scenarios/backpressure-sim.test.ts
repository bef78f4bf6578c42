/**
 * S26(b) in the simulator (virtual time, 60 s per case): four peers flood a receiver whose
 * dispatcher takes 100 ms per message, with each throttle binding in turn — the policy message
 * throttle, the policy byte throttle, the messenger-wide dispatch throttle. Reads pause (the
 * throttle never goes over its limit), control frames keep flowing (every side runs keepalives
 * with a 0.5 s timeout, shorter than the waits the throttle imposes), nobody times out or resets,
 * and every message arrives exactly once, in order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Message } from '../../src/messages/message.ts';
import { Policy } from '../../src/core/session/policy.ts';
import type { Throttle } from '../../src/core/session/throttle.ts';
import type { MsgrError } from '../../src/errors.ts';
import { Messenger } from '../../src/node/messenger.ts';
import type { Connection } from '../../src/node/connection.ts';
import { SimNetwork } from '../../src/testing/sim-env.ts';

const MiB = 1 << 20;
const KA = { ms_keepalive_interval: 0.15, ms_keepalive_timeout: 0.5 };
const MSG = 256 * 1024;
const PEERS = 4;

for (const which of ['policy messages', 'policy bytes', 'dispatch bytes'] as const) {
  test(`S26(b) sim: ${which} throttle full -> reads pause, keepalives flow, 0 timeouts, exactly once (60 s virtual)`, async () => {
    const sim = new SimNetwork({ seed: 11, highWater: MiB });
    const srv = Messenger.create({ name: 'osd.0', env: sim.env('127.0.0.1'), config: { ...KA, ms_dispatch_throttle_bytes: which === 'dispatch bytes' ? 2 * MiB : 64 * MiB } });
    const throttle = which === 'policy messages' ? { messages: 3 } : which === 'policy bytes' ? { bytes: 2 * MiB } : {};
    srv.setDefaultPolicy(Policy.with(Policy.stateful_server(), { throttle }));
    const next = new Map<number, number>();
    let violations = 0;
    let dispatched = 0;
    srv.addDispatcher({
      dispatch(m: Message): Promise<void> {
        const peer = m.data.readUInt32LE(0);
        const i = m.data.readUInt32LE(4);
        if ((next.get(peer) ?? 0) !== i) violations++;
        next.set(peer, i + 1);
        dispatched++;
        return new Promise((r) => srv.env.setTimer(100, r));
      },
    });
    const faults: string[] = [];
    let resets = 0;
    const watch = (m: Messenger): void => {
      m.on('fault', (_c: Connection, e: MsgrError) => faults.push(`${m.entity.type}:${e.code}`));
      m.on('reset', () => resets++);
      m.on('remote-reset', () => resets++);
    };
    watch(srv);
    const addrs = await srv.bind('v2:127.0.0.1:0');
    await srv.start();
    const peers: Messenger[] = [];
    for (let k = 0; k < PEERS; k++) {
      const m = Messenger.create({ name: `client.${k + 1}`, env: sim.env(`127.0.0.${k + 2}`), config: { ...KA, ms_send_queue_high_water: MiB } });
      m.setDefaultPolicy(Policy.lossless_client());
      watch(m);
      await m.start();
      peers.push(m);
    }
    const conns = peers.map((m) => m.connectTo(addrs, 'osd'));
    // the throttle that binds, sampled every 10 ms of virtual time
    const core = srv.core;
    let over = 0;
    let limit: Throttle | undefined;
    const sample = (): void => {
      for (const c of core.all.values()) {
        const set = core.throttlesFor(c);
        const t = which === 'policy messages' ? set.messages : which === 'policy bytes' ? set.bytes : set.dispatch;
        if (t) limit = t;
      }
      if (limit && limit.current > limit.max && limit.current > MSG) over++;
      srv.env.setTimer(10, sample);
    };
    sample();
    let flooding = true;
    const sent = new Array<number>(PEERS).fill(0);
    const floods = conns.map(async (c, k) => {
      while (flooding) {
        const d = Buffer.alloc(MSG, sent[k]! & 0xff);
        d.writeUInt32LE(k, 0);
        d.writeUInt32LE(sent[k]!++, 4);
        if (!c.send(new Message({ type: 2, data: d }))) await c.whenWritable();
      }
    });
    await sim.runUntil(() => false, 60_000);
    flooding = false;
    const total = (): number => sent.reduce((a, b) => a + b, 0);
    assert.ok(await sim.runUntil(() => dispatched >= total(), 300_000), `drained: ${dispatched}/${total()}`);
    await Promise.all(floods);
    console.log(
      `# S26b sim [${which}] (virtual ${(sim.now / 1000).toFixed(1)} s): ${total()} x 256 KiB from ${PEERS} peers dispatched at 100 ms each; reads paused ${limit?.waits} times on the ${limit?.name} throttle (max ${limit?.max}); faults ${faults.length}, resets ${resets}`,
    );
    assert.ok(limit && limit.waits > 0, 'reading paused on the full throttle');
    assert.equal(over, 0, 'the throttle never went over its limit');
    assert.deepEqual([faults, resets, violations], [[], 0, 0], 'no timeout, no reset, in order');
    assert.deepEqual([...next.values()], sent, 'every message exactly once');
    assert.ok(dispatched <= sim.now / 100 + 1, `${dispatched} dispatches of 100 ms in ${sim.now} ms: the dispatcher is not serialised`);
    for (const m of [...peers, srv]) await m.shutdown();
  });
}
