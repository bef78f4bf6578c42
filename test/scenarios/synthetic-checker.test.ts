/**
 * The synthetic workload's checker catches what it claims to catch (negative controls): the
 * tracker's classification of every pong (unit), and whole runs in the simulator where the
 * client side swallows, duplicates or corrupts one pong on purpose.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import type { Connection } from '../../src/node/connection.ts';
import type { Message } from '../../src/messages/message.ts';
import { SimNetwork } from '../../src/testing/sim-env.ts';
import { simDriver } from '../../src/testing/synthetic-driver.ts';
import { decodePayload, WHO_PONG } from '../../src/testing/synthetic-payload.ts';
import { Tracker } from '../../src/testing/synthetic-tracker.ts';
import { MIX_NO_DROPS, SyntheticWorkload } from '../../src/testing/synthetic.ts';

const conn = (): Connection => ({}) as unknown as Connection;
const ok = (): boolean => true;

test('tracker: in order, gap then late arrival, duplicate, stale after discard, misrouted, corrupt, unknown', () => {
  const t = new Tracker();
  const a = conn();
  const b = conn();
  const s = [0, 1, 2, 3].map(() => t.allocSeq());
  for (const q of s) t.track(a, q, q);
  t.onPong(a, s[0]!, 0, ok);
  assert.deepEqual([t.counts.delivered, t.pending, t.lost], [1, 3, 3]);
  t.onPong(a, s[2]!, 2, ok); // s1 skipped
  assert.deepEqual([t.counts.skipped, t.counts.delivered, t.pending], [1, 2, 1]);
  t.onPong(a, s[1]!, 1, ok); // late: reordered, no longer lost
  assert.deepEqual([t.counts.skipped, t.counts.reordered, t.counts.delivered], [0, 1, 3]);
  t.onPong(a, s[1]!, 1, ok);
  assert.equal(t.counts.duplicated, 1);
  assert.equal(t.discard(a), 1); // s3
  t.onPong(a, s[3]!, 3, ok);
  assert.deepEqual([t.counts.stale, t.counts.duplicated], [1, 1]);
  t.onPong(a, s[3]!, 3, ok);
  assert.equal(t.counts.duplicated, 2, 'a stale pong twice is a duplicate');
  const q = t.allocSeq();
  t.track(a, q, 7);
  t.onPong(b, q, 7, ok);
  assert.equal(t.counts.misrouted, 1);
  const r = t.allocSeq();
  t.track(b, r, 8);
  t.onPong(b, r, 8, () => false);
  assert.equal(t.counts.corrupt, 1);
  t.onPong(b, 99_999, 0, ok);
  assert.equal(t.counts.unknown, 1);
  assert.equal(t.onPing(s[0]!, true), true);
  assert.equal(t.onPing(s[0]!, true), false, 'a ping seen twice');
  assert.equal(t.counts.duplicated, 3);
  assert.equal(t.pending, 0);
});

type Tamper = 'swallow' | 'duplicate' | 'corrupt';

async function tampered(kind: Tamper) {
  const sim = new SimNetwork({ seed: 9, latencyMs: 0.05 });
  const wl = new SyntheticWorkload({
    servers: 2,
    clients: 3,
    serverPolicy: Policy.lossless_peer(),
    clientPolicy: Policy.lossless_peer(),
    env: () => sim.env(),
    driver: simDriver(sim),
    seed: 9,
    pool: { max: 4096 },
  });
  let pongs = 0;
  const real = wl.dispatch.bind(wl);
  wl.dispatch = (m: Message, c: Connection) => {
    const p = decodePayload(m);
    if (p?.who === WHO_PONG && ++pongs === 10) {
      if (kind === 'swallow') return;
      if (kind === 'duplicate') real(m, c);
      if (kind === 'corrupt') {
        const d = Buffer.from(m.data);
        d[d.length >> 1] = (d[d.length >> 1] ?? 0) ^ 0xff;
        m.data = d;
      }
    }
    return real(m, c);
  };
  await wl.start();
  for (const cl of wl.clients) for (const s of wl.servers) wl.connect(cl, s);
  await wl.run({ ops: 200, mix: MIX_NO_DROPS });
  const drained = await wl.waitForDone(10_000);
  await wl.shutdown();
  return { c: wl.counts(), drained };
}

test('a swallowed pong is lost (a gap before later pongs of its connection)', async () => {
  const { c } = await tampered('swallow');
  assert.equal(c.lost, 1);
  assert.equal(c.delivered, c.sent - 1);
});

test('a pong dispatched twice is a duplicate', async () => {
  const { c, drained } = await tampered('duplicate');
  assert.ok(drained);
  assert.deepEqual([c.duplicated, c.lost, c.delivered], [1, 0, c.sent]);
});

test('a pong with altered data is corrupt', async () => {
  const { c } = await tampered('corrupt');
  assert.equal(c.corrupt, 1);
});
