import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AddrType, makeAddr } from '../../../src/encoding/types/entity-addr.ts';
import type { MonAddr } from '../../../src/config/mon-host.ts';
import { HuntPlan, dialAddrs, v2Addrs } from '../../../src/monc/hunt.ts';
import { Subscriptions } from '../../../src/monc/subs.ts';

const v2 = (port: number) => makeAddr(AddrType.MSGR2, '127.0.0.1', port, 0);
const v1 = (port: number) => makeAddr(AddrType.LEGACY, '127.0.0.1', port, 0);
const mon = (name: string, extra: Partial<MonAddr> = {}): MonAddr => ({ name, addrs: [v2(3300), v1(6789)], ...extra });

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

const T = { interval: 3, parallel: 1, backoff: 1.5, minMultiple: 1, maxMultiple: 10 };

test('every mon is tried once before any is tried again (Ceph _add_conns "tried")', () => {
  for (let seed = 1; seed < 50; seed++) {
    const p = new HuntPlan(T, lcg(seed));
    const mons = [mon('a'), mon('b'), mon('c')];
    const first = [0, 1, 2].map(() => p.nextBatch(mons)[0]!.name);
    assert.deepEqual([...first].sort(), ['a', 'b', 'c'], `seed ${seed}: ${first}`);
    const again = p.nextBatch(mons)[0]!.name; // all tried: starts over
    assert.ok(['a', 'b', 'c'].includes(again));
    p.succeeded(); // forgets what was tried
    const after = [0, 1, 2].map(() => p.nextBatch(mons)[0]!.name);
    assert.deepEqual([...after].sort(), ['a', 'b', 'c']);
  }
});

test('parallel picks, lowest priority only; v1-only mons are dialled too, mons without v2/v1 addresses are not', () => {
  const p = new HuntPlan({ ...T, parallel: 3 }, lcg(7));
  const mons = [mon('a', { priority: 1 }), mon('b'), mon('c', { priority: 1 }), mon('old', { addrs: [v1(6789)] })];
  assert.deepEqual(p.nextBatch(mons).map((m) => m.name).sort(), ['b', 'old']);
  assert.deepEqual(p.nextBatch(mons).map((m) => m.name).sort(), ['a', 'c'], 'then the next priority');
  assert.deepEqual(p.nextBatch([mon('cidr', { addrs: [{ ...v1(6789), type: AddrType.CIDR }] })]), []);
  assert.deepEqual(v2Addrs(mon('x')), [v2(3300)]);
  assert.deepEqual(dialAddrs(mon('x')), [v2(3300), v1(6789)], 'the messenger picks v2 when there is one');
  assert.deepEqual(dialAddrs(mon('old', { addrs: [v1(6789)] })), [v1(6789)]);
});

test('weights bias the order', () => {
  let heavyFirst = 0;
  for (let seed = 1; seed <= 400; seed++) {
    const p = new HuntPlan(T, lcg(seed));
    if (p.nextBatch([mon('light', { weight: 1 }), mon('heavy', { weight: 9 })])[0]!.name === 'heavy') heavyFirst++;
  }
  assert.ok(heavyFirst > 300 && heavyFirst < 400, `heavy first ${heavyFirst}/400`);
});

test('the round grows by the backoff up to the max multiple and shrinks after a success', () => {
  const p = new HuntPlan(T, lcg(1));
  assert.equal(p.roundMs, 3000);
  p.failed();
  assert.equal(p.roundMs, 4500);
  for (let i = 0; i < 20; i++) p.failed();
  assert.equal(p.roundMs, 30000);
  p.succeeded();
  assert.equal(p.roundMs, 20000);
  for (let i = 0; i < 20; i++) p.succeeded();
  assert.equal(p.roundMs, 3000);
});

test('subscriptions: onetime ones end when the map arrives, continuous ones move on', () => {
  const s = new Subscriptions();
  s.set('monmap', 0n, 0);
  s.set('osdmap', 0n, 1);
  s.set('mgrmap', 5n, 0);
  s.got('monmap', 3n);
  s.got('osdmap', 9n);
  s.got('mgrmap', 4n); // older than wanted: ignored
  assert.deepEqual([...s.all()], [
    ['monmap', { start: 4n, flags: 0 }],
    ['mgrmap', { start: 5n, flags: 0 }],
  ]);
  const copy = s.all();
  copy.get('monmap')!.start = 99n;
  assert.equal(s.get('monmap')!.start, 4n, 'all() is a copy');
});
