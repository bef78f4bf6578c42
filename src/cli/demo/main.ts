/**
 * `npm start`: the seed's scenario on loopback, in four processes. An OSD (osd.0) binds a public
 * messenger for clients and a cluster messenger for its peer (osd.1); two clients send ops over
 * lossless sessions; the OSD answers each op and replicates it to the peer, which acks it.
 * Midway every process injects a socket fault on each of its connections; the sessions
 * reconnect and replay, the reaper frees the sockets that died. A one-line progress display runs
 * while it works; the final summary counts sent, delivered, lost, duplicated, reaped and
 * reconnects. Exit code 0 only if nothing was lost or duplicated.
 *
 * Options: --ops N (per client, default 20000).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Report, ToChild } from './roles.ts';

const argv = process.argv.slice(2);
const opsArg = argv.indexOf('--ops');
const OPS = opsArg >= 0 ? Number(argv[opsArg + 1]) : 20_000;
const ROLE_FILE = fileURLToPath(new URL('./roles.ts', import.meta.url));
const tty = process.stdout.isTTY;

interface Child {
  name: string;
  proc: ChildProcess;
  last: Report | undefined;
}

function start(name: string, role: string, args: Record<string, string | number>): Promise<{ c: Child; ready: string }> {
  const proc = fork(ROLE_FILE, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const c: Child = { name, proc, last: undefined };
  return new Promise((resolve, reject) => {
    proc.on('message', (m: { ready?: string; progress?: Report; report?: Report }) => {
      if (m.ready) resolve({ c, ready: m.ready });
      if (m.progress) c.last = m.progress;
      if (m.report) c.last = m.report;
    });
    proc.once('exit', (code) => reject(new Error(`${name} exited with ${code}`)));
    proc.send({ cmd: 'start', role, args } satisfies ToChild);
  });
}

function ask(c: Child, cmd: ToChild, key: 'report' | 'stopped'): Promise<Report & { left?: number }> {
  return new Promise((resolve) => {
    const h = (m: Record<string, unknown>): void => {
      if (m[key]) {
        c.proc.off('message', h);
        resolve({ ...(m[key] as Report), ...(typeof m.left === 'number' ? { left: m.left } : {}) });
      }
    };
    c.proc.on('message', h);
    c.proc.send(cmd);
  });
}

const sum = (o: Record<string, number>): number => Object.values(o).reduce((a, b) => a + b, 0);

async function main(): Promise<number> {
  const t0 = Date.now();
  console.log(`ceph-msgr demo: osd.0 (public + cluster messengers), peer osd.1, client.1 and client.2 — ${OPS} ops per client`);
  const peer = await start('osd.1', 'peer', {});
  const osd = await start('osd.0', 'osd', { peer: peer.ready });
  console.log(`  osd.1 cluster messenger ${peer.ready}\n  osd.0 public messenger  ${osd.ready}`);
  const clients = await Promise.all([1, 2].map((s) => start(`client.${s}`, 'client', { stream: s, osd: osd.ready, ops: OPS })));
  const all = [peer.c, osd.c, ...clients.map((x) => x.c)];
  let faulted = false;
  const line = (): string => {
    const sent = clients.reduce((a, x) => a + (x.c.last ? sum(x.c.last.sent) : 0), 0);
    return `  progress: ${sent}/${2 * OPS} client ops sent${faulted ? ', socket faults injected' : ''}`;
  };
  const timer = setInterval(() => {
    if (tty) process.stdout.write('\r' + line() + '   ');
    else console.log(line());
  }, tty ? 200 : 1000);
  // inject the socket faults midway
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const sent = clients.reduce((a, x) => a + (x.c.last ? sum(x.c.last.sent) : 0), 0);
    if (!faulted && sent >= OPS) {
      faulted = true;
      for (const c of all) c.proc.send({ cmd: 'fault' } satisfies ToChild);
    }
    // done when every expected message arrived (or 120 s)
    const reps = await Promise.all(all.map((c) => ask(c, { cmd: 'report' }, 'report')));
    const delivered = reps.reduce((a, r) => a + Object.values(r.recv).reduce((x, s) => x + s.unique, 0), 0);
    const expected = 2 * OPS /* ops */ + 2 * OPS /* replies */ + 2 * OPS /* repops */ + 2 * OPS; /* repop acks */
    if (delivered >= expected || Date.now() - t0 > 120_000) break;
  }
  clearInterval(timer);
  if (tty) process.stdout.write('\r' + line() + '\n');
  const finals = await Promise.all(all.map((c) => ask(c, { cmd: 'stop' }, 'stopped')));
  const sent = finals.reduce((a, r) => a + sum(r.sent), 0);
  const byStream = new Map<string, number>();
  for (const r of finals) for (const [s, n] of Object.entries(r.sent)) byStream.set(s, (byStream.get(s) ?? 0) + n);
  let delivered = 0;
  let duplicated = 0;
  let lost = 0;
  const recvBy = new Map<string, number>();
  for (const r of finals) {
    for (const [s, st] of Object.entries(r.recv)) {
      delivered += st.unique;
      duplicated += st.duplicates;
      recvBy.set(s, (recvBy.get(s) ?? 0) + st.unique);
    }
  }
  for (const [s, n] of byStream) lost += Math.max(0, n - (recvBy.get(s) ?? 0));
  const reaped = finals.reduce((a, r) => a + r.reaped, 0);
  const reconnects = finals.reduce((a, r) => a + r.reconnects, 0);
  const left = finals.reduce((a, r) => a + (r.left ?? 0), 0);
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    `summary: sent ${sent}, delivered ${delivered}, lost ${lost}, duplicated ${duplicated}, reaped ${reaped}, reconnects ${reconnects} (${secs} s; after shutdown ${left} sockets/connections/queues left)`,
  );
  const ok = lost === 0 && duplicated === 0 && delivered === sent && reconnects > 0 && left === 0;
  console.log(ok ? 'result: OK — nothing lost or duplicated' : 'result: FAILED');
  return ok ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`demo failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  },
);
