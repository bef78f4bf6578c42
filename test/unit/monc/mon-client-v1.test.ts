/**
 * The MonClient against msgr1-only mons (fake-mon-v1.ts, real TCP on loopback): the session is
 * msgr1, the MAuth login comes first and nothing else is sent before it completes; the global_id
 * from MAuthReply names the messenger; cephx tickets arrive and are renewed over MAuth on the
 * msgr1 session; refusals come back at once with their errno and without retries; hunting skips a
 * dead v1 mon; a lost session logs in again reclaiming the global_id and resends what was pending;
 * a plain `IP:6789` mon_host is v1.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthNoneClient } from '../../../src/core/auth/none.ts';
import { AuthMethod } from '../../../src/core/auth/types.ts';
import { decodeMAuthInitial } from '../../../src/core/auth/mauth.ts';
import { AddrType, makeAddr } from '../../../src/encoding/types/entity-addr.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { isMsgrError, type ErrorCode } from '../../../src/errors.ts';
import { MsgType } from '../../../src/messages/msg-types.ts';
import { parseMonHost } from '../../../src/config/mon-host.ts';
import { MonClient, type MonClientOptions } from '../../../src/monc/mon-client.ts';
import { ADMIN, makeCluster } from '../core/auth/fixture.ts';
import { freePort } from './fake-mon.ts';
import { FSID, FakeV1Mon, type FakeV1MonOptions } from './fake-mon-v1.ts';

const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

async function mon(o: FakeV1MonOptions = {}): Promise<FakeV1Mon> {
  const m = await FakeV1Mon.start(o);
  cleanup.push(() => m.down());
  return m;
}

function client(o: Partial<MonClientOptions> & Pick<MonClientOptions, 'mons'>): MonClient {
  const mc = new MonClient({ name: ADMIN, authClient: new AuthNoneClient({ name: ADMIN }), huntInterval: 0.3, ...o });
  cleanup.push(() => mc.close());
  return mc;
}

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, re?: RegExp): Promise<MsgrErrorLike> {
  let got: MsgrErrorLike | undefined;
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isMsgrError(e), `expected MsgrError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    got = e;
    return true;
  });
  return got!;
}
type MsgrErrorLike = { code: string; errno?: number; message: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('auth none over msgr1: MAuth first, nothing else before the login; client.<global_id>; commands with the fsid', async () => {
  const m = await mon();
  const mc = client({ mons: [{ name: 'noname-a', addrs: m.addrs }] });
  const sessions: number[] = [];
  mc.on('session', (_n: string, conn: { core?: { proto: { version: number } } }) => sessions.push(conn.core!.proto.version));
  await mc.connect({ timeoutMs: 5000 });
  assert.deepEqual(sessions, [1], 'the session is msgr1');
  assert.equal(mc.fsid, FSID);
  assert.equal(m.received[0], MsgType.AUTH, 'MAuth is the first message');
  assert.deepEqual(m.early, [], 'nothing sent before the login completed');
  assert.equal(m.mauths.length, 1, 'auth none: one round');
  assert.equal(m.mauths[0]!.protocol, 0);
  assert.deepEqual(decodeMAuthInitial(m.mauths[0]!.authPayload), { methods: [AuthMethod.NONE], name: ADMIN, globalId: 0n });
  assert.ok(mc.globalId > 7000n, `global_id ${mc.globalId} from MAuthReply`);
  assert.deepEqual(mc.messenger.myName, { type: EntityType.CLIENT, num: mc.globalId });
  assert.equal(m.received[1], MsgType.MON_GET_MAP);
  const r = await mc.command({ prefix: 'mon dump', format: 'json' });
  assert.deepEqual([r.r, r.data.toString()], [0, 'v1 {"prefix":"mon dump","format":"json"}']);
  assert.equal(m.commands[0]!.fsid, FSID);
  assert.equal(m.accepted, 1);
});

test('cephx over msgr1: two MAuth rounds, tickets, then renewal over MAuth on the msgr1 session', async () => {
  const cl = makeCluster('monc-v1');
  const m = await mon({ cephx: cl.mon });
  const mc = client({ mons: [{ name: 'a', addrs: m.addrs }], authClient: cl.client(), pingInterval: 0.05 });
  const renewed: number[][] = [];
  mc.on('tickets-renewed', (s: number[]) => renewed.push(s));
  const authErrors: string[] = [];
  mc.on('auth-error', (e: Error) => authErrors.push(e.message));
  await mc.connect({ timeoutMs: 5000 });
  assert.deepEqual(m.mauths.map((x) => x.protocol), [0, AuthMethod.CEPHX]);
  assert.deepEqual(m.early, []);
  assert.equal(mc.globalId, 4101n);
  assert.deepEqual(mc.messenger.myName, { type: EntityType.CLIENT, num: 4101n });
  assert.equal(mc.auth.cephx!.tickets.services().length, 4);
  assert.equal((await mc.command({ prefix: 'status' })).r, 0);
  await sleep(150);
  assert.equal(m.renewals, 0, 'fresh tickets are not renewed');
  cl.clock.advance(2701 * 1000); // service tickets (1 h) past 3/4
  const t0 = Date.now();
  while (!renewed.length && Date.now() - t0 < 3000) await sleep(20);
  assert.deepEqual(renewed, [[EntityType.MON, EntityType.OSD, EntityType.MGR]]);
  assert.equal(m.renewals, 1);
  assert.equal(m.mauths.at(-1)!.authPayload.readUInt16LE(0), 0x0200, 'GET_PRINCIPAL_SESSION_KEY');
  assert.equal(mc.stats.renewals, 1);
  await sleep(150);
  assert.equal(m.renewals, 1, 'renewed once, not at every tick');
  assert.deepEqual(authErrors, []);
  assert.equal(mc.stats.sessions, 1);
});

test('a wrong key is refused at once with its errno: one connection, no retries', async () => {
  const cl = makeCluster('monc-v1-wrong');
  const m = await mon({ cephx: cl.mon });
  const mc = client({ mons: [{ name: 'a', addrs: m.addrs }], authClient: cl.client({ secret: Buffer.alloc(16, 0x5a) }), huntInterval: 0.1 });
  const t0 = Date.now();
  const e = await rejectsWith(mc.connect({ timeoutMs: 5000 }), 'ERR_AUTH_REJECTED', /mon a \(\[v1:127\.0\.0\.1:\d+\/0\]\) refused client\.admin: cephx MAuth refused \(result -13\)/);
  assert.equal(e.errno, -13);
  assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
  await sleep(500);
  assert.equal(m.accepted, 1, 'one connection');
  assert.equal(m.mauths.length, 2);
  assert.equal(mc.stats.hunts, 1, 'no further hunting');
  assert.equal(mc.isConnected, false);
});

test('no common method (none offered to a cephx mon): ERR_AUTH_BAD_METHOD with −95', async () => {
  const m = await mon({ cephx: makeCluster('monc-v1-method').mon });
  const mc = client({ mons: [{ name: 'a', addrs: m.addrs }] });
  const e = await rejectsWith(mc.connect({ timeoutMs: 5000 }), 'ERR_AUTH_BAD_METHOD', /allows none of the auth methods we offer \[1\]/);
  assert.equal(e.errno, -95);
  assert.equal(m.accepted, 1);
});

test('a login the mon never answers is no session: connect() times out, and only MAuth was sent', async () => {
  const silent = await mon({ name: 'silent' });
  silent.onMAuth = () => 'drop';
  const mc = client({ mons: [{ name: 'silent', addrs: silent.addrs }], huntInterval: 0.2 });
  await rejectsWith(mc.connect({ timeoutMs: 700 }), 'ERR_TIMEOUT');
  assert.equal(mc.isConnected, false);
  assert.ok(silent.accepted >= 2, `re-hunted (${silent.accepted} connections)`);
  assert.deepEqual(new Set(silent.received), new Set([MsgType.AUTH]), 'nothing but MAuth on an unauthenticated session');
  assert.equal(mc.stats.sessions, 0);
});

test('hunting across v1 mons: a dead one and a live one, one at a time or both at once: the live one is found', async () => {
  const live = await mon({ name: 'live' });
  const dead = await freePort();
  const mons = [
    { name: 'dead', addrs: [makeAddr(AddrType.LEGACY, '127.0.0.1', dead, 0)] },
    { name: 'live', addrs: live.addrs },
  ];
  for (const huntParallel of [1, 1, 1, 2]) {
    const mc = client({ mons, huntParallel, huntInterval: 0.2 });
    const t0 = Date.now();
    await mc.connect({ timeoutMs: 5000 });
    assert.equal(mc.activeMon, 'live');
    assert.ok(Date.now() - t0 < 2000, `found in ${Date.now() - t0} ms`);
    await mc.close();
  }
  assert.deepEqual(live.early, []);
});

test('session lost: log in again asking for our global_id (cephx reclaim with the old ticket); the pending command completes', async () => {
  const cl = makeCluster('monc-v1-reclaim', {}, { allowInsecureGlobalIdReclaim: false }); // reclaim needs the old ticket
  const m = await mon({ cephx: cl.mon });
  const mc = client({ mons: [{ name: 'a', addrs: m.addrs }], authClient: cl.client(), huntInterval: 0.2 });
  await mc.connect({ timeoutMs: 5000 });
  const gid = mc.globalId;
  await m.down();
  await sleep(100);
  assert.equal(mc.isConnected, false);
  const p = mc.command({ prefix: 'status' }, undefined, { timeoutMs: 5000 });
  await m.up();
  assert.equal((await p).r, 0);
  assert.equal(mc.stats.sessions, 2);
  assert.equal(mc.globalId, gid, 'global_id reclaimed');
  const relogin = m.mauths.filter((x) => x.protocol === 0).at(-1)!;
  assert.equal(decodeMAuthInitial(relogin.authPayload).globalId, gid);
  assert.deepEqual(m.early, []);
});

test("mon_host 'IP:6789' is a v1 mon: the MonClient logs in over msgr1", async () => {
  const mons = parseMonHost('127.0.0.3:6789');
  assert.deepEqual(mons[0]!.addrs.map((a) => a.type), [AddrType.LEGACY]);
  const m = await mon({ ip: '127.0.0.3', port: 6789 });
  const mc = client({ mons });
  await mc.connect({ timeoutMs: 5000 });
  assert.equal(mc.fsid, FSID);
  assert.equal(m.mauths.length, 1);
});
