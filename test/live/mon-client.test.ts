/**
 * MonClient (in-process) against a live cephx mon: the session survives the mon being stopped and
 * restarted (same data dir and ports) with no help from the caller; a dead mon in mon_host is
 * skipped; a mon that stops answering (SIGSTOP) is detected by the keepalive timeout and the
 * client comes back once it answers again; cephx tickets are renewed over MAuth; and the mon log
 * shows no decode/protocol error caused by us.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.ts';
import { monClientFromConfig } from '../../src/monc/from-config.ts';
import type { MonClient } from '../../src/monc/mon-client.ts';
import { freePort } from '../unit/monc/fake-mon.ts';
import { badLogLines, cli, cleanupDir, eventually, flushLog, monDown, monUp, readLog, requireCeph, tempDir, type Mon } from './helpers.ts';

requireCeph();
const base = tempDir('monc');
let mon: Mon;
const clients: MonClient[] = [];
let stopped = false;

before(async () => {
  mon = await monUp(join(base, 'm'), 'cephx');
});
after(async () => {
  if (stopped && mon) process.kill(mon.pid, 'SIGCONT');
  for (const c of clients) await c.close();
  if (mon) await monDown(mon.dir);
  cleanupDir(base);
});

async function client(...args: string[]): Promise<MonClient> {
  const { config } = loadConfig({ argv: ['-c', mon.conf, ...args], env: {} });
  const mc = await monClientFromConfig(config);
  clients.push(mc);
  return mc;
}

interface Dump {
  fsid: string;
}
const fsidOf = (r: { data: Buffer }): string => (JSON.parse(r.data.toString()) as Dump).fsid;

test('the session survives the mon being stopped and restarted; the next command just works', async () => {
  const mc = await client('--mon-client-hunt-interval', '0.5');
  const lost: string[] = [];
  mc.on('session-lost', (e: Error & { code: string }) => lost.push(e.code));
  await mc.connect({ timeoutMs: 10000 });
  const gid = mc.globalId;
  assert.equal(fsidOf(await mc.command({ prefix: 'mon dump', format: 'json' })), mon.fsid);

  await monDown(mon.dir);
  await eventually(() => lost.length > 0, 5000, 'the client notices the mon is gone');
  const restarted = await monUp(mon.dir, 'cephx');
  assert.equal(restarted.v2Addr, mon.v2Addr, 'same port after the restart');
  mon = restarted;

  const r = await mc.command({ prefix: 'mon dump', format: 'json' }, undefined, { timeoutMs: 20000 });
  assert.equal(r.r, 0, r.rs);
  assert.equal(fsidOf(r), mon.fsid);
  assert.equal(mc.stats.sessions, 2);
  assert.equal(mc.globalId, gid, 'global_id reclaimed with our cephx ticket');
  assert.equal((await mc.getVersion('osdmap')).version >= 1n, true);
});

test('two mons in mon_host, one of them not running: the client finds the live one', async () => {
  const dead = await freePort();
  for (let i = 0; i < 4; i++) {
    const mc = await client('--mon-host', `[v2:127.0.0.1:${dead}] ${mon.monHost}`, '--mon-client-hunt-parallel', '1', '--mon-client-hunt-interval', '0.3');
    const t0 = Date.now();
    await mc.connect({ timeoutMs: 10000 });
    assert.ok(Date.now() - t0 < 3000, `connected after ${Date.now() - t0} ms`);
    assert.equal(mc.activeMon, 'noname-b');
    assert.equal(fsidOf(await mc.command({ prefix: 'mon dump', format: 'json' })), mon.fsid);
    await mc.close();
  }
  // the CLI too
  const r = await cli(['status', '-c', mon.conf, '-f', 'json', '-m', `v2:127.0.0.1:${dead},${mon.v2Addr}`, '--mon-client-hunt-interval', '0.3']);
  assert.equal(r.code, 0, r.err);
  assert.equal((JSON.parse(r.out) as Dump).fsid, mon.fsid);
});

test('a mon that stops answering (SIGSTOP) is dropped after mon_client_ping_timeout; we return when it answers', async () => {
  const mc = await client('--mon-client-ping-interval', '0.3', '--mon-client-ping-timeout', '1.5', '--mon-client-hunt-interval', '0.5');
  const lost: string[] = [];
  mc.on('session-lost', (e: Error & { code: string }) => lost.push(e.code));
  await mc.connect({ timeoutMs: 10000 });
  await new Promise((r) => setTimeout(r, 900));
  assert.deepEqual(lost, [], 'keepalives are acked by a live mon');
  const kaBefore = mc.stats.keepalives;
  assert.ok(kaBefore >= 2);
  process.kill(mon.pid, 'SIGSTOP');
  stopped = true;
  const t0 = Date.now();
  try {
    await eventually(() => lost.length > 0, 5000, 'keepalive timeout');
  } finally {
    process.kill(mon.pid, 'SIGCONT');
    stopped = false;
  }
  assert.deepEqual(lost, ['ERR_KEEPALIVE_TIMEOUT']);
  assert.ok(Date.now() - t0 >= 1200, `detected after ${Date.now() - t0} ms`);
  const r = await mc.command({ prefix: 'mon dump', format: 'json' }, undefined, { timeoutMs: 15000 });
  assert.equal(fsidOf(r), mon.fsid);
  assert.ok(mc.stats.sessions >= 2);
});

test('cephx tickets are renewed over MAuth before they expire (ttl 6 s)', async () => {
  const admin = await client();
  await admin.connect({ timeoutMs: 10000 });
  const set = async (name: string, value?: string): Promise<void> => {
    const cmd = value === undefined ? { prefix: 'config rm', who: 'mon', name } : { prefix: 'config set', who: 'mon', name, value };
    const r = await admin.command(cmd);
    assert.equal(r.r, 0, r.rs);
  };
  await set('auth_mon_ticket_ttl', '6');
  await set('auth_service_ticket_ttl', '6');
  try {
    const mc = await client('--mon-client-ping-interval', '0.5');
    const renewed: number[][] = [];
    mc.on('tickets-renewed', (s: number[]) => renewed.push(s));
    await mc.connect({ timeoutMs: 10000 });
    const auth = mc.auth.cephx!.tickets.get(0x20)!;
    assert.equal(auth.validityMs, 6000, 'the mon issued 6 s tickets');
    await eventually(() => renewed.length > 0, 8000, 'a renewal');
    assert.ok(renewed[0]!.includes(0x20), 'the AUTH ticket was renewed');
    assert.ok(mc.auth.cephx!.tickets.get(0x20)!.obtainedAt > auth.obtainedAt);
    assert.equal(fsidOf(await mc.command({ prefix: 'mon dump', format: 'json' })), mon.fsid);
  } finally {
    await set('auth_mon_ticket_ttl');
    await set('auth_service_ticket_ttl');
  }
});

test('4 MB through the data segment, both ways, in all four modes (msgr2.0/2.1 × crc/secure)', async () => {
  const admin = await client();
  await admin.connect({ timeoutMs: 10000 });
  const set = await admin.command({ prefix: 'config set', who: 'mon', name: 'mon_config_key_max_entry_size', value: String(8 << 20) });
  assert.equal(set.r, 0, set.rs);
  const big = Buffer.from(randomBytes(3 << 20).toString('base64'));
  for (const mode of ['crc', 'secure']) {
    for (const rev1 of ['true', 'false']) {
      const mc = await client('--ms-mon-client-mode', mode, `--ms-msgr2-rev1=${rev1}`);
      await mc.connect({ timeoutMs: 10000 });
      const key = `big-${mode}-${rev1}`;
      const put = await mc.command({ prefix: 'config-key set', key }, big, { timeoutMs: 20000 });
      assert.equal(put.r, 0, put.rs);
      const got = await mc.command({ prefix: 'config-key get', key }, undefined, { timeoutMs: 20000 });
      assert.equal(got.r, 0, got.rs);
      assert.ok(got.data.equals(big), `${key}: ${got.data.length} bytes back`);
      await mc.close();
    }
  }
});

test('the mon logged no decode or protocol error caused by us', async () => {
  await flushLog(mon);
  const text = readLog(mon);
  assert.match(text, /mon_command/);
  assert.match(text, /auth\(proto 2/, 'the log shows our MAuth renewal');
  assert.deepEqual(badLogLines(text), []);
});
