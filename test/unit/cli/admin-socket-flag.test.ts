/**
 * Every command that runs a messenger takes --admin-socket PATH (Ceph's admin_socket): while it
 * runs, the socket answers `perf dump` and `messenger status`; afterwards it is gone.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '../../../src/cli/commands/index.ts';
import type { CliIO } from '../../../src/cli/command.ts';

function ask(path: string, cmd: object): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => s.write(JSON.stringify(cmd) + '\0'));
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('error', reject);
    s.on('close', () => {
      const b = Buffer.concat(chunks);
      resolve(JSON.parse(b.subarray(4, 4 + b.readUInt32BE(0)).toString('utf8')));
    });
  });
}

function io(signal?: AbortSignal): CliIO & { stdout: string[] } {
  const stdout: string[] = [];
  return { out: (t) => void stdout.push(t), err: () => {}, env: {}, stdout, ...(signal ? { signal } : {}) };
}

const cmd = (name: string) => COMMANDS.find((c) => c.name === name)!;

test('serve, perf-server, perf-client and stress open --admin-socket while they run', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'asok-'));
  try {
    const ac = new AbortController();
    const pio = io(ac.signal);
    const psock = join(dir, 'perf-server.asok');
    const server = cmd('perf-server').run(['--bind', '127.0.0.1:0', '--admin-socket', psock], pio);
    while (!pio.stdout.length) await new Promise((r) => setTimeout(r, 10));
    const { addrs } = JSON.parse(pio.stdout[0]!) as { addrs: string };
    const dump = (await ask(psock, { prefix: 'perf dump' })) as Record<string, unknown>;
    assert.ok(Object.keys(dump).some((k) => k.startsWith('msgr-')), JSON.stringify(Object.keys(dump)));
    // perf-client: socket exists while it runs
    const csock = join(dir, 'perf-client.asok');
    let sawClient = false;
    const poll = setInterval(() => void (sawClient ||= existsSync(csock)), 5);
    const code = await cmd('perf-client').run(['--addr', addrs, '--size', '100', '--ops', '3000', '--depth', '4', '--admin-socket', csock, '--json'], io());
    clearInterval(poll);
    assert.equal(code, 0);
    assert.ok(sawClient, 'perf-client opened its admin socket');
    assert.ok(!existsSync(csock), 'and removed it');
    // serve
    const sac = new AbortController();
    const ssock = join(dir, 'serve.asok');
    const sv = cmd('serve').run(['-n', 'osd.5', '--bind', 'v2:127.0.0.1:0', '--admin-socket', ssock, '--json'], io(sac.signal));
    while (!existsSync(ssock)) await new Promise((r) => setTimeout(r, 10));
    const st = (await ask(ssock, { prefix: 'messenger status' })) as unknown;
    assert.ok(st && typeof st === 'object');
    sac.abort();
    assert.equal(await sv, 0);
    // stress (short, in the simulator-free TCP mode)
    const tsock = join(dir, 'stress.asok');
    let sawStress = false;
    const poll2 = setInterval(() => void (sawStress ||= existsSync(tsock)), 5);
    const sc = await cmd('stress').run(['--messengers', '1', '--connections', '1', '--messages', '200', '--policy', 'lossy_client', '--admin-socket', tsock, '--json'], io());
    clearInterval(poll2);
    assert.equal(sc, 0);
    assert.ok(sawStress, 'stress opened its admin socket');
    ac.abort();
    assert.equal(await server, 0);
    assert.ok(!existsSync(psock));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
