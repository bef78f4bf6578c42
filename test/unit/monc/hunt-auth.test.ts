import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Buffer } from 'node:buffer';
import { AuthMethod, ConMode, type AuthClientHandler, type AuthServerHandler } from '../../../src/core/auth/types.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { HuntingAuthClient } from '../../../src/monc/hunt-auth.ts';
import { makeCluster, runExchange } from '../core/auth/fixture.ts';

function step(s: AuthServerHandler, payload: Buffer): Buffer {
  const r = s.handle(payload, ConMode.SECURE);
  assert.equal(r.kind, 'more');
  return (r as { payload: Buffer }).payload;
}

function finish(c: AuthClientHandler, s: AuthServerHandler, payload: Buffer): bigint {
  const r = s.handle(payload, ConMode.SECURE);
  assert.equal(r.kind, 'done', r.kind === 'error' ? `errno ${r.errno}` : r.kind);
  const done = r as Extract<typeof r, { kind: 'done' }>;
  return c.handleDone(done.result.globalId, ConMode.SECURE, done.payload).globalId;
}

/** Two mons authenticate us at once (interleaved); the one that finishes LAST is not the winner. */
function race(adopt: boolean): { reclaim: ReturnType<typeof runExchange>; a: bigint; b: bigint } {
  const cl = makeCluster('hunt', {}, { allowInsecureGlobalIdReclaim: false });
  const cephx = cl.client();
  const w = new HuntingAuthClient(cephx, cephx);
  const opts = { toMon: true, globalId: 0n };
  const c1 = w.start(AuthMethod.CEPHX, EntityType.MON, opts);
  const c2 = w.start(AuthMethod.CEPHX, EntityType.MON, opts);
  const s1 = cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT);
  const s2 = cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT);
  const ch1 = step(s1, c1.initialPayload());
  const ch2 = step(s2, c2.initialPayload());
  const req1 = c1.handleMore(ch1);
  const req2 = c2.handleMore(ch2);
  const a = finish(c1, s1, req1); // the winner
  const b = finish(c2, s2, req2); // a loser that completed after it
  assert.notEqual(a, b);
  assert.equal(cephx.globalId, b, 'without help the shared cephx state is the last one');
  if (adopt) assert.equal(w.adopt(a), true);
  // later: the session with the winner drops; we reconnect reclaiming global_id a
  const again = w.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: a });
  return { reclaim: runExchange(again, cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), ConMode.SECURE), a, b };
}

test("adopt(): the winner's global_id, challenge and tickets become current, so reclaiming works", () => {
  const { reclaim, a } = race(true);
  assert.equal(reclaim.error, undefined);
  assert.equal(reclaim.client?.globalId, a);
});

test('control: without adopt() the reclaim presents the wrong ticket and the mon refuses it', () => {
  const { reclaim } = race(false);
  assert.equal(reclaim.error, -13);
});

test('adopt() of an unknown global_id changes nothing and says so', () => {
  const cl = makeCluster('hunt2');
  const cephx = cl.client();
  const w = new HuntingAuthClient(cephx, cephx);
  assert.equal(w.adopt(1234n), false);
  assert.equal(cephx.globalId, 0n);
  assert.deepEqual(w.methods(EntityType.MON), [AuthMethod.CEPHX]);
  assert.deepEqual(w.modes(EntityType.MON, AuthMethod.CEPHX), [ConMode.SECURE, ConMode.CRC]);
});
