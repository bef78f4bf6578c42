import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SessionTracker } from '../../../src/server/session-tracker.ts';
import { classifyAccept } from '../../../src/server/peer-server.ts';

test('one session resumed across reconnects: seqs continue, nothing flagged', () => {
  const t = new SessionTracker();
  assert.equal(t.accept(7, 'new'), 'new');
  for (let s = 1n; s <= 3n; s++) assert.equal(t.message(7, 67, s), 'ok');
  assert.equal(t.accept(7, 'resumed'), 'resumed');
  for (let s = 4n; s <= 5n; s++) assert.equal(t.message(7, 67, s), 'ok');
  const c = t.counts;
  assert.deepEqual(
    { ready: c.ready, sessions: c.sessions, reconnects: c.reconnects, resets: c.resets, messages: c.messages, duplicates: c.duplicates, gaps: c.gaps },
    { ready: 2, sessions: 1, reconnects: 1, resets: 0, messages: 5, duplicates: 0, gaps: 0 },
  );
  assert.deepEqual([...c.byType], [[67, 5]]);
});

test('a resent message is a duplicate, a skipped seq is one gap per jump', () => {
  const t = new SessionTracker();
  t.accept(1, 'new');
  t.message(1, 67, 1n);
  t.message(1, 67, 2n);
  t.accept(1, 'resumed');
  assert.equal(t.message(1, 67, 2n), 'duplicate'); // the peer resent what we had
  assert.equal(t.message(1, 67, 1n), 'duplicate');
  assert.equal(t.message(1, 67, 5n), 'gap'); // 3 and 4 never came
  assert.equal(t.message(1, 67, 6n), 'ok');
  assert.equal(t.counts.duplicates, 2);
  assert.equal(t.counts.gaps, 1);
  assert.equal(t.lastSeq(1), 6n);
});

test('a session must start at seq 1', () => {
  const t = new SessionTracker();
  t.accept(1, 'new');
  assert.equal(t.message(1, 67, 2n), 'gap');
  // a message on a connection that never had an accept is judged from 0 as well
  assert.equal(t.message(9, 67, 1n), 'ok');
});

test('after a remote reset the next accept starts a new session (seqs restart at 1)', () => {
  const t = new SessionTracker();
  t.accept(1, 'new');
  t.message(1, 67, 1n);
  t.message(1, 67, 2n);
  t.reset(1, 'remote');
  t.reset(1, 'remote'); // counted once per session
  // even if the protocol claims a resume, an ended session does not continue
  assert.equal(t.accept(1, 'resumed'), 'new');
  assert.equal(t.message(1, 67, 1n), 'ok');
  t.reset(1, 'local');
  t.reset(99, 'local'); // never accepted: not ours to count
  const c = t.counts;
  assert.deepEqual([c.sessions, c.reconnects, c.resets, c.remoteResets, c.localResets, c.duplicates, c.gaps], [2, 0, 2, 1, 1, 0, 0]);
});

test('sessions of different connections are judged separately', () => {
  const t = new SessionTracker();
  t.accept(1, 'new');
  t.accept(2, 'new');
  t.message(1, 67, 1n);
  t.message(2, 67, 1n);
  t.message(1, 67, 2n);
  t.message(2, 2, 2n);
  assert.equal(t.counts.duplicates + t.counts.gaps, 0);
  assert.deepEqual([...t.counts.byType].sort(), [[2, 1], [67, 3]]);
});

test('an interrupted establishment done again: neither a session nor a reconnect, judging restarts', () => {
  const t = new SessionTracker();
  assert.equal(t.accept(3, 'new'), 'new');
  assert.equal(t.accept(3, 'retry'), 'retry'); // the peer never got SERVER_IDENT
  assert.equal(t.message(3, 67, 1n), 'ok');
  assert.equal(t.accept(3, 'resumed'), 'resumed');
  assert.equal(t.message(3, 67, 2n), 'ok');
  const c = t.counts;
  assert.deepEqual([c.ready, c.sessions, c.retries, c.reconnects, c.duplicates, c.gaps], [3, 1, 1, 1, 0, 0]);
  // a retry on a connection without a live session starts one
  assert.equal(t.accept(4, 'retry'), 'new');
});

test('classifyAccept: msgr2 by cookies, msgr1 by connect_seq', () => {
  const v2 = (clientCookie: bigint, serverCookie: bigint) => ({ version: 2 as const, clientCookie, serverCookie, connectSeq: 0n });
  assert.equal(classifyAccept(undefined, v2(1n, 5n)), 'new');
  assert.equal(classifyAccept(v2(1n, 5n), v2(1n, 5n)), 'resumed'); // SESSION_RECONNECT_OK keeps the server cookie
  assert.equal(classifyAccept(v2(1n, 5n), v2(1n, 6n)), 'retry'); // SERVER_IDENT again, same client cookie
  assert.equal(classifyAccept(v2(1n, 5n), v2(2n, 6n)), 'new'); // the peer restarted
  assert.equal(classifyAccept(v2(0n, 0n), v2(0n, 0n)), 'new'); // lossy: no cookies, no sessions
  const v1 = (connectSeq: bigint) => ({ version: 1 as const, clientCookie: 0n, serverCookie: 0n, connectSeq });
  assert.equal(classifyAccept(undefined, v1(3n)), 'new');
  assert.equal(classifyAccept(v1(1n), v1(1n)), 'new'); // peer sent connect_seq 0: a new session
  assert.equal(classifyAccept(v1(1n), v1(2n)), 'resumed'); // peer sent connect_seq 1: its session
  assert.equal(classifyAccept(v2(1n, 5n), v1(2n)), 'new');
});
