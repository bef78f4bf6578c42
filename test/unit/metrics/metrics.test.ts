/**
 * Perf counters and the Prometheus endpoint, over real TCP messengers:
 *  - perfDump() has Ceph's shape and its counters equal what was exchanged (messages both ways,
 *    bytes equal to the peer's opposite counter), and they survive the reaper;
 *  - faults are counted by code (ms_inject_socket_failures switched on at runtime);
 *  - a scrape of startMetricsServer() is valid for Prometheus' own parser (`promtool check
 *    metrics`, from Debian's prometheus package: the reference implementation of the text format
 *    and its lint rules) and its counters move as messages flow.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { Message, Messenger, Policy } from '../../../src/index.ts';
import { metricsText, startMetricsServer } from '../../../src/metrics/http.ts';
import { prometheusText, promName, type PerfSection } from '../../../src/metrics/perf-counters.ts';

const promtool = spawnSync('promtool', ['--version'], { encoding: 'utf8' }).status === 0;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Short reconnect backoffs: injected faults must not make a test wait out Ceph's 15 s maximum. */
const FAST_BACKOFF = { ms_initial_backoff: 0.01, ms_max_backoff: 0.05 };

async function pair(serverPolicy = Policy.stateless_server(), clientPolicy = Policy.lossy_client()) {
  const server = Messenger.create({ name: 'osd.0', logicalName: 'cluster' });
  server.setDefaultPolicy(serverPolicy);
  server.addDispatcher({ dispatch: (m, c) => void c.send(new Message({ type: 2, data: m.data })) });
  const addrs = await server.bind('v2:127.0.0.1:0');
  await server.start();
  const client = Messenger.create({ name: 'client.admin', logicalName: 'client', config: FAST_BACKOFF });
  client.setDefaultPolicy(clientPolicy);
  let got = 0;
  const waiters: Array<[number, () => void]> = [];
  client.addDispatcher({
    dispatch: () => {
      got++;
      for (const w of waiters.splice(0)) if (got >= w[0]) w[1]();
      else waiters.push(w);
    },
  });
  await client.start();
  const conn = client.connectTo(addrs, 'osd');
  const exchange = async (n: number, size = 100): Promise<void> => {
    const want = got + n;
    const p = new Promise<void>((r) => (got >= want ? r() : waiters.push([want, r])));
    for (let i = 0; i < n; i++) conn.send(new Message({ type: 2, data: Buffer.alloc(size, i) }));
    await p;
  };
  return { server, client, conn, exchange, stop: async () => (await client.shutdown(), await server.shutdown()) };
}

/** Values of a scrape: `name{labels} value` lines (the grammar is promtool's job). */
function values(text: string): Map<string, number> {
  const m = new Map<string, number>();
  for (const l of text.split('\n')) if (l && !l.startsWith('#')) m.set(l.slice(0, l.lastIndexOf(' ')), Number(l.slice(l.lastIndexOf(' ') + 1)));
  return m;
}

function promtoolCheck(text: string): { status: number | null; out: string } {
  const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  return { status: r.status, out: r.stdout + r.stderr };
}

test('perfDump: Ceph sections and counters equal to the traffic, both sides; totals survive the reaper', async () => {
  const p = await pair();
  try {
    await p.exchange(25, 1000);
    const c = p.client.perfDump();
    const s = p.server.perfDump();
    const cm = c['msgr-client'] as Record<string, number>;
    const sm = s['msgr-cluster'] as Record<string, number>;
    assert.equal(cm.msgr_send_messages, 25);
    assert.equal(cm.msgr_recv_messages, 25);
    assert.equal(sm.msgr_recv_messages, 25);
    assert.equal(sm.msgr_send_messages, 25);
    assert.equal(cm.msgr_send_bytes, sm.msgr_recv_bytes);
    assert.equal(cm.msgr_recv_bytes, sm.msgr_send_bytes);
    assert.ok(cm.msgr_send_bytes! > 25 * 1000);
    assert.equal(cm.msgr_created_connections, 1);
    assert.equal(cm.msgr_active_connections, 1);
    assert.equal(typeof cm.msgr_running_total_time, 'number');
    const lat = c['msgr-client']!.msgr_dispatch_latency as { avgcount: number; sum: number; avgtime: number };
    assert.equal(lat.avgcount, 25);
    assert.ok(lat.avgtime >= 0 && lat.sum >= 0);
    assert.deepEqual(Object.keys(c['throttle-msgr_dispatch_throttler-client']!), ['val', 'max', 'get_or_fail_fail']);
    const schema = p.client.perfSchema()['msgr-client']!.msgr_send_messages as Record<string, unknown>;
    assert.deepEqual(schema, { type: 10, metric_type: 'counter', value_type: 'integer', description: 'Network sent messages', nick: '', priority: 5, units: 'none' });
    // the connection goes away; its counts stay
    p.conn.markDown();
    for (let i = 0; i < 50 && p.client.resources().all > 0; i++) await sleep(20);
    assert.equal(p.client.resources().all, 0, 'reaped');
    const after = p.client.perfDump()['msgr-client'] as Record<string, number>;
    assert.equal(after.msgr_send_messages, 25);
    assert.equal(after.msgr_recv_bytes, cm.msgr_recv_bytes);
    assert.equal(after.msgr_active_connections, 0);
  } finally {
    await p.stop();
  }
});

test('faults are counted by code; ms_inject_socket_failures switched on at runtime takes effect', async () => {
  const p = await pair(Policy.stateful_server(), Policy.lossless_client());
  try {
    await p.exchange(5);
    assert.equal((p.client.perfDump()['msgr-client'] as Record<string, number>).msgr_faults, 0);
    const ch = p.client.setConfig('ms-inject-socket-failures', 10);
    assert.equal(ch.observed, 'live');
    assert.ok(p.client.core.injector, 'the injector was built on the change');
    const now = (): Record<string, number> => p.client.perfDump()['msgr-client'] as Record<string, number>;
    // small rounds until a fault hit a READY session (lossless: every message arrives anyway)
    for (let i = 0; i < 300 && !(now().msgr_faults! > 0 && now().msgr_reconnects! > 0); i++) await p.exchange(4);
    p.client.setConfig('ms_inject_socket_failures', 0);
    const d = p.client.perfDump();
    const m = d['msgr-client'] as Record<string, number>;
    assert.ok(m.msgr_faults! > 0, 'faults counted');
    assert.ok((d['msgr-client-faults'] as Record<string, number>).ERR_INJECTED! > 0, 'by code');
    assert.ok(m.msgr_reconnects! > 0, 'lossless sessions resumed');
  } finally {
    await p.stop();
  }
});

test('Prometheus text: names, types, labels and escaping', () => {
  const sec: PerfSection = {
    name: 'msgr-x',
    promPrefix: 'ceph_',
    labels: { messenger: 'a"b\\c\nd', entity: 'osd.1' },
    samples: [
      { def: { name: 'msgr_send_messages', kind: 'u64_counter', desc: 'sent' }, value: 3 },
      { def: { name: 'msgr_active_connections', kind: 'u64', desc: 'active' }, value: 1 },
      { def: { name: 'msgr_running_total_time', kind: 'time', desc: 'time' }, value: 0.5 },
      { def: { name: 'msgr_dispatch_latency', kind: 'time_avg', desc: 'lat\nency' }, value: { avgcount: 2, sum: 0.25 } },
      { def: { name: 'msgr_recv_bytes', kind: 'u64_counter', desc: 'bytes', unit: 'bytes' }, value: 10 },
    ],
  };
  const t = prometheusText([sec]);
  const l = '{messenger="a\\"b\\\\c\\nd",entity="osd.1"}';
  assert.equal(
    t,
    [
      '# HELP ceph_msgr_send_messages_total sent',
      '# TYPE ceph_msgr_send_messages_total counter',
      `ceph_msgr_send_messages_total${l} 3`,
      '# HELP ceph_msgr_active_connections active',
      '# TYPE ceph_msgr_active_connections gauge',
      `ceph_msgr_active_connections${l} 1`,
      '# HELP ceph_msgr_running_total_time_seconds_total time',
      '# TYPE ceph_msgr_running_total_time_seconds_total counter',
      `ceph_msgr_running_total_time_seconds_total${l} 0.5`,
      '# HELP ceph_msgr_dispatch_latency_seconds lat\\nency',
      '# TYPE ceph_msgr_dispatch_latency_seconds summary',
      `ceph_msgr_dispatch_latency_seconds_sum${l} 0.25`,
      `ceph_msgr_dispatch_latency_seconds_count${l} 2`,
      '# HELP ceph_msgr_recv_bytes_total bytes',
      '# TYPE ceph_msgr_recv_bytes_total counter',
      `ceph_msgr_recv_bytes_total${l} 10`,
      '',
    ].join('\n'),
  );
  assert.equal(promName('ceph_throttle_', { name: 'val', kind: 'u64', desc: '' }), 'ceph_throttle_val');
  assert.ok(promtool, 'promtool is missing: apt-get install prometheus (npm test installs it when run as root)');
  assert.equal(promtoolCheck(t).status, 0, promtoolCheck(t).out);
});

test('the /metrics endpoint: promtool accepts the scrape, counters move as messages flow', async () => {
  assert.ok(promtool, 'promtool is missing: apt-get install prometheus (npm test installs it when run as root)');
  const p = await pair();
  const srv = await startMetricsServer({ messengers: [p.client, p.server], port: 0 });
  try {
    assert.match(srv.url, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await p.exchange(10);
    const r1 = await fetch(srv.url);
    assert.equal(r1.status, 200);
    assert.equal(r1.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
    const t1 = await r1.text();
    const c1 = promtoolCheck(t1);
    assert.equal(c1.status, 0, `promtool check metrics:\n${c1.out}\n${t1}`);
    await p.exchange(30, 4000);
    const t2 = await (await fetch(srv.url)).text();
    assert.equal(promtoolCheck(t2).status, 0);
    const v1 = values(t1);
    const v2 = values(t2);
    const k = (n: string, who = 'messenger="client",entity="client.admin"'): string => `${n}{${who}}`;
    assert.equal(v2.get(k('ceph_msgr_send_messages_total'))! - v1.get(k('ceph_msgr_send_messages_total'))!, 30);
    assert.equal(v2.get(k('ceph_msgr_recv_messages_total', 'messenger="cluster",entity="osd.0"'))! - v1.get(k('ceph_msgr_recv_messages_total', 'messenger="cluster",entity="osd.0"'))!, 30);
    assert.ok(v2.get(k('ceph_msgr_send_bytes_total'))! - v1.get(k('ceph_msgr_send_bytes_total'))! > 30 * 4000);
    assert.equal(v2.get(k('ceph_msgr_active_connections')), 1);
    assert.equal(metricsText([p.client]).split('\n').filter((l) => l.startsWith('# TYPE')).length > 20, true);
    assert.equal((await fetch(srv.url.replace('/metrics', '/nope'))).status, 404);
  } finally {
    await srv.close();
    await p.stop();
  }
});
