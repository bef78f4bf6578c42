/**
 * perf-server / perf-client (Ceph's perf_msgr pair): a short run in every mode, with --verify,
 * through the real commands in-process: every reply in order and intact, JSON line as documented.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { perfClientCommand } from '../../../src/cli/commands/perf-client.ts';
import { perfServerCommand } from '../../../src/cli/commands/perf-server.ts';
import type { CliIO } from '../../../src/cli/command.ts';

function io(signal?: AbortSignal): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = [];
  const stderr: string[] = [];
  return { out: (t) => void stdout.push(t), err: (t) => void stderr.push(t), env: {}, stdout, stderr, ...(signal ? { signal } : {}) };
}

for (const [proto, mode, policy] of [
  ['2', 'crc', 'lossless'],
  ['2', 'secure', 'lossless'],
  ['2', 'crc', 'lossy'],
  ['1', 'crc', 'lossless'],
] as const) {
  test(`perf pair: msgr${proto} ${mode} ${policy}, depth 8, 2 jobs, --verify`, async () => {
    const ac = new AbortController();
    const sio = io(ac.signal);
    const server = perfServerCommand.run(['--bind', '127.0.0.1:0', '--protocol', proto, '--ms-mode', mode], sio);
    while (!sio.stdout.length) await new Promise((r) => setTimeout(r, 10));
    const { addrs } = JSON.parse(sio.stdout[0]!) as { addrs: string };
    const cio = io();
    const code = await perfClientCommand.run(
      ['--addr', addrs, '--size', '1000', '--ops', '2000', '--depth', '8', '--jobs', '2', '--policy', policy, '--protocol', proto, '--ms-mode', mode, '--verify', '--json'],
      cio,
    );
    ac.abort();
    assert.equal(await server, 0);
    assert.equal(code, 0, cio.stderr.join(''));
    const r = JSON.parse(cio.stdout.join('')) as Record<string, number>;
    assert.deepEqual(Object.keys(r), ['ops', 'elapsed_s', 'iops', 'mbps', 'p50_us', 'p99_us', 'lost', 'duplicated', 'reordered']);
    assert.deepEqual([r.ops, r.lost, r.duplicated, r.reordered], [2000, 0, 0, 0]);
    assert.ok(r.iops! > 0 && r.p50_us! > 0);
  });
}

test('perf-client refuses secure over msgr1 with a clear error', async () => {
  await assert.rejects(
    perfClientCommand.run(['--addr', '127.0.0.1:1', '--size', '10', '--ops', '1', '--protocol', '1', '--ms-mode', 'secure'], io()),
    (e: Error & { code?: string }) => e.code === 'ERR_INVALID_ARG' && /msgr1 has no secure mode/.test(e.message),
  );
});
