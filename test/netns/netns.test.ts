/**
 * A lossless session between two network namespaces joined by a veth pair (addresses of our own
 * choosing, 10.213.X.1/30 and .2/30, only inside namespaces this test creates), the server bound
 * to 0.0.0.0 and learning its address from its first peer (Ceph handle_hello), and the link taken
 * down and up mid-run: 0 lost, 0 duplicated, 0 out of order. Each side is its own process
 * (`ip netns exec NS node --import tsx test/netns/peer.ts …`). Everything is removed in after(),
 * even on failure. If namespaces cannot be created the suite fails with the exact error.
 *
 * Also (no namespace needed): a server bound to 0.0.0.0 on loopback learns 127.0.0.1 the same way.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Message } from '../../src/messages/message.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { Messenger } from '../../src/node/messenger.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const PEER = fileURLToPath(new URL('./peer.ts', import.meta.url));
const tag = `${process.pid % 100000}`;
const NS_A = `cmsgr-${tag}-a`;
const NS_B = `cmsgr-${tag}-b`;
const IF_A = `cmv${tag}a`;
const IF_B = `cmv${tag}b`;
const NET = `10.213.${process.pid % 250}`;
const IP_A = `${NET}.1`;
const IP_B = `${NET}.2`;
const PORT = 7300;
const N = Number(process.env.NETNS_N ?? 3000);

function sh(args: string[]): string {
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  if (r.error) throw new Error(`ip ${args.join(' ')}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`ip ${args.join(' ')} failed (exit ${r.status}): ${r.stderr.trim()}`);
  return r.stdout;
}

interface Child {
  proc: ChildProcess;
  lines: string[];
  /** the first line with this key, parsed */
  wait(key: string, timeoutMs: number): Promise<Record<string, unknown>>;
}

function peer(ns: string, role: string, params: object): Child {
  const proc = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', PEER, role, JSON.stringify(params)], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines: string[] = [];
  const waiters: Array<() => void> = [];
  createInterface({ input: proc.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of waiters.splice(0)) w();
  });
  const find = (key: string): Record<string, unknown> | undefined =>
    lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((o) => key in o);
  return {
    proc,
    lines,
    wait: (key, timeoutMs) =>
      new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error(`${role} in ${ns}: no '${key}' after ${timeoutMs} ms (got ${lines.join(' | ')})`)), timeoutMs);
        const check = (): void => {
          const o = find(key);
          if (o) {
            clearTimeout(t);
            res(o);
          } else waiters.push(check);
        };
        check();
      }),
  };
}

describe('server bound to 0.0.0.0 learns its address (loopback)', () => {
  test('the first HELLO teaches it 127.0.0.1 (port and nonce kept); a client dialling 127.0.0.1 is served', async () => {
    const s = Messenger.create({ name: 'osd.0' });
    s.setDefaultPolicy(Policy.stateful_server());
    s.addDispatcher({ dispatch: (_m, c) => void c.send(new Message({ type: 2, data: Buffer.from('pong') })) });
    const bound = await s.bind('v2:0.0.0.0:0');
    await s.start();
    assert.equal(bound[0]!.ip, '0.0.0.0');
    const c = Messenger.create({ name: 'client.1' });
    c.setDefaultPolicy(Policy.lossless_client());
    let got = 0;
    c.addDispatcher({ dispatch: () => void got++ });
    await c.start();
    const conn = c.connectTo(`v2:127.0.0.1:${bound[0]!.port}/${s.nonce}`, 'osd');
    conn.send(new Message({ type: 2, data: Buffer.from('ping') }));
    for (let i = 0; i < 250 && !got; i++) await new Promise((r) => setTimeout(r, 20));
    try {
      assert.equal(got, 1, 'served (CLIENT_IDENT target matched the learned address)');
      assert.deepEqual(
        s.myAddrs.map((a) => [a.ip, a.port, a.nonce]),
        [['127.0.0.1', bound[0]!.port, s.nonce]],
      );
    } finally {
      await c.shutdown();
      await s.shutdown();
    }
  });
});

describe(`lossless session between two network namespaces (${NS_A} ${IP_A} <-veth-> ${NS_B} ${IP_B})`, () => {
  const children: ChildProcess[] = [];

  before(() => {
    // namespaces of our own, joined by a veth pair; any failure here fails the suite loudly
    for (const ns of [NS_A, NS_B]) spawnSync('ip', ['netns', 'del', ns]); // leftovers of a killed run
    sh(['netns', 'add', NS_A]);
    sh(['netns', 'add', NS_B]);
    sh(['link', 'add', IF_A, 'netns', NS_A, 'type', 'veth', 'peer', 'name', IF_B, 'netns', NS_B]);
    sh(['-n', NS_A, 'addr', 'add', `${IP_A}/30`, 'dev', IF_A]);
    sh(['-n', NS_B, 'addr', 'add', `${IP_B}/30`, 'dev', IF_B]);
    for (const [ns, dev] of [[NS_A, IF_A], [NS_B, IF_B]] as const) {
      sh(['-n', ns, 'link', 'set', 'lo', 'up']);
      sh(['-n', ns, 'link', 'set', dev, 'up']);
    }
    // static neighbours: with a link down, packets are dropped silently (no ARP failure, no
    // EHOSTUNREACH): a true black hole, where a TCP connect simply hangs
    const mac = (ns: string, dev: string): string => /link\/ether ([0-9a-f:]+)/.exec(sh(['-n', ns, '-o', 'link', 'show', dev]))![1]!;
    sh(['-n', NS_B, 'neigh', 'replace', IP_A, 'lladdr', mac(NS_A, IF_A), 'dev', IF_B, 'nud', 'permanent']);
    sh(['-n', NS_A, 'neigh', 'replace', IP_B, 'lladdr', mac(NS_B, IF_B), 'dev', IF_A, 'nud', 'permanent']);
  });

  test('a TCP connect that hangs (SYN dropped) is aborted at ms_connection_ready_timeout and retried with backoff (bug #7 / #38161)', { timeout: 120_000 }, async () => {
    sh(['-n', NS_A, 'link', 'set', IF_A, 'down']);
    let linkDown = true;
    const srv = peer(NS_A, 'server', { bind: `v2:0.0.0.0:${PORT + 1}` });
    children.push(srv.proc);
    try {
      const { nonce } = await srv.wait('nonce', 30_000);
      const cli = peer(NS_B, 'client', { addrs: `v2:${IP_A}:${PORT + 1}/${nonce}`, n: 200 });
      children.push(cli.proc);
      const faults = (): Array<{ fault: string; t: number }> =>
        cli.lines.map((l) => JSON.parse(l) as { fault?: string; t?: number }).filter((o): o is { fault: string; t: number } => !!o.fault);
      await new Promise<void>((res, rej) => {
        const t = setTimeout(() => rej(new Error(`faults: ${JSON.stringify(faults())}`)), 30_000);
        const tick = setInterval(() => {
          if (faults().length >= 3) {
            clearInterval(tick);
            clearTimeout(t);
            res();
          }
        }, 10);
      });
      sh(['-n', NS_A, 'link', 'set', IF_A, 'up']);
      linkDown = false;
      const f = faults().slice(0, 3);
      const gaps = [f[1]!.t - f[0]!.t, f[2]!.t - f[1]!.t];
      console.log(`# netns hanging connect: faults ${JSON.stringify(f)}; attempt lifetime + backoff ${gaps.join(', ')} ms (2000 + 200, 2000 + 400)`);
      assert.deepEqual(f.map((x) => x.fault), ['ERR_HANDSHAKE_TIMEOUT', 'ERR_HANDSHAKE_TIMEOUT', 'ERR_HANDSHAKE_TIMEOUT'], 'the hanging connect itself timed out');
      assert.ok(Math.abs(f[0]!.t - 2000) <= 500, `first attempt aborted after ${f[0]!.t} ms`);
      assert.ok(Math.abs(gaps[0]! - 2200) <= 300 && Math.abs(gaps[1]! - 2400) <= 300, `gaps ${gaps}`);
      const crep = await cli.wait('sent', 60_000);
      srv.proc.stdin!.write('report\n');
      const srep = await srv.wait('unique', 30_000);
      assert.deepEqual([crep.unacked, srep.unique, srep.duplicates, srep.reordered], [0, 200, 0, 0], 'once the link is up, the queued messages arrive exactly once');
    } finally {
      if (linkDown) sh(['-n', NS_A, 'link', 'set', IF_A, 'up']);
    }
  });

  after(() => {
    for (const p of children) if (p.exitCode === null) p.kill('SIGKILL');
    const errs: string[] = [];
    for (const ns of [NS_A, NS_B]) {
      const r = spawnSync('ip', ['netns', 'del', ns], { encoding: 'utf8' });
      if (r.status !== 0 && !/No such file/.test(r.stderr)) errs.push(r.stderr.trim());
    }
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout;
    assert.ok(!left.includes(`cmsgr-${tag}-`), `namespaces left behind: ${left} ${errs.join('; ')}`);
  });

  test(`${N} messages, server on 0.0.0.0 learns ${IP_A}, link down for 3 s mid-run: 0 lost, 0 duplicated`, { timeout: 240_000 }, async () => {
    const srv = peer(NS_A, 'server', { bind: `v2:0.0.0.0:${PORT}` });
    children.push(srv.proc);
    const { nonce } = await srv.wait('nonce', 30_000);
    const cli = peer(NS_B, 'client', { addrs: `v2:${IP_A}:${PORT}/${nonce}`, n: N });
    children.push(cli.proc);
    const { learned } = await srv.wait('learned', 30_000);
    // wait for a third of the run, then cut the link (on the server's side) for 3 s
    const third = Math.floor(N / 300) * 100;
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no progress to ${third}: ${srv.lines.slice(-3).join(' | ')}`)), 60_000);
      const tick = setInterval(() => {
        const p = srv.lines.map((l) => JSON.parse(l) as { progress?: number }).filter((o) => (o.progress ?? 0) >= third);
        if (p.length) {
          clearInterval(tick);
          clearTimeout(t);
          res();
        }
      }, 5);
    });
    const tDown = Date.now();
    sh(['-n', NS_A, 'link', 'set', IF_A, 'down']);
    await new Promise((r) => setTimeout(r, 3000));
    sh(['-n', NS_A, 'link', 'set', IF_A, 'up']);
    const downMs = Date.now() - tDown;
    const crep = await cli.wait('sent', 180_000);
    srv.proc.stdin!.write('report\n');
    const srep = await srv.wait('unique', 30_000);
    console.log(`# netns: server learned ${String(learned)}; link down ${downMs} ms at ~${third} msgs; client ${JSON.stringify(crep)}; server ${JSON.stringify(srep)}`);
    assert.match(String(learned), new RegExp(`v2:${IP_A.replace(/\./g, '\\.')}:${PORT}/${String(nonce)}`), 'the server learned its address from the socket');
    assert.equal(crep.unacked, 0, 'everything acknowledged');
    assert.equal(srep.unique, N, '0 lost');
    assert.equal(srep.duplicates, 0, '0 duplicated');
    assert.equal(srep.reordered, 0, '0 out of order');
    assert.deepEqual([srep.gaps, srep.corrupt, srep.remoteResets, crep.remoteResets, crep.resets], [0, 0, 0, 0, 0]);
    assert.ok((crep.faults as string[]).length >= 1, 'the outage was noticed (keepalive/ready timeouts) and healed by a reconnect');
    assert.ok((crep.reconnects as number) >= 1, 'the session was resumed (SESSION_RECONNECT)');
  });
});
