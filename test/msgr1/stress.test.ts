/**
 * msgr1 exactly-once under socket kills, two Node processes (this one sends; a forked child runs
 * the receiving server, test/msgr1/stress-server.ts). One lossless msgr1 session
 * (lossless_client → stateful_server), messages of mixed sizes (64 B .. 1 MiB), the sender's
 * socket killed (interceptor FAULT at MSG:w) every N-th message write. The receiver checks the
 * session seq (dense), the application index (next one) and a crc32c of each payload.
 *
 *  - "full": 100,000 messages, a kill every 2,000 writes (≈ 0.9 GB; about 6 s here);
 *  - "dense": 5,000 messages, a kill every 500 writes (more reconnects per message).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runStress, type StressResult } from './stress-common.ts';

function check(r: StressResult, total: number, killEvery: number): void {
  const s = r.server;
  assert.equal(r.sent, total);
  assert.equal(s.received, total, '0 lost, 0 duplicated');
  assert.equal(s.lastIndex, total - 1);
  assert.equal(s.duplicates, 0, '0 duplicated');
  assert.equal(s.outOfOrder, 0, '0 out of order');
  assert.equal(s.badSeq, 0, 'session seqs dense');
  assert.equal(s.badChecksum, 0, 'payloads intact');
  assert.equal(s.bytes, r.sentBytes);
  assert.ok(r.killed >= Math.floor(total / killEvery), `${r.killed} kills`);
  assert.equal(r.connectAttempts, r.killed + 1, 'one reconnect per kill');
  assert.equal(s.connections, 1, 'one server connection carried the session');
  assert.deepEqual([s.remoteResets, s.resets, r.clientResets, r.clientRemoteResets], [0, 0, 0, 0]);
}

test('msgr1 stress (full): 100,000 mixed-size messages, socket killed every 2,000 writes, two processes', async () => {
  const r = await runStress(100_000, 2_000, 1);
  check(r, 100_000, 2_000);
  assert.ok(r.ms < 60_000, `took ${r.ms} ms`);
});

test('msgr1 stress (dense): 5,000 mixed-size messages, socket killed every 500 writes, two processes', async () => {
  const r = await runStress(5_000, 500, 2);
  check(r, 5_000, 500);
  assert.ok(r.ms < 20_000, `took ${r.ms} ms`);
});
