/**
 * Regression (found with `serve` over msgr1 + cephx + injected failures): when a mon reconnects
 * over msgr1, the server's temporary connection challenges its authorizer, then replaces the
 * existing connection, whose fresh auth state challenges the (already answered) authorizer again
 * — Ceph's ProtocolV1::replace resets the existing connection's auth_meta, so real mons do this
 * too. Our msgr1 connector answers that second challenge with a fresh authorizer handler; with a
 * self-issued (mon↔mon) ticket, every handler used to carry a NEW ticket with a new session key,
 * so it could not open a challenge sealed with the previous ticket's key ("cephx envelope: bad
 * magic") and the mon never reconnected. The self-issued ticket is now reused while fresh.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { CephxAuthClient } from '../../../src/core/auth/cephx-client.ts';
import { keyringServiceSecrets } from '../../../src/core/auth/cephx-keyserver.ts';
import { CephxAuthServer } from '../../../src/core/auth/cephx-server.ts';
import { AuthMethod, ConMode } from '../../../src/core/auth/types.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';

const MON_KEY = Buffer.alloc(16, 0x33);

function seeded(label: string): (n: number) => Buffer {
  let i = 0;
  return (n) => {
    const out = Buffer.alloc(n);
    for (let o = 0; o < n; o += 32) createHash('sha256').update(`${label}/${i++}`).digest().copy(out, o);
    return out;
  };
}

test('msgr1 replace: a second challenge on the same socket is answered by a fresh handler (self-issued ticket)', () => {
  let now = 1_700_000_000_000;
  const server = new CephxAuthServer({
    random: seeded('b'),
    now: () => now,
    getServiceSecret: keyringServiceSecrets(new Map([['mon.', { key: MON_KEY, caps: {} }]])),
    modes: [ConMode.CRC],
  });
  const monA = new CephxAuthClient({ name: { type: EntityType.MON, id: 'a' }, secret: MON_KEY, random: seeded('a'), now: () => now, selfIssueSecret: { serviceId: EntityType.MON, secret: MON_KEY } });
  const start = () => monA.start(AuthMethod.CEPHX, EntityType.MON, { toMon: false, globalId: 0n });

  // the temporary connection: challenge, answer, accepted
  const h1 = start();
  const tmp = server.start(AuthMethod.CEPHX, EntityType.MON);
  const ch1 = tmp.handle(h1.initialPayload(), ConMode.CRC);
  assert.equal(ch1.kind, 'more');
  const answered = h1.handleMore(ch1.kind === 'more' ? ch1.payload : Buffer.alloc(0));
  assert.equal(tmp.handle(answered, ConMode.CRC).kind, 'done');

  // replace → RETRY_GLOBAL; the client resends the answered authorizer; the existing
  // connection (fresh verifier) challenges it again, sealed with that authorizer's session key
  const existing = server.start(AuthMethod.CEPHX, EntityType.MON);
  const ch2 = existing.handle(answered, ConMode.CRC);
  assert.equal(ch2.kind, 'more');
  // the connector starts over with a fresh handler (the first one refuses a second challenge)
  assert.throws(() => h1.handleMore(ch2.kind === 'more' ? ch2.payload : Buffer.alloc(0)));
  const h2 = start();
  const answered2 = h2.handleMore(ch2.kind === 'more' ? ch2.payload : Buffer.alloc(0)); // threw "bad magic" before the fix
  const done = existing.handle(answered2, ConMode.CRC);
  assert.equal(done.kind, 'done');
  const res = h2.handleDone(0n, ConMode.CRC, done.kind === 'done' ? done.payload : Buffer.alloc(0));
  assert.deepEqual(res.sessionKey, done.kind === 'done' ? done.result.sessionKey : undefined);

  // the self-issued ticket is renewed at 3/4 of its hour: then a new session key
  const keyOf = (h: ReturnType<typeof start>): Buffer => {
    const s = server.start(AuthMethod.CEPHX, EntityType.MON);
    const c = s.handle(h.initialPayload(), ConMode.CRC);
    const d = s.handle(h.handleMore(c.kind === 'more' ? c.payload : Buffer.alloc(0)), ConMode.CRC);
    assert.equal(d.kind, 'done');
    return d.kind === 'done' ? d.result.sessionKey! : Buffer.alloc(0);
  };
  const k1 = keyOf(start());
  now += 44 * 60 * 1000;
  assert.deepEqual(keyOf(start()), k1);
  now += 2 * 60 * 1000;
  assert.notDeepEqual(keyOf(start()), k1);
});
