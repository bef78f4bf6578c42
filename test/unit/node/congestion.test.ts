import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { CongestedSock } from '../../../src/node/congestion.ts';
import { AddrType, makeAddr } from '../../../src/encoding/types/entity-addr.ts';
import type { Sock } from '../../../src/node/env.ts';
import { SimNetwork } from '../../../src/testing/sim-env.ts';

async function pair(sim: SimNetwork): Promise<{ client: Sock; got: Buffer[] }> {
  const got: Buffer[] = [];
  const env = sim.env('127.0.0.1');
  const l = await env.net.listen(makeAddr(AddrType.MSGR2, '127.0.0.1', 0, 0), (s) => {
    s.onData = (c) => got.push(Buffer.from(c));
  });
  const client = env.net.connect(l.addr);
  await new Promise<void>((r) => {
    client.onConnect = () => r();
    void sim.runUntil(() => false, 10);
  });
  return { client, got };
}

test('ms_inject_network_congestion: N-1 of N write attempts would block; bytes arrive intact and in order', async () => {
  const sim = new SimNetwork({ seed: 3 });
  const { client, got } = await pair(sim);
  const n = 10;
  const cs = new CongestedSock(client, () => n, sim.env('127.0.0.1'), 42);
  let drains = 0;
  let wake: (() => void) | undefined;
  cs.onDrain = () => {
    drains++;
    wake?.();
  };
  const sent: Buffer[] = [];
  let attempts = 0;
  let refusedWrites = 0;
  let maxBuffered = 0;
  for (let i = 0; i < 300; i++) {
    const b = Buffer.alloc(1000, i & 0xff);
    sent.push(b);
    attempts++;
    if (!cs.write([b])) {
      refusedWrites++;
      maxBuffered = Math.max(maxBuffered, (cs as unknown as { heldBytes: number }).heldBytes);
      await new Promise<void>((r) => {
        wake = r;
        void sim.runUntil(() => false, 1);
      });
    }
  }
  await sim.runUntil(() => Buffer.concat(got).length === 300_000, 1000);
  assert.ok(Buffer.concat(got).equals(Buffer.concat(sent)), 'every byte, in order');
  // each refused write took on average n retries to get through
  const ratio = cs.refused / (cs.refused + refusedWrites + (attempts - refusedWrites));
  assert.ok(refusedWrites > 200 && refusedWrites < 300, `refused writes ${refusedWrites}/300`);
  assert.ok(ratio > 0.8 && ratio < 0.95, `would-block ratio ${ratio.toFixed(3)} (want ~${(n - 1) / n})`);
  assert.equal(drains, refusedWrites, 'one drain per refused write');
  assert.ok(maxBuffered <= 1000, 'nothing piles up behind a refused write (the writer waits for the drain)');
});

test('congestion switched off at runtime (N read at every write)', async () => {
  const sim = new SimNetwork({ seed: 4 });
  const { client, got } = await pair(sim);
  let n = 1000;
  const cs = new CongestedSock(client, () => n, sim.env('127.0.0.1'), 7);
  assert.equal(cs.write([Buffer.from('a')]), false);
  n = 0;
  await sim.runUntil(() => got.length > 0, 100);
  assert.equal(cs.write([Buffer.from('b')]), true);
  await sim.runUntil(() => Buffer.concat(got).toString() === 'ab', 100);
  assert.equal(Buffer.concat(got).toString(), 'ab');
});
