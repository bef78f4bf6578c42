/**
 * PeerServer on a Messenger over TCP, with breakpoints (src/core/interceptor.ts) placing a socket
 * failure exactly where a session's accounting is subtle.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { AuthNoneClient } from '../../../src/core/auth/none.ts';
import type { Breakpoint, InterceptAction } from '../../../src/core/interceptor.ts';
import { cephDefaultPolicies } from '../../../src/core/session/policy.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { DEFAULT_FEATURES } from '../../../src/encoding/types/features.ts';
import { MMonProbeCodec } from '../../../src/messages/mon-probe.ts';
import { Messenger } from '../../../src/node/messenger.ts';
import { PeerServer } from '../../../src/server/peer-server.ts';

const running: Messenger[] = [];
after(async () => {
  for (const m of running) await m.shutdown();
});

const FSID = '11111111-2222-4333-8444-555555555555';
const probe = () =>
  MMonProbeCodec.encode({ fsid: FSID, op: 1, name: 'a', quorum: [], monmapBl: Buffer.alloc(0), hasEverJoined: false, paxosFirstVersion: 0n, paxosLastVersion: 0n, requiredFeatures: 0n, monRelease: 16, leader: -1 }, DEFAULT_FEATURES);

/** mon.b with a breakpoint that fires once at `bp` with `action`. */
async function monB(proto: 'v1' | 'v2', bp: Breakpoint, action: InterceptAction): Promise<{ ms: Messenger; server: PeerServer; fired: () => number }> {
  let fired = 0;
  const ms = Messenger.create({
    name: 'mon.b',
    nonce: 0,
    policies: cephDefaultPolicies(EntityType.MON),
    interceptor: {
      intercept(_c, at) {
        if (at === bp && fired === 0) {
          fired++;
          return action;
        }
        return 'CONTINUE';
      },
    },
  });
  running.push(ms);
  const server = new PeerServer(ms);
  await ms.bind(`${proto}:127.0.0.1:0`);
  await ms.start();
  return { ms, server, fired: () => fired };
}

async function monA(proto: 'v1' | 'v2', target: string, n: number): Promise<Messenger> {
  const ms = Messenger.create({ name: 'mon.a', nonce: 0, policies: cephDefaultPolicies(EntityType.MON), authClient: new AuthNoneClient({ name: { type: EntityType.MON, id: 'a' } }), config: { ms_initial_backoff: 0.01, ms_max_backoff: 0.05 } });
  running.push(ms);
  await ms.bind(`${proto}:127.0.0.1:0`);
  await ms.start();
  const c = ms.connectTo(target, 'mon');
  for (let i = 0; i < n; i++) c.send(probe());
  const t0 = Date.now();
  while (c.queuedBytes > 0) {
    if (Date.now() - t0 > 10000) assert.fail(`mon.a: ${c.queuedBytes} bytes unacked`);
    await new Promise((r) => setTimeout(r, 10));
  }
  return ms;
}

test('msgr2: SERVER_IDENT written but the socket dies before mon.a reads it → CLIENT_IDENT again: a retry, one session', async () => {
  const b = await monB('v2', 'SERVER_IDENT:w', 'STALL');
  const a = await monA('v2', `v2:127.0.0.1:${b.ms.myAddrs[0]!.port}/0`, 20);
  await a.shutdown();
  const s = b.server.summary();
  const ctx = JSON.stringify(s);
  assert.equal(b.fired(), 1);
  assert.equal(s.messages, 20, ctx);
  assert.deepEqual([s.sessions, s.retries, s.reconnects, s.resets, s.duplicates, s.gaps], [1, 1, 0, 0, 0, 0], ctx);
  assert.equal(s.ready, 2, ctx);
  assert.deepEqual(s.auth, { 'msgr2.1 none crc': 2 }, ctx);
});

test('msgr2: the socket dies after some messages → SESSION_RECONNECT: a reconnect, seqs go on', async () => {
  const b = await monB('v2', 'MESSAGE:r', 'STALL');
  const a = await monA('v2', `v2:127.0.0.1:${b.ms.myAddrs[0]!.port}/0`, 20);
  await a.shutdown();
  const s = b.server.summary();
  const ctx = JSON.stringify(s);
  assert.equal(b.fired(), 1);
  assert.equal(s.messages, 20, ctx);
  assert.deepEqual([s.sessions, s.retries, s.reconnects, s.resets, s.duplicates, s.gaps], [1, 0, 1, 0, 0, 0], ctx);
});

test('msgr1: READY/SEQ written but the socket dies before mon.a reads it → connect_seq 0 again: Ceph\'s peer reset, a second session from seq 1', async () => {
  const b = await monB('v1', 'CONNECT_REPLY:w', 'STALL');
  const a = await monA('v1', `v1:127.0.0.1:${b.ms.myAddrs[0]!.port}/0`, 20);
  await a.shutdown();
  const s = b.server.summary();
  const ctx = JSON.stringify(s);
  assert.equal(b.fired(), 1);
  assert.equal(s.messages, 20, ctx);
  assert.deepEqual([s.sessions, s.resets, s.remote_resets, s.reconnects, s.duplicates, s.gaps], [2, 1, 1, 0, 0, 0], ctx);
});

test('msgr1: the socket dies after some messages → connect_seq+1: a reconnect, seqs go on', async () => {
  const b = await monB('v1', 'MSG:r', 'STALL');
  const a = await monA('v1', `v1:127.0.0.1:${b.ms.myAddrs[0]!.port}/0`, 20);
  await a.shutdown();
  const s = b.server.summary();
  const ctx = JSON.stringify(s);
  assert.equal(b.fired(), 1);
  assert.equal(s.messages, 20, ctx);
  assert.deepEqual([s.sessions, s.resets, s.reconnects, s.duplicates, s.gaps], [1, 0, 1, 0, 0], ctx);
});
