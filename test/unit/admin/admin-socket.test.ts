/**
 * The admin socket's wire protocol and commands, in-process over a real Unix socket:
 *  - JSON + NUL and JSON + newline requests; the old binary request (NUL + be32 version);
 *    plain-text commands; the be32 length prefix of every response;
 *  - errors in Ceph's "ERROR: (errno) text\nreason\n" form (unknown prefix, invalid json,
 *    missing argument, bad option value);
 *  - get_command_descriptions in Ceph's {cmdNNN: {sig, help}} form, parsed by Ceph's own
 *    python argument parser (ceph_argparse, when installed) into `config set debug_ms 10`;
 *  - config set on a running messenger: ms_connection_idle_timeout takes effect on an existing
 *    connection (it faults with ERR_IDLE_TIMEOUT and the counter moves);
 *  - a live socket file is not stolen; a stale one is replaced; close removes it.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CephConfig } from '../../../src/config/config.ts';
import { Message, Messenger, Policy } from '../../../src/index.ts';
import { openAdminSocket } from '../../../src/admin/open.ts';
import { parseCmdDesc, sigOf, validateCmd } from '../../../src/admin/commands.ts';
import { AdminSocket } from '../../../src/admin/server.ts';

const tmp = mkdtempSync(join(tmpdir(), 'asok-unit-'));
/** everything a test opened, closed even when an assertion fails midway */
const opened: { close(): Promise<void> }[] = [];
after(async () => {
  for (const o of opened) await o.close();
  rmSync(tmp, { recursive: true, force: true });
});
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One raw request; returns the length prefix and the body. */
function request(path: string, bytes: Buffer): Promise<{ len: number; body: string }> {
  return new Promise((resolve, reject) => {
    const s = connect(path);
    const parts: Buffer[] = [];
    s.on('connect', () => s.write(bytes));
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('error', reject);
    s.on('end', () => {
      const b = Buffer.concat(parts);
      resolve({ len: b.readUInt32BE(0), body: b.subarray(4).toString('utf8') });
    });
  });
}
const ask = async (path: string, cmd: unknown, term = '\0'): Promise<string> => {
  const r = await request(path, Buffer.from(JSON.stringify(cmd) + term));
  assert.equal(r.len, Buffer.byteLength(r.body), 'be32 length = body length');
  return r.body;
};

async function setup(name: string) {
  const server = Messenger.create({ name: 'osd.3', logicalName: 'cluster' });
  server.setDefaultPolicy(Policy.stateless_server());
  server.addDispatcher({ dispatch: (m, c) => void c.send(new Message({ type: 2 })) });
  const addrs = await server.bind('v2:127.0.0.1:0');
  await server.start();
  const cfg = new CephConfig({ name: 'osd.3' });
  cfg.set('run_dir', tmp);
  cfg.set('admin_socket', `$run_dir/${name}-$cluster-$name.asok`);
  const asok = (await openAdminSocket([server], cfg))!;
  opened.push(asok, { close: () => server.shutdown() });
  return { server, addrs, asok, path: asok.path!, cfg };
}

test('requests: JSON+NUL, JSON+newline, old binary version request, plain text; responses are be32-length prefixed', async () => {
  const { server, asok, path } = await setup('wire');
  assert.equal(path, join(tmp, 'wire-ceph-osd.3.asok'), '$run_dir, $cluster, $name expanded');
  const perf = JSON.parse(await ask(path, { prefix: 'perf dump' })) as Record<string, unknown>;
  assert.ok('msgr-cluster' in perf);
  const nl = await ask(path, { prefix: 'config get', var: 'debug_ms', format: 'json' }, '\n');
  assert.equal(nl, '{"debug_ms":"0/0"}', 'format json: compact');
  const pretty = await ask(path, { prefix: 'config get', var: 'debug_ms' });
  assert.equal(pretty, '{\n    "debug_ms": "0/0"\n}\n', 'default json-pretty');
  const v0 = await request(path, Buffer.from([0, 0, 0, 0]));
  assert.equal(v0.body, '2', 'CEPH_ADMIN_SOCK_VERSION');
  const v1 = await request(path, Buffer.from([0, 0, 0, 1]));
  assert.ok('msgr-cluster' in (JSON.parse(v1.body) as object), 'old protocol 1 = perf dump');
  const plain = await request(path, Buffer.from('config get ms_max_backoff\n'));
  assert.deepEqual(JSON.parse(plain.body), { ms_max_backoff: '15' });
  const set = await request(path, Buffer.from('config set ms_max_backoff 30\n'));
  assert.deepEqual(JSON.parse(set.body), { success: "ms_max_backoff = '30' " });
  assert.equal(server.config.ms_max_backoff, 30, 'applied to the messenger');
  await asok.close();
  assert.equal(existsSync(path), false, 'close removes the socket file');
  await server.shutdown();
});

test('errors come back as ERROR: (errno) text + reason', async () => {
  const { server, asok, path } = await setup('err');
  assert.equal(await ask(path, { prefix: 'no such thing' }), 'ERROR: (22) Invalid argument\nunknown command prefix no such thing\n');
  assert.match((await request(path, Buffer.from('{"prefix": \0'))).body, /^ERROR: \(22\) Invalid argument\ninvalid json\n$/);
  assert.match(await ask(path, { prefix: 'config get' }), /^ERROR: \(22\) Invalid argument\ninvalid command json: missing required argument var/);
  assert.match(await ask(path, { prefix: 'config set', var: 'ms_max_backoff', val: ['-1x'] }), /^ERROR: \(22\) Invalid argument\nerror setting 'ms_max_backoff' to '-1x': \(22\) Invalid argument: bad value for option ms_max_backoff/);
  assert.match(await ask(path, { prefix: 'config set', var: 'name', val: ['osd.9'] }), /cannot be changed after startup/);
  assert.match(await ask(path, { prefix: 'config get', var: 'nope' }), /^ERROR: \(2\) No such file or directory\nerror getting 'nope'/);
  await asok.close();
  await server.shutdown();
});

test("get_command_descriptions is Ceph's format, and Ceph's argparse validates `config set debug_ms 10` with it", async () => {
  const { server, asok, path } = await setup('desc');
  const d = JSON.parse(await ask(path, { prefix: 'get_command_descriptions' })) as Record<string, { sig: unknown[]; help: string }>;
  const set = Object.values(d).find((c) => c.sig[0] === 'config' && c.sig[1] === 'set')!;
  assert.deepEqual(set.sig, ['config', 'set', { name: 'var', type: 'CephString' }, { name: 'val', type: 'CephString', n: 'N' }]);
  assert.deepEqual(Object.keys(d).slice(0, 3), ['cmd000', 'cmd001', 'cmd002']);
  const py = spawnSync('python3', ['-c', 'import ceph_argparse'], { encoding: 'utf8' });
  if (py.status === 0) {
    const script = [
      'import json, sys',
      'from ceph_argparse import parse_json_funcsigs, validate_command',
      'sigs = parse_json_funcsigs(sys.stdin.read(), "cli")',
      'print(json.dumps([validate_command(sigs, a.split()) for a in ["config set debug_ms 10", "perf dump", "messenger status", "config get debug_ms"]]))',
    ].join('\n');
    const r = spawnSync('python3', ['-c', script], { input: JSON.stringify(d), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      { prefix: 'config set', var: 'debug_ms', val: ['10'] },
      { prefix: 'perf dump' },
      { prefix: 'messenger status' },
      { prefix: 'config get', var: 'debug_ms' },
    ]);
  }
  await asok.close();
  await server.shutdown();
});

test('cmddesc parsing and validation', () => {
  const c = parseCmdDesc('perf dump name=logger,type=CephString,req=false name=n,type=CephInt', 'h');
  assert.equal(c.prefix, 'perf dump');
  assert.deepEqual(sigOf(c), ['perf', 'dump', { name: 'logger', type: 'CephString', req: 'false' }, { name: 'n', type: 'CephInt' }]);
  assert.equal(validateCmd(c, { prefix: 'perf dump', n: 3 }), undefined);
  assert.match(validateCmd(c, { prefix: 'perf dump' }) ?? '', /missing required argument n/);
  assert.match(validateCmd(c, { prefix: 'perf dump', n: 'x' }) ?? '', /not an integer/);
});

test('config set ms_connection_idle_timeout on a running messenger: the existing idle connection faults', async () => {
  const { server, addrs, asok, path } = await setup('idle');
  const client = Messenger.create({ name: 'client.admin' });
  opened.push({ close: () => client.shutdown() });
  client.setDefaultPolicy(Policy.lossy_client());
  let replies = 0;
  client.addDispatcher({ dispatch: () => void replies++ });
  await client.start();
  const conn = client.connectTo(addrs, 'osd');
  conn.send(new Message({ type: 2 }));
  for (let i = 0; i < 100 && replies === 0; i++) await sleep(10);
  assert.equal(replies, 1);
  const before = (server.perfDump()['msgr-cluster'] as Record<string, number>).msgr_connection_idle_timeouts;
  assert.equal(before, 0);
  const r = JSON.parse(await ask(path, { prefix: 'config set', var: 'ms_connection_idle_timeout', val: ['1'] })) as { success: string };
  assert.equal(r.success, "ms_connection_idle_timeout = '1' ");
  for (let i = 0; i < 60 && (server.perfDump()['msgr-cluster'] as Record<string, number>).msgr_connection_idle_timeouts === 0; i++) await sleep(50);
  const d = server.perfDump();
  assert.equal((d['msgr-cluster'] as Record<string, number>).msgr_connection_idle_timeouts, 1);
  assert.equal((d['msgr-cluster-faults'] as Record<string, number>).ERR_IDLE_TIMEOUT, 1);
  const st = JSON.parse(await ask(path, { prefix: 'messenger status' })) as { messengers: { connections: unknown[] }[] };
  assert.ok(Array.isArray(st.messengers[0]!.connections));
  await client.shutdown();
  await asok.close();
  await server.shutdown();
});

test('a live socket is not stolen; a stale socket file is replaced', async () => {
  const a = new AdminSocket();
  opened.push(a);
  const p = join(tmp, 'busy.asok');
  await a.listen(p);
  await assert.rejects(new AdminSocket().listen(p), /in use by a running process/);
  await a.close();
  writeFileSync(p, ''); // a stale file nobody answers on
  const b = new AdminSocket();
  opened.push(b);
  await b.listen(p);
  assert.equal((await request(p, Buffer.from('{"prefix":"0"}\0'))).body, '2');
  await b.close();
  await assert.rejects(new AdminSocket().listen(join(tmp, 'x'.repeat(120))), /too long/);
});

test('a CLI command that runs a messenger opens --admin-socket (perf-server) and removes it when done', async () => {
  const { main } = await import('../../../src/cli/main.ts');
  const p = join(tmp, 'perf-server.asok');
  let out = '';
  const run = main(['perf-server', '--bind', 'v2:127.0.0.1:0', '--duration', '1.5', '--admin-socket', p], {
    out: (t) => void (out += t),
    err: () => undefined,
    env: { CEPH_CONF: '/dev/null' },
  });
  for (let i = 0; i < 100 && !existsSync(p); i++) await sleep(20);
  const perf = JSON.parse(await ask(p, { prefix: 'perf dump' })) as Record<string, unknown>;
  assert.ok(Object.keys(perf).some((k) => k.startsWith('msgr-')));
  assert.equal(await run, 0);
  assert.match(out, /"addrs"/);
  assert.equal(existsSync(p), false);
});
