/**
 * Acceptance scenarios S11 (idle timeout & keepalive; Ceph TimeoutTest, PR #24301) and S12
 * (half-open / stuck handshake; PRs #27337, #38161, #25482, #26668), in the simulator (virtual
 * time: sim.blackhole drops bytes and SYNs) and over real loopback TCP (src/testing/tcp-proxy.ts
 * between client and server). Timings are measured on the world's clock.
 */
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { Policy } from '../../src/core/session/policy.ts';
import type { MsgrConfig } from '../../src/core/config.ts';
import type { Connection } from '../../src/node/connection.ts';
import type { Messenger } from '../../src/node/messenger.ts';
import { WORLDS, type World } from '../helpers/world.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';
import { CLIENT_IP, ConnLog, SERVER_IP, closeProxies, exactlyOnce, serverBehindProxy } from '../helpers/liveness.ts';

function client(w: World, policy: Policy, config: Partial<MsgrConfig>): { cli: Messenger; cd: FakeDispatcher; log: ConnLog } {
  const cli = w.messenger({ name: 'client.1', config }, CLIENT_IP);
  cli.setDefaultPolicy(policy);
  const cd = new FakeDispatcher(false);
  cli.addDispatcher(cd);
  return { cli, cd, log: new ConnLog(cli) };
}

/** Call fn every `everyMs` until cond() holds or maxMs pass (world time). */
async function every(w: World, m: Messenger, everyMs: number, fn: () => void, cond: () => boolean, maxMs: number): Promise<boolean> {
  const end = m.env.now() + maxMs;
  while (!cond()) {
    if (m.env.now() >= end) return false;
    fn();
    await w.until(cond, everyMs);
  }
  return true;
}

async function clean(w: World): Promise<void> {
  await closeProxies(w);
  const res = await w.cleanup();
  for (const r of res) assert.equal(r.sockets + r.all + (r.timer ? 1 : 0), 0, `resources left: ${JSON.stringify(r)}`);
}

/** Run a scenario in a fresh world; whatever happens, proxies and messengers are shut down. */
function inWorld(mk: () => World, body: (w: World) => Promise<void>): () => Promise<void> {
  return async () => {
    const w = mk();
    try {
      await body(w);
      await clean(w);
    } finally {
      await closeProxies(w);
      await w.cleanup();
    }
  };
}

for (const [kind, mk] of WORLDS) {
  describe(`S11 idle timeout & keepalive [${kind}]`, { concurrency: kind === 'tcp' ? 3 : 1 }, () => {
    const idle: Partial<MsgrConfig> = { ms_connection_idle_timeout: 1 };

    test('(a) no traffic: disconnected by 2.5 s', inWorld(mk, async (w) => {
      const srv = w.messenger({ name: 'osd.0', config: idle }, SERVER_IP);
      srv.setDefaultPolicy(Policy.stateless_server());
      srv.addDispatcher(new FakeDispatcher(true));
      const addrs = await srv.bind(`v2:${SERVER_IP}:0`);
      await srv.start();
      const slog = new ConnLog(srv);
      const { cli, log } = client(w, Policy.lossy_client(), idle);
      await cli.start();
      const c = cli.connectTo(addrs, 'osd');
      c.send(ping('1'));
      assert.ok(await w.until(() => session(c).count === 1));
      const t0 = cli.env.now();
      assert.ok(await w.until(() => !c.isConnected(), 2500), 'disconnected by 2.5 s');
      const dt = cli.env.now() - t0;
      const idleFaults = log.faultTimes('ERR_IDLE_TIMEOUT').length + slog.faultTimes('ERR_IDLE_TIMEOUT').length;
      console.log(`# S11a [${kind}] idle connection closed after ${dt} ms (idle timeout 1000 ms); idle faults ${idleFaults}`);
      assert.ok(dt >= 900, `closed too early: ${dt} ms`);
      assert.ok(idleFaults >= 1, 'closed by the idle timer');
      assert.equal(log.resets.length, 1, 'the lossy client got its reset');
    }));

    test('(b) keepalive every 300 ms: still connected at 5 s, >= 10 acks', inWorld(mk, async (w) => {
      const srv = w.messenger({ name: 'osd.0', config: idle }, SERVER_IP);
      srv.setDefaultPolicy(Policy.stateless_server());
      srv.addDispatcher(new FakeDispatcher(true));
      const addrs = await srv.bind(`v2:${SERVER_IP}:0`);
      await srv.start();
      const { cli, log } = client(w, Policy.lossy_client(), { ...idle, ms_keepalive_interval: 0.3 });
      await cli.start();
      const c = cli.connectTo(addrs, 'osd');
      c.send(ping('1'));
      assert.ok(await w.until(() => session(c).count === 1));
      await w.sleep(5000);
      console.log(`# S11b [${kind}] after 5 s: connected ${c.isConnected()}, keepalive acks ${log.acks.length}, faults ${log.faults.length}`);
      assert.ok(c.isConnected(), 'still connected at 5 s');
      assert.ok(log.acks.length >= 10, `keepalive acks ${log.acks.length}`);
      assert.equal(log.faults.length, 0);
    }));

    test('(c) the app keeps queueing on a black-holed socket: declared dead <= 2.5 s', inWorld(mk, async (w) => {
      const cfg = { ...idle, ms_connection_ready_timeout: 2, ms_max_backoff: 1 };
      const { sd, proxy, addrs } = await serverBehindProxy(w, Policy.stateful_server(), cfg);
      const { cli, cd, log } = client(w, Policy.lossless_client(), cfg);
      await cli.start();
      const c = cli.connectTo(addrs, 'osd');
      const sent: string[] = [];
      const send = (): void => {
        const s = `m${sent.length}`;
        sent.push(s);
        c.send(ping(s));
      };
      send();
      assert.ok(await w.until(() => session(c).count === 1));
      // the peer vanishes: bytes to and from the client disappear (sim), or the proxy stops
      // forwarding and reading (tcp); the app keeps queueing a message every 50 ms
      if (w.sim) w.sim.blackhole(CLIENT_IP);
      else proxy.blackholeExisting();
      const t0 = cli.env.now();
      const queuedBefore = sent.length;
      const dead = await every(w, cli, 50, send, () => log.faults.length > 0, 5000);
      const dt = cli.env.now() - t0;
      const f = log.faults[0];
      console.log(`# S11c [${kind}] black-holed at t0, ${sent.length - queuedBefore} messages queued meanwhile; fault ${f?.code} after ${dt} ms`);
      assert.ok(dead && f, 'declared dead');
      assert.equal(f.code, 'ERR_IDLE_TIMEOUT');
      assert.ok(dt <= 2500, `declared dead after ${dt} ms`);
      assert.ok(sent.length - queuedBefore >= 10, 'queueing went on while the peer was gone');
      // the network heals: the lossless session resumes and delivers everything exactly once
      if (w.sim) w.sim.blackhole(CLIENT_IP, false);
      else proxy.heal();
      for (let i = 0; i < 5; i++) send();
      assert.ok(await w.until(() => sd.received.length >= sent.length && cd.received.length >= sent.length, 15_000), `delivered ${sd.received.length}/${sent.length}`);
      await w.sleep(200);
      assert.equal(exactlyOnce(sd.received, sent), '');
      assert.equal(exactlyOnce(cd.received, sent.map((s) => `re:${s}`)), '');
      assert.deepEqual([sd.violations, cd.violations, log.remoteResets.length], [[], [], 0]);
    }));
  });

  describe(`S12 half-open / stuck handshake [${kind}]`, { concurrency: kind === 'tcp' ? 4 : 1 }, () => {
    const cfg: Partial<MsgrConfig> = { ms_connection_ready_timeout: 2, ms_initial_backoff: 0.2, ms_max_backoff: 0.8 };
    const variants = [
      ['(a) never answers (sim: SYN dropped, connect hangs; tcp: accepted, never answered)', 'blackhole'],
      ['(b) accepts TCP, never sends a banner', 'no-banner'],
      ['(c) stops forwarding after HELLO', 'after-hello'],
    ] as const;
    for (const [title, how] of variants) {
      test(`${title}: aborted at 2 s +- 0.5, retried with backoff 0.2 s doubling to max; lossless queue delivered once`, inWorld(mk, async (w) => {
        // the server's own ready timer (1.5 s) fires before the client gives up (2 s): the
        // acceptor side of a stuck handshake is aborted by itself, not by the client's close
        const { sd, proxy, addrs, srv } = await serverBehindProxy(w, Policy.stateful_server(), { ...cfg, ms_connection_ready_timeout: 1.5 });
        const slog = new ConnLog(srv);
        let target = addrs;
        if (how === 'blackhole' && w.sim) {
          // dial the server directly (it advertises its own address again); its IP drops every SYN
          srv.core.rebindAddrs([proxy.upstream], srv.nonce);
          target = srv.myAddrs.slice();
          w.sim.blackhole(SERVER_IP);
        } else if (how === 'blackhole') proxy.setMode('blackhole');
        else if (how === 'no-banner') proxy.setMode({ stallAfter: 0, dir: 'down' });
        else proxy.setMode('after-hello');
        const { cli, cd, log } = client(w, Policy.lossless_client(), cfg);
        await cli.start();
        const t0 = cli.env.now();
        const c = cli.connectTo(target, 'osd');
        const want = ['q1', 'q2', 'q3'];
        for (const s of want) c.send(ping(s));
        const rounds = w.sim ? 5 : 3;
        assert.ok(await w.until(() => log.faultTimes('ERR_HANDSHAKE_TIMEOUT').length >= rounds, 20_000), `faults ${JSON.stringify(log.faults.map((f) => f.code))}`);
        const faults = log.faultTimes('ERR_HANDSHAKE_TIMEOUT');
        // attempt k starts at t0 (k = 0) or at fault k-1 + backoff k-1; it is aborted 2 s later
        const starts = w.sim && how === 'blackhole' ? undefined : proxy.accepts;
        const backoffs: number[] = [];
        const lifetimes: number[] = [];
        for (let k = 0; k < rounds; k++) {
          const start = starts ? starts[k]! : k === 0 ? t0 : faults[k - 1]! + Math.min(200 * 2 ** (k - 1), 800);
          lifetimes.push(faults[k]! - start);
          if (k > 0) backoffs.push((starts ? starts[k]! : faults[k]! - 2000) - faults[k - 1]!);
        }
        console.log(`# S12 ${how} [${kind}] attempt lifetimes ${lifetimes.join(',')} ms; backoffs ${backoffs.join(',')} ms; attempts seen by the proxy ${proxy.accepts.length}`);
        for (const l of lifetimes) assert.ok(l >= 1500 && l <= 2500, `attempt aborted after ${l} ms`);
        const expect = [200, 400, 800, 800].slice(0, rounds - 1);
        const tol = w.sim ? 1 : 150;
        backoffs.forEach((b, i) => assert.ok(Math.abs(b - expect[i]!) <= tol, `backoff ${i}: ${b} ms, want ${expect[i]}`));
        assert.equal(sd.received.length, 0);
        const stuckAcceptors = slog.faultTimes('ERR_HANDSHAKE_TIMEOUT').length;
        // every attempt reached the acceptor in (b) and (c), and each was aborted by its timer
        if (how !== 'blackhole') assert.ok(stuckAcceptors >= rounds, `server-side handshake timeouts ${stuckAcceptors}`);
        // heal: the next attempt completes and the queued messages arrive exactly once
        if (how === 'blackhole' && w.sim) w.sim.blackhole(SERVER_IP, false);
        else proxy.heal();
        assert.ok(await w.until(() => sd.received.length >= 3 && cd.received.length >= 3, 10_000), `delivered ${sd.received.length}`);
        await w.sleep(100);
        assert.equal(exactlyOnce(sd.received, want), '');
        assert.deepEqual([sd.violations, cd.violations, log.remoteResets.length, log.resets.length], [[], [], 0, 0]);
        assert.equal(srv.connections().filter((x) => !x.isClosed).length, 1, 'stuck acceptors were closed, not kept');
        console.log(`# S12 ${how} [${kind}] server-side handshake timeouts ${stuckAcceptors}`);
      }));
    }

    test('(d) established session, peer vanishes: keepalive timeout <= 3 x interval; healed queue delivered once', inWorld(mk, async (w) => {
      const kcfg = { ...cfg, ms_keepalive_interval: 0.5, ms_keepalive_timeout: 1.5 };
      const { sd, proxy, addrs } = await serverBehindProxy(w, Policy.stateful_server(), kcfg);
      const { cli, cd, log } = client(w, Policy.lossless_client(), kcfg);
      await cli.start();
      const c: Connection = cli.connectTo(addrs, 'osd');
      const sent: string[] = [];
      const send = (): void => {
        const s = `d${sent.length}`;
        sent.push(s);
        c.send(ping(s));
      };
      send();
      assert.ok(await w.until(() => session(c).count === 1));
      await w.sleep(1000); // keepalives flow, nothing else
      assert.equal(log.faults.length, 0, 'keepalives keep an idle session alive');
      if (w.sim) w.sim.blackhole(CLIENT_IP);
      else {
        proxy.blackholeExisting();
        proxy.setMode('blackhole');
      }
      const t0 = cli.env.now();
      const dead = await every(w, cli, 100, send, () => log.faults.length > 0, 5000);
      const dt = cli.env.now() - t0;
      console.log(`# S12d [${kind}] peer vanished: client fault ${log.faults[0]?.code} after ${dt} ms (keepalive interval 500 ms, timeout 1500 ms)`);
      assert.ok(dead);
      assert.equal(log.faults[0]!.code, 'ERR_KEEPALIVE_TIMEOUT');
      // the silence counts from the last byte read (before t0); allow the timer's own latency over TCP
      assert.ok(dt <= 1500 + (w.sim ? 0 : 100), `detected after ${dt} ms > 3 x keepalive interval`);
      // reconnect attempts fail while the network is down, then it heals
      for (let i = 0; i < 5; i++) send();
      await w.sleep(2500);
      if (w.sim) w.sim.blackhole(CLIENT_IP, false);
      else proxy.heal();
      assert.ok(await w.until(() => sd.received.length >= sent.length && cd.received.length >= sent.length, 15_000), `delivered ${sd.received.length}/${sent.length}`);
      await w.sleep(200);
      assert.equal(exactlyOnce(sd.received, sent), '');
      assert.deepEqual([sd.violations, cd.violations, log.remoteResets.length, log.resets.length], [[], [], 0, 0]);
    }));
  });
}
