import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { AuthNoneClient } from '../../../src/core/auth/none.ts';
import { AuthNoneServer } from '../../../src/core/auth/none.ts';
import { AuthMethod, ConMode, type AuthServer } from '../../../src/core/auth/types.ts';
import { AddrType, makeAddr } from '../../../src/encoding/types/entity-addr.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { isMsgrError, type ErrorCode } from '../../../src/errors.ts';
import { MsgType } from '../../../src/messages/msg-types.ts';
import { MonClient, type MonClientOptions } from '../../../src/monc/mon-client.ts';
import { FSID, FakeMon, freePort } from './fake-mon.ts';

const ADMIN = { type: EntityType.CLIENT, id: 'admin' };
const cleanup: (() => Promise<void>)[] = [];
after(async () => {
  for (const f of cleanup.reverse()) await f();
});

async function mon(o: Parameters<typeof FakeMon.start>[0] = {}): Promise<FakeMon> {
  const m = await FakeMon.start(o);
  cleanup.push(() => m.down());
  return m;
}

function client(o: Partial<MonClientOptions> & Pick<MonClientOptions, 'mons'>): MonClient {
  const mc = new MonClient({ name: ADMIN, authClient: new AuthNoneClient({ name: ADMIN }), huntInterval: 0.3, ...o });
  cleanup.push(() => mc.close());
  return mc;
}

const v2 = (port: number) => [makeAddr(AddrType.MSGR2, '127.0.0.1', port, 0)];

async function rejectsWith(p: Promise<unknown>, code: ErrorCode, re?: RegExp): Promise<void> {
  await assert.rejects(p, (e: unknown) => {
    assert.ok(isMsgrError(e), `expected MsgrError ${code}, got ${String(e)}`);
    assert.equal(e.code, code, e.message);
    if (re) assert.match(e.message, re);
    return true;
  });
}

test('connect: session named client.<global_id>, monmap first, subscriptions, then commands with the fsid', async () => {
  const m = await mon();
  const mc = client({ mons: [{ name: 'noname-a', addrs: m.addrs }] });
  const seen: string[] = [];
  mc.on('session', (n: string) => seen.push(`session ${n}`));
  mc.on('config', (c: Map<string, string>) => seen.push(`config ${[...c.keys()]}`));
  await mc.connect({ timeoutMs: 5000 });
  assert.equal(mc.fsid, FSID);
  assert.ok(mc.globalId > 0n);
  assert.deepEqual(mc.messenger.myName, { type: EntityType.CLIENT, num: mc.globalId });
  assert.equal(m.received[0], MsgType.MON_GET_MAP, 'MMonGetMap is the first message');
  assert.deepEqual([...m.subscribes[0]!.what.keys()].sort(), ['config', 'monmap', 'osdmap']);
  assert.equal(m.subscribes[0]!.what.get('osdmap')!.flags, 1, 'osdmap is onetime');

  const r = await mc.command({ prefix: 'mon dump', format: 'json' });
  assert.deepEqual({ r: r.r, rs: r.rs, data: r.data.toString() }, { r: 0, rs: 'ok', data: 'echo {"prefix":"mon dump","format":"json"}' });
  assert.equal(m.commands[0]!.fsid, FSID);
  // text, vectors and input data
  m.onCommand = (c) => ({ r: -22, rs: `bad ${c.cmd.length}`, data: c.inbl ?? Buffer.alloc(0) });
  const r2 = await mc.command(['{"prefix":"a"}', '{"prefix":"b"}'], Buffer.from('input!'));
  assert.deepEqual({ r: r2.r, rs: r2.rs, data: r2.data.toString() }, { r: -22, rs: 'bad 2', data: 'input!' });
  assert.deepEqual(await mc.getVersion('osdmap'), { version: 42n, oldestVersion: 7n });
  assert.ok(seen.includes('session noname-a') && seen.includes('config debug_ms'), seen.join(', '));
  assert.equal(mc.activeMon, 'noname-a');
  assert.deepEqual(mc.knownMons.map((x) => x.name), ['a'], 'the mon list comes from the monmap once known');
  await mc.close();
  assert.deepEqual(mc.messenger.resources().sockets, 0);
});

test('hunting: two mons in mon_host, one not running: the live one is found', async () => {
  const m = await mon();
  const dead = await freePort();
  for (let i = 0; i < 3; i++) {
    const mc = client({ mons: [{ name: 'dead', addrs: v2(dead) }, { name: 'live', addrs: m.addrs }], huntParallel: 1, huntInterval: 0.2 });
    const t0 = Date.now();
    await mc.connect({ timeoutMs: 5000 });
    assert.equal(mc.activeMon, 'live');
    assert.ok(Date.now() - t0 < 2000, `found in ${Date.now() - t0} ms`);
    await mc.close();
  }
});

test('the session survives the mon restarting: a command sent meanwhile completes, nothing for the caller to do', async () => {
  const m = await mon();
  const mc = client({ mons: [{ name: 'a', addrs: m.addrs }], huntInterval: 0.2 });
  const lost: string[] = [];
  mc.on('session-lost', (e: Error & { code: string }) => lost.push(e.code));
  await mc.connect({ timeoutMs: 5000 });
  const gid = mc.globalId;
  await m.down();
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(lost.length, 1);
  assert.equal(mc.isConnected, false);
  const p = mc.command({ prefix: 'status' }, undefined, { timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 300));
  await m.up();
  const r = await p;
  assert.equal(r.r, 0);
  assert.equal(mc.stats.sessions, 2);
  assert.equal(mc.messenger.myName.num, mc.globalId);
  assert.notEqual(gid, 0n);
});

test('a command in flight when the session drops is resent on the next session', async () => {
  const m = await mon();
  const mc = client({ mons: [{ name: 'a', addrs: m.addrs }], huntInterval: 0.2 });
  await mc.connect({ timeoutMs: 5000 });
  let n = 0;
  m.onCommand = () => (++n === 1 ? 'drop' : { r: 0, rs: 'second time', data: Buffer.alloc(0) });
  const p = mc.command({ prefix: 'x' }, undefined, { timeoutMs: 5000 });
  while (m.commands.length === 0) await new Promise((r) => setTimeout(r, 10));
  await m.down();
  await m.up();
  assert.equal((await p).rs, 'second time');
  assert.equal(mc.stats.resent, 1);
  assert.equal(m.commands.length, 2);
});

test('no keepalive ack for mon_client_ping_timeout: drop the session and hunt again', async () => {
  // the fake mon holds a command in its dispatcher and its 100-byte dispatch throttle is then
  // exhausted by a second one: it stops reading the socket, so our KEEPALIVE2s go unanswered
  const m = await mon({ config: { ms_dispatch_throttle_bytes: 100 } });
  const mc = client({ mons: [{ name: 'a', addrs: m.addrs }], pingInterval: 0.1, pingTimeout: 0.5, huntInterval: 0.3 });
  const lost: string[] = [];
  mc.on('session-lost', (e: Error & { code: string }) => lost.push(e.code));
  await mc.connect({ timeoutMs: 5000 });
  await new Promise((r) => setTimeout(r, 400));
  assert.deepEqual(lost, [], 'keepalives are acked while the mon reads');
  assert.ok(mc.stats.keepalives >= 2);
  m.onCommand = (c) => (c.cmd[0] === '{"prefix":"hold"}' ? 'hold' : { r: 0, rs: 'ok' });
  const p1 = mc.command({ prefix: 'hold' }, undefined, { timeoutMs: 5000 });
  const p2 = mc.command({ prefix: 'stuck behind it' }, undefined, { timeoutMs: 5000 });
  const t0 = Date.now();
  while (lost.length === 0 && Date.now() - t0 < 3000) await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(lost, ['ERR_KEEPALIVE_TIMEOUT']);
  assert.ok(Date.now() - t0 >= 400, `dropped after ${Date.now() - t0} ms`);
  m.onCommand = () => ({ r: 0, rs: 'ok' });
  m.release();
  assert.equal((await p1).r, 0);
  assert.equal((await p2).r, 0);
  assert.equal(mc.stats.sessions, 2);
});

test('refused at the first connect: the auth error comes back at once, no retry storm', async () => {
  // a mon that only allows cephx, while we only offer none
  const cephxOnly: AuthServer = {
    allowedMethods: () => [AuthMethod.CEPHX],
    allowedModes: () => [ConMode.SECURE, ConMode.CRC],
    start: () => new AuthNoneServer().start(AuthMethod.NONE, EntityType.CLIENT),
  };
  const m = await mon({ authServer: cephxOnly });
  const mc = client({ mons: [{ name: 'a', addrs: m.addrs }] });
  const t0 = Date.now();
  await rejectsWith(mc.connect({ timeoutMs: 5000 }), 'ERR_AUTH_BAD_METHOD', /mon a .*refused client.admin/);
  assert.ok(Date.now() - t0 < 1000);
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(m.accepted, 0, 'never got a session');
  assert.equal(mc.stats.hunts, 1, 'no further hunting');
});

test('timeouts and aborts on every wait; bounded pending requests; close rejects what is left', async () => {
  const dead = await freePort();
  const mc0 = client({ mons: [{ name: 'dead', addrs: v2(dead) }], huntInterval: 0.1 });
  await rejectsWith(mc0.command({ prefix: 'too early' }), 'ERR_NOT_STARTED', /connect\(\) first/);
  const t0 = Date.now();
  await rejectsWith(mc0.connect({ timeoutMs: 400 }), 'ERR_TIMEOUT', /connecting to mons/);
  assert.ok(Date.now() - t0 < 1000);
  const ac = new AbortController();
  setTimeout(() => ac.abort(), 100);
  await rejectsWith(mc0.connect({ signal: ac.signal, timeoutMs: 5000 }), 'ERR_ABORTED');
  await rejectsWith(mc0.getVersion('osdmap'), 'ERR_NOT_STARTED', /connect\(\) first/);

  const m = await mon();
  m.onCommand = () => 'drop';
  const mc = client({ mons: [{ name: 'a', addrs: m.addrs }], maxPending: 3, opTimeout: 0.3 });
  await mc.connect({ timeoutMs: 5000 });
  await rejectsWith(mc.command({ prefix: 'never' }), 'ERR_TIMEOUT', /mon command/);
  assert.equal(mc.pendingCount, 0);
  const ac2 = new AbortController();
  const pa = mc.command({ prefix: 'a' }, undefined, { signal: ac2.signal, timeoutMs: 60000 });
  const pb = mc.command({ prefix: 'b' }, undefined, { timeoutMs: 60000 });
  const pc = mc.getVersion('osdmap', { timeoutMs: 60000 });
  m.onCommand = () => 'drop';
  await rejectsWith(mc.command({ prefix: 'd' }), 'ERR_QUEUE_FULL', /max 3/);
  ac2.abort();
  await rejectsWith(pa, 'ERR_ABORTED');
  assert.deepEqual(await pc, { version: 42n, oldestVersion: 7n });
  await mc.close();
  await rejectsWith(pb, 'ERR_ABORTED', /closed/);
  await rejectsWith(mc.command({ prefix: 'late' }), 'ERR_STOPPED');
});

test('mons without a v2 or v1 address are not dialled; none at all is ERR_NO_MON', async () => {
  const mc = client({ mons: [{ name: 'cidr', addrs: [makeAddr(AddrType.CIDR, '127.0.0.1', 6789, 0)] }] });
  await rejectsWith(mc.connect({ timeoutMs: 2000 }), 'ERR_NO_MON', /no mon has a v2 or v1 address/);
  assert.throws(() => client({ mons: [] }), (e: unknown) => isMsgrError(e) && e.code === 'ERR_CONFIG');
});
