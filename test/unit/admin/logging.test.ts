/**
 * Logging and tracing of a running messenger pair (real TCP):
 *  - Ceph-like lines: timestamp with UTC offset, process/thread id, level, subsystem `ms`, the
 *    connection prefix (addresses, mode, :port, state, pgs, cs, l, rev1);
 *  - debug_ms levels with Ceph's meaning, changed live with setConfig: 1 connection events,
 *    5 frames, 10 state transitions, 20 bytes (hexdump of what is read/written);
 *  - diagnostics_channel: conn:state, frame:tx/rx, fault and log payloads when subscribed;
 *  - cheap when off: a hot send/receive loop with a sink at debug_ms 0 is not measurably slower
 *    than with no sink at all.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import diagnostics_channel from 'node:diagnostics_channel';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Message, Messenger, Policy } from '../../../src/index.ts';
import { MemoryLog } from '../../../src/core/log.ts';
import { CHANNELS, NodeLogSink, cephStamp, formatLogLine, hexdumpLines } from '../../../src/node/log-sink.ts';

async function pair(clientLog?: NodeLogSink | MemoryLog) {
  const server = Messenger.create({ name: 'osd.0', logicalName: 'cluster' });
  server.setDefaultPolicy(Policy.stateless_server());
  server.addDispatcher({ dispatch: (m, c) => void c.send(new Message({ type: 2, data: m.data })) });
  const addrs = await server.bind('v2:127.0.0.1:0');
  await server.start();
  const client = Messenger.create({ name: 'client.admin', logicalName: 'client', ...(clientLog ? { log: clientLog } : {}) });
  client.setDefaultPolicy(Policy.lossy_client());
  let got = 0;
  let wake: (() => void) | undefined;
  let want = 0;
  client.addDispatcher({
    dispatch: () => {
      if (++got >= want && wake) wake();
    },
  });
  await client.start();
  const conn = client.connectTo(addrs, 'osd');
  const exchange = (n: number, size = 16, on = conn): Promise<void> => {
    want = got + n;
    const p = new Promise<void>((r) => (wake = r));
    for (let i = 0; i < n; i++) on.send(new Message({ type: 2, data: Buffer.alloc(size) }));
    return p;
  };
  return { server, client, conn, exchange, stop: async () => (await client.shutdown(), await server.shutdown()) };
}

test('line format: Ceph timestamp with offset, thread id, level, subsystem ms', () => {
  assert.match(cephStamp(new Date(2024, 4, 1, 12, 3, 4, 56)), /^2024-05-01T12:03:04\.056[+-]\d{4}$/);
  assert.match(formatLogLine(5, 'hello'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d{4} [0-9a-f]{8}-[0-9a-f]{4}  5 ms hello$/);
  assert.match(formatLogLine(20, 'x'), / 20 ms x$/);
  assert.deepEqual(hexdumpLines(Buffer.from('ceph v2\n\x10\x00\x01\x00\x00\x00\x00\x00AB')), [
    '00000000  63 65 70 68 20 76 32 0a  10 00 01 00 00 00 00 00  |ceph v2.........|',
    '00000010  41 42                                             |AB|',
  ]);
});

test('debug_ms levels, changed live: 1 events, 5 frames, 10 states, 20 hexdump; to a log file', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'log-'));
  const file = join(dir, 'client.log');
  try {
    const sink = new NodeLogSink({ level: 1, file });
    const p = await pair(sink);
    try {
      await p.exchange(3);
      const lines = (): string[] => readFileSync(file, 'utf8').split('\n').filter(Boolean);
      const at = (lvl: number, from = 0): string[] => lines().slice(from).filter((l) => l.includes(` ${String(lvl).padStart(2)} ms `));
      assert.ok(at(1).some((l) => /--2- \[any:127\.0\.0\.1:0\/\d+\] >> \[v2:127\.0\.0\.1:\d+\/\d+\] conn\(1 crc :-1 s=READY pgs=\d+ cs=0 l=1 rev1=1 .*\)\. ready entity=osd\.0/.test(l)));
      assert.equal(at(5).length + at(10).length + at(20).length, 0, 'nothing above debug_ms 1');
      let mark = lines().length;
      assert.equal(p.client.setConfig('debug_ms', '5/5').observed, 'live');
      await p.exchange(2);
      assert.ok(at(5, mark).some((l) => / >> MESSAGE seq=\d+ type=2 16 bytes$/.test(l)), 'sent messages at 5');
      assert.ok(at(5, mark).some((l) => / << MESSAGE len=41$/.test(l)), 'received frames at 5');
      assert.equal(at(10, mark).length, 0);
      mark = lines().length;
      p.client.setConfig('debug_ms', 20);
      p.conn.markDown();
      const c2 = p.client.connectTo([...p.server.myAddrs], 'osd');
      c2.send(new Message({ type: 2 }));
      for (let i = 0; i < 100 && !at(1, mark).some((l) => l.includes('ready entity')); i++) await new Promise((r) => setTimeout(r, 10));
      assert.ok(at(10, mark).some((l) => / state START_CONNECT -> BANNER_CONNECTING$/.test(l)), 'state transitions at 10');
      assert.ok(at(20, mark).some((l) => / write \d+ bytes$/.test(l)));
      assert.ok(at(20, mark).some((l) => / ms 00000000  63 65 70 68 20 76 32 0a  10 00 01 00 00 00 00 00  \|ceph v2\.\.\.\.\.\.\.\.\.\|$/.test(l)), 'the banner hexdumped');
      p.client.setConfig('debug_ms', 0);
      mark = lines().length;
      await p.exchange(2, 16, c2);
      assert.equal(lines().length, mark, 'silent at 0');
      p.client.setConfig('log_file', join(dir, 'other.log'));
      p.client.setConfig('debug_ms', 1);
      c2.markDown();
      p.client.connectTo([...p.server.myAddrs], 'osd').send(new Message({ type: 2 }));
      for (let i = 0; i < 100 && !readFileSync(join(dir, 'other.log'), 'utf8').includes('ready entity'); i++) await new Promise((r) => setTimeout(r, 10));
      assert.match(readFileSync(join(dir, 'other.log'), 'utf8'), / 1 ms .*ready entity=osd\.0/);
      assert.throws(() => p.client.setConfig('debug_ms', '99'), { code: 'ERR_CONFIG', message: /debug_ms/ });
    } finally {
      await p.stop();
      sink.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('diagnostics_channel: conn:state, frame:tx/rx, fault and log, when subscribed', async () => {
  const seen: Record<string, Record<string, unknown>[]> = { state: [], tx: [], rx: [], fault: [], log: [] };
  const subs = (Object.keys(seen) as (keyof typeof CHANNELS)[]).map((k) => {
    const f = (m: unknown): void => void seen[k]!.push(m as Record<string, unknown>);
    diagnostics_channel.subscribe(CHANNELS[k], f);
    return () => diagnostics_channel.unsubscribe(CHANNELS[k], f);
  });
  try {
    const p = await pair(new NodeLogSink({ level: 1, stderr: () => undefined }));
    try {
      await p.exchange(2);
      p.conn.markDown();
      await new Promise((r) => setTimeout(r, 100));
      const mine = (x: Record<string, unknown>): boolean => x.messenger === 'client';
      assert.ok(seen.state!.some((s) => mine(s) && s.from === 'SESSION_CONNECTING' && s.to === 'READY' && s.entity === 'client.admin'));
      assert.ok(seen.tx!.some((s) => mine(s) && s.tag === 'MESSAGE' && s.bytes === 16));
      assert.ok(seen.tx!.some((s) => mine(s) && s.tag === 'HELLO'));
      assert.ok(seen.rx!.some((s) => s.messenger === 'cluster' && s.tag === 'MESSAGE'));
      assert.ok(seen.fault!.some((s) => s.messenger === 'cluster' && typeof s.code === 'string' && String(s.peer).startsWith('[')), 'the server saw the socket close');
      assert.ok(seen.log!.some((s) => s.level === 1 && /ready entity=osd\.0/.test(String(s.line))));
    } finally {
      await p.stop();
    }
  } finally {
    for (const u of subs) u();
  }
  assert.equal(diagnostics_channel.channel(CHANNELS.tx).hasSubscribers, false);
});

test('cheap when off: a hot loop at debug_ms 0 is not measurably slower than without a sink', async (t) => {
  const N = 20000;
  const run = async (withSink: boolean): Promise<number> => {
    const p = await pair(withSink ? new NodeLogSink({ level: 0, stderr: () => undefined }) : undefined);
    await p.exchange(200); // warm up
    const t0 = performance.now();
    for (let i = 0; i < N; i += 500) await p.exchange(500);
    const ms = performance.now() - t0;
    await p.stop();
    return ms;
  };
  const a: number[] = [];
  const b: number[] = [];
  for (let i = 0; i < 3; i++) {
    a.push(await run(false));
    b.push(await run(true));
  }
  const best = (x: number[]): number => Math.min(...x);
  t.diagnostic(`no sink: ${a.map((x) => x.toFixed(0)).join('/')} ms; sink at debug_ms 0: ${b.map((x) => x.toFixed(0)).join('/')} ms (${N} round trips)`);
  // the same code path (one level compare per would-be line); allow for noise on a shared machine
  assert.ok(best(b) < best(a) * 1.3 + 20, `sink at 0: ${best(b).toFixed(0)} ms vs none: ${best(a).toFixed(0)} ms`);
  // with MemoryLog at level 0, nothing above level 0 is ever built
  const mem = new MemoryLog(0);
  const p = await pair(mem);
  await p.exchange(50);
  await p.stop();
  assert.deepEqual(mem.lines, []);
});
