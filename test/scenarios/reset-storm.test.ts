/**
 * S23 — reset-storm guard (crimson PR #33909: heartbeat peers stuck in an endless remove/add loop).
 * Two peers with one messenger each, lossy toward each other (heartbeat-like), whose application
 * reconnects and pings again the moment it gets a reset; 100 cycles of "both connect at once".
 * Classic's lossy rule ("the accepting side wins": stop the existing lossy connection) applied on
 * both ends kills both winners and every reset feeds the next race — a storm. ceph-msgr resolves
 * a race between two *connecting* lossy connections like a lossless one (lower address wins, the
 * other side adopts its socket), so each cycle converges on one working connection.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import { RuleInterceptor } from '../../src/testing/fault-interceptor.ts';
import { SeededRandom } from '../../src/core/random.ts';
import type { Connection } from '../../src/node/connection.ts';
import type { Messenger } from '../../src/node/messenger.ts';
import type { EntityAddr } from '../../src/encoding/types/entity-addr.ts';
import { WORLDS, simWorld, type World } from '../helpers/world.ts';
import { ping } from '../helpers/fake-dispatcher.ts';
import { debugLog, shutdownClean } from '../helpers/failover.ts';

const INITIAL_BACKOFF_S = 0.2;
const CONF = { ms_initial_backoff: INITIAL_BACKOFF_S, ms_max_backoff: 1 };

interface Peer {
  m: Messenger;
  ic: RuleInterceptor;
  addrs: EntityAddr[];
  /** pings received in the current cycle */
  got: number;
  resets: number;
  /** reconnects the application made from its reset handler */
  reconnects: number;
}

async function peer(w: World, name: string, nonce: number): Promise<Peer> {
  const ic = new RuleInterceptor();
  const m = w.messenger({ name, nonce, interceptor: ic, config: CONF, log: debugLog(w, name) });
  m.setDefaultPolicy(Policy.lossy_client());
  const addrs = await m.bind('v2:127.0.0.1:0');
  await m.start();
  return { m, ic, addrs, got: 0, resets: 0, reconnects: 0 };
}

/** The heartbeat-like application: count pings; on reset, reconnect at once and ping again. */
function app(me: Peer, other: Peer): void {
  me.m.addDispatcher({
    dispatch: () => void me.got++,
    handleReset: () => {
      me.resets++;
      me.reconnects++;
      me.m.connectTo(other.addrs, 'osd').send(ping('hb'));
    },
  });
}

const live = (m: Messenger): Connection[] => m.connections().filter((c) => c.isConnected());
const now = (w: World): number => (w.sim ? w.sim.now : Date.now());

/** `aLower`: which peer has the lower address; `rnd`: random order and 0–2 ms skew per cycle */
async function storm(w: World, cycles: number, aLower: boolean, rnd?: SeededRandom): Promise<string> {
  const A = await peer(w, 'osd.1', aLower ? 1 : 2);
  const B = await peer(w, 'osd.2', aLower ? 2 : 1);
  app(A, B);
  app(B, A);
  let worst = 0;
  let maxResets = 0;
  for (let cycle = 0; cycle < cycles; cycle++) {
    A.m.markDownAll();
    B.m.markDownAll();
    await w.sleep(5);
    for (const p of [A, B]) p.got = p.resets = p.reconnects = 0;
    const attempts0 = [A.ic.hits('SOCKET_CONNECTING'), B.ic.hits('SOCKET_CONNECTING')];
    const t0 = now(w);
    // both connect at once, each with one heartbeat queued
    const [first, second] = rnd && rnd.next() < 0.5 ? [[B, A], [A, B]] : [[A, B], [B, A]];
    first[0]!.m.connectTo(first[1]!.addrs, 'osd').send(ping('x'));
    if (rnd) await w.sleep(Math.floor(rnd.next() * 200) / 100);
    second[0]!.m.connectTo(second[1]!.addrs, 'osd').send(ping('y'));
    const converged = () => A.got >= 1 && B.got >= 1 && live(A.m).length === 1 && live(B.m).length === 1;
    const ok = await w.until(converged, 2000);
    const took = now(w) - t0;
    const why = `cycle ${cycle}: got A=${A.got} B=${B.got} resets A=${A.resets} B=${B.resets} live A=${live(A.m).length} B=${live(B.m).length} after ${took} ms`;
    assert.ok(ok, `did not converge within 2 s — ${why}`);
    assert.ok(took <= 2000, why);
    // the connection works both ways, and the storm is over: nothing more happens
    const [ca, cb] = [live(A.m)[0]!, live(B.m)[0]!];
    assert.equal(A.m.connectTo(B.addrs, 'osd'), ca, 'the application reaches the live connection');
    ca.send(ping('a2'));
    cb.send(ping('b2'));
    assert.ok(await w.until(() => A.got >= 2 && B.got >= 2, 1000), why);
    await w.sleep(300);
    assert.deepEqual([live(A.m), live(B.m)], [[ca], [cb]], `stable — ${why}`);
    const resets = A.resets + B.resets;
    assert.ok(resets <= 2, `≤ 2 reset callbacks per cycle — ${why}`);
    // reconnect attempts are rate-limited: at most one per initial backoff (plus the first)
    const span = now(w) - t0;
    const limit = 1 + Math.floor(span / (INITIAL_BACKOFF_S * 1000));
    const attempts = [A.ic.hits('SOCKET_CONNECTING') - attempts0[0]!, B.ic.hits('SOCKET_CONNECTING') - attempts0[1]!];
    for (const a of attempts) assert.ok(a <= limit, `${a} connect attempts in ${span} ms — ${why}`);
    worst = Math.max(worst, took);
    maxResets = Math.max(maxResets, resets);
  }
  await shutdownClean(w);
  return `worst convergence ${worst} ms, max resets per cycle ${maxResets}`;
}

describe('S23 reset-storm guard, 100 cycles [sim]', () => {
  for (const aLower of [true, false]) {
    test(`random order and 0-2 ms skew per cycle, ${aLower ? 'A' : 'B'} has the lower address`, async () => {
      const w = simWorld({ seed: aLower ? 23 : 32, splitWrites: true, latencyMs: 0.2 });
      const info = await storm(w, 100, aLower, new SeededRandom(aLower ? 230 : 320));
      console.log(`S23 [sim] ${info}`);
    });
  }
});

for (const [kind, mk] of WORLDS) {
  describe(`S23 reset-storm guard [${kind}]`, () => {
    test('20 cycles, both connect in the same tick', async () => {
      const info = await storm(mk(), 20, true);
      console.log(`S23 [${kind}] ${info}`);
    });
  });
}
