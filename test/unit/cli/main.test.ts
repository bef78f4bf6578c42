import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/command.ts';
import { FSID, FakeMon, freePort } from '../monc/fake-mon.ts';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'ceph-msgr-cli-'));
const mons: FakeMon[] = [];
after(async () => {
  for (const m of mons) await m.down();
  rmSync(tmp, { recursive: true, force: true });
});

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(argv: string[], env: Record<string, string> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), env };
  const code = await main(argv, io);
  return { code, out, err };
}

/** Run a program without blocking our event loop (the fake mon lives in this process). */
function spawnAsync(exe: string, args: string[], cwd: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(exe, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const t = setTimeout(() => p.kill('SIGKILL'), 30000);
    p.on('error', reject);
    p.on('close', (code) => {
      clearTimeout(t);
      resolve({ code: code ?? -1, out, err });
    });
  });
}

async function confFor(extra = ''): Promise<{ conf: string; mon: FakeMon }> {
  const mon = await FakeMon.start();
  mons.push(mon);
  const conf = join(tmp, `ceph-${mon.port}.conf`);
  writeFileSync(conf, `[global]\nmon host = ${mon.monHost}\nauth client required = none\n${extra}`);
  return { conf, mon };
}

function oneLine(err: string): string {
  const lines = err.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, `exactly one stderr line, got: ${JSON.stringify(err)}`);
  return lines[0]!;
}

test('help and unknown commands', async () => {
  const h = await run(['--help']);
  assert.equal(h.code, 0);
  assert.match(h.out, /status {7}show the cluster status/);
  assert.match(h.out, /mon-command {2}send a JSON command/);
  const none = await run([]);
  assert.equal(none.code, 2);
  const st = await run(['status', '--help']);
  assert.equal(st.code, 0);
  assert.match(st.out, /usage: ceph-msgr status/);
  assert.match((await run(['help', 'mon-command'])).out, /usage: ceph-msgr mon-command/);
  const bad = await run(['frobnicate']);
  assert.equal(bad.code, 2);
  assert.match(oneLine(bad.err), /^ceph-msgr: unknown command 'frobnicate'/);
  const badOpt = await run(['status', '--frobnicate', '-c', '/nonexistent']);
  assert.equal(badOpt.code, 2);
  assert.match(oneLine(badOpt.err), /^ceph-msgr status: unknown option --frobnicate/);
});

test('status: plain and json against a (fake) mon; -f json prints the mon document as is', async () => {
  const { conf, mon } = await confFor();
  mon.onCommand = (c) => ({ r: 0, rs: '', data: Buffer.from(JSON.stringify({ fsid: FSID, health: { status: 'HEALTH_OK', checks: {} }, quorum_names: ['a'], monmap: { epoch: 1, num_mons: 1 }, echo: c.cmd })) });
  const plain = await run(['status', '-c', conf]);
  assert.equal(plain.code, 0, plain.err);
  assert.match(plain.out, new RegExp(`^  cluster:\\n    id:     ${FSID}\\n    health: HEALTH_OK\\n`));
  assert.match(plain.out, /mon: 1 daemons, quorum a \(age 0s\)/);
  const json = await run(['status', '-c', conf, '-f', 'json']);
  assert.equal(json.code, 0, json.err);
  const doc = JSON.parse(json.out) as { fsid: string; echo: string[] };
  assert.equal(doc.fsid, FSID);
  assert.deepEqual(doc.echo.map((c) => JSON.parse(c)), [{ prefix: 'status', format: 'json' }]);
  const pretty = await run(['status', '-c', conf, '--format=json-pretty']);
  assert.deepEqual(JSON.parse(JSON.parse(pretty.out).echo[0]), { prefix: 'status', format: 'json-pretty' });
});

test('mon-command: output on stdout, rs on stderr; r < 0 → Error EXXX line and exit -r', async () => {
  const { conf, mon } = await confFor();
  mon.onCommand = (c) => (c.cmd[0]!.includes('bogus') ? { r: -22, rs: 'command not known' } : { r: 0, rs: 'dumped', data: Buffer.from(`${c.cmd.join('|')}|${c.inbl?.toString() ?? ''}`) });
  const ok = await run(['mon-command', '-c', conf, '{"prefix":"mon dump"}', '-f', 'json']);
  assert.equal(ok.code, 0, ok.err);
  assert.equal(ok.out, '{"prefix":"mon dump","format":"json"}|\n');
  assert.equal(ok.err, 'dumped\n');
  const input = join(tmp, 'input.bin');
  writeFileSync(input, 'hello');
  const withIn = await run(['mon-command', '-c', conf, '--in-file', input, '{"prefix":"x"}', '{"prefix":"y"}']);
  assert.equal(withIn.out, '{"prefix":"x"}|{"prefix":"y"}|hello\n');
  const bad = await run(['mon-command', '-c', conf, '{"prefix":"bogus"}']);
  assert.equal(bad.code, 22);
  assert.equal(oneLine(bad.err), 'ceph-msgr mon-command: Error EINVAL: command not known');
  const notJson = await run(['mon-command', '-c', conf, 'mon dump']);
  assert.equal(notJson.code, 2);
  assert.match(oneLine(notJson.err), /not a JSON command/);
  assert.equal((await run(['mon-command', '-c', conf])).code, 2);
});

test('failures: bad config, missing file, no mon reachable, keyring, timeout — one line, errno-style codes', async () => {
  const badConf = join(tmp, 'bad.conf');
  writeFileSync(badConf, '[global]\nmon host = 127.0.0.1:1\nms bind port min = many\n');
  const r1 = await run(['status', '-c', badConf]);
  assert.equal(r1.code, 22);
  assert.match(oneLine(r1.err), /config: bad value for option ms_bind_port_min \(.*bad.conf:3 \[global\]\): 'many'.*\[ERR_CONFIG\]/);

  const r2 = await run(['status', '-c', join(tmp, 'missing.conf')]);
  assert.equal(r2.code, 22);
  assert.match(oneLine(r2.err), /cannot open config file/);

  const dead = await freePort();
  const t0 = Date.now();
  const r3 = await run(['status', '-m', `v2:127.0.0.1:${dead}`, '--auth-client-required', 'none', '--connect-timeout', '1', '--mon-client-hunt-interval', '0.2'], { CEPH_CONF: '/dev/null' });
  assert.equal(r3.code, 110);
  assert.ok(Date.now() - t0 < 3000);
  assert.match(oneLine(r3.err), /timed out after 1000 ms \[ERR_TIMEOUT\]/);

  const r4 = await run(['status', '-m', `v2:127.0.0.1:${dead}`, '--keyring', join(tmp, 'nokeyring'), '--auth-client-required', 'cephx'], { CEPH_CONF: '/dev/null' });
  assert.equal(r4.code, 13);
  assert.match(oneLine(r4.err), /keyring: no key for client.admin: no keyring found \(tried .*nokeyring\) \[ERR_KEYRING\]/);

  const r5 = await run(['status'], { CEPH_CONF: '/dev/null' });
  assert.equal(r5.code, 22);
  assert.match(oneLine(r5.err), /no monitors specified/);
});

test('a mon that never answers the command: the CLI gives up after rados_mon_op_timeout (else client_mount_timeout)', async () => {
  const { conf, mon } = await confFor();
  mon.onCommand = () => 'drop';
  const t0 = Date.now();
  const r = await run(['mon-command', '-c', conf, '--rados-mon-op-timeout', '0.5', '{"prefix":"x"}']);
  assert.equal(r.code, 110);
  assert.ok(Date.now() - t0 < 3000);
  assert.match(oneLine(r.err), /mon command .*no reply after 500 ms \[ERR_TIMEOUT\]/);
  const r2 = await run(['status', '-c', conf, '--connect-timeout', '0.4']);
  assert.equal(r2.code, 110);
  assert.match(oneLine(r2.err), /no reply after 400 ms/);
});

test('CEPH_ARGS and --ms-mode reach the config (a secure-only mon client cannot use auth none)', async () => {
  const { conf, mon } = await confFor();
  mon.onCommand = () => ({ r: 0, rs: '', data: Buffer.from('{}') });
  const r = await run(['status', '-c', conf, '--ms-mode', 'secure']);
  assert.equal(r.code, 22);
  assert.match(oneLine(r.err), /no usable auth method for mons/);
  const r2 = await run(['status', '-c', conf], { CEPH_ARGS: '--ms_mon_client_mode secure' });
  assert.equal(r2.code, 22);
  const r3 = await run(['status', '-c', conf, '--ms-mode', 'crc'], { CEPH_ARGS: '--ms_mon_client_mode secure' });
  assert.equal(r3.code, 0, r3.err);
});

test('bin/ceph-msgr runs from another directory and through a symlink', async () => {
  const { conf } = await confFor();
  const link = join(tmp, 'ceph-msgr-link');
  symlinkSync(join(ROOT, 'bin', 'ceph-msgr'), link);
  for (const exe of [join(ROOT, 'bin', 'ceph-msgr'), link]) {
    const r = await spawnAsync(exe, ['mon-command', '-c', conf, '{"prefix":"hi"}'], '/');
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, 'echo {"prefix":"hi"}\n');
  }
  const bad = await spawnAsync(link, ['nope'], '/');
  assert.equal(bad.code, 2);
  assert.equal(bad.err, "ceph-msgr: unknown command 'nope' (try 'ceph-msgr --help')\n");
});
