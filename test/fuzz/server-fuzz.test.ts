/**
 * Hostile input against the server path. (1) Sans-IO: 100,000 random and mutated client streams
 * (mutations of real `ceph -s` client streams from ../shared/captures) are fed to a messenger
 * core acting as the mon they targeted: nothing escapes but handled faults, every connection
 * ends closed or waiting, and nothing leaks. (2) Over TCP: a server keeps serving a well-behaved
 * client's ping-pong while hundreds of garbage connections hit it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { MessengerCore } from '../../src/core/messenger-core.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { Policy, PolicySet } from '../../src/core/session/policy.ts';
import { parseAddrVec, makeAddr, AddrType } from '../../src/encoding/types/entity-addr.ts';
import { Messenger } from '../../src/node/messenger.ts';
import { loadStream } from '../helpers/captures.ts';
import { chunks, mutate } from '../helpers/mutate.ts';
import { FakeDispatcher, ping, session } from '../helpers/fake-dispatcher.ts';

const N = Number(process.env.FUZZ_N ?? 100_000);

test(`sans-IO server core survives ${N} mutated client streams`, { timeout: 300_000 }, () => {
  const r = new SeededRandom(2024);
  const policies = new PolicySet(Policy.stateless_server());
  const core = new MessengerCore({ name: { type: 1, num: 0n }, nonce: 0, random: r, policies });
  core.setMyAddrsExact(parseAddrVec('[v2:127.0.0.1:3300/0,v1:127.0.0.1:6789/0]'));
  core.start(0);
  const bases = [loadStream('v2-crc-authnone', 'c2s'), loadStream('v2-crc-cephx', 'c2s')];
  const peer = makeAddr(AddrType.MSGR2, '127.0.0.1', 50000, 0);
  let now = 0;
  let dispatched = 0;
  let faults = 0;
  let ready = 0;
  const faultCodes = new Map<string, number>();
  for (let i = 0; i < N; i++) {
    now += 1;
    const base = bases[i % 2]!;
    const input = i % 10 === 0 ? base : mutate(base, r);
    const tid = core.accepted(undefined, peer, now);
    for (const ch of chunks(input, r)) core.received(tid, ch, now);
    for (let t = core.pollTransmit(); t; t = core.pollTransmit());
    for (let ev = core.pollEvent(); ev; ev = core.pollEvent()) {
      if (ev.kind === 'dispatch') {
        dispatched++;
        core.dispatchComplete(ev.throttle);
      } else if (ev.kind === 'fault') {
        faults++;
        faultCodes.set(ev.error.code, (faultCodes.get(ev.error.code) ?? 0) + 1);
      } else if (ev.kind === 'accept') ready++;
    }
    for (let io = core.pollIo(); io; io = core.pollIo());
    // the client side hangs up; the server must close everything it accepted
    core.closed(tid, undefined, now);
    core.reap(now);
    for (let ev = core.pollEvent(); ev; ev = core.pollEvent()) if (ev.kind === 'dispatch') core.dispatchComplete(ev.throttle);
    for (let io = core.pollIo(); io; io = core.pollIo());
  }
  const sizes = core.registrySizes();
  console.log(`# ${N} streams: ${ready} reached READY, ${dispatched} messages dispatched, ${faults} faults ${JSON.stringify(Object.fromEntries(faultCodes))}`);
  assert.ok(ready >= N / 10, 'unmutated streams complete the handshake');
  assert.ok(faults > N / 2, 'mutated streams are rejected');
  assert.deepEqual(sizes, { conns: 0, accepting: 0, anon: 0, all: 0, reapQueue: 0, transports: 0 }, 'nothing leaks');
  assert.equal(core.dispatchThrottle.current, 0, 'throttle units all returned');
});

test('a TCP server keeps serving a good client while garbage connections hit it', { timeout: 120_000 }, async () => {
  const srv = Messenger.create({ name: 'osd.0', config: { ms_connection_ready_timeout: 2 } });
  srv.setDefaultPolicy(Policy.stateless_server());
  srv.addDispatcher(new FakeDispatcher(true));
  const addrs = await srv.bind('v2:127.0.0.1:0');
  await srv.start();
  const cli = Messenger.create({ name: 'client.0' });
  cli.setDefaultPolicy(Policy.lossy_client());
  const cd = new FakeDispatcher(false);
  cli.addDispatcher(cd);
  await cli.start();
  const c = cli.connectTo(addrs, 'osd');
  let garbageDone = false;
  const rtts: number[] = [];
  const pinger = (async () => {
    let n = 0;
    while (!garbageDone || n < 200) {
      const t = performance.now();
      c.send(ping(String(n)));
      while (session(c).count <= n) await new Promise((res) => setImmediate(res));
      rtts.push(performance.now() - t);
      n++;
    }
  })();
  const r = new SeededRandom(99);
  const bases = [loadStream('v2-crc-authnone', 'c2s'), loadStream('v2-crc-cephx', 'c2s'), loadStream('v1-authnone', 'c2s')];
  const port = addrs[0]!.port;
  const one = (payload: Buffer): Promise<void> =>
    new Promise((res) => {
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        for (const ch of chunks(payload, r)) s.write(ch);
        setTimeout(() => s.destroy(), 20);
      });
      s.on('error', () => {});
      s.on('close', () => res());
    });
  for (let batch = 0; batch < 30; batch++) {
    const jobs: Promise<void>[] = [];
    for (let k = 0; k < 10; k++) jobs.push(one(mutate(bases[(batch + k) % 3]!, r)));
    await Promise.all(jobs);
  }
  garbageDone = true;
  await pinger;
  await new Promise((res) => setTimeout(res, 100));
  const open = srv.connections().filter((x) => !x.isClosed).length;
  rtts.sort((a, b) => a - b);
  console.log(`# ${rtts.length} round trips during/after 300 garbage connections; p50 ${rtts[rtts.length >> 1]!.toFixed(2)} ms, p99 ${rtts[Math.floor(rtts.length * 0.99)]!.toFixed(2)} ms; server connections open ${open}`);
  assert.equal(cd.resets, 0, 'the good client was never reset');
  assert.ok(c.isConnected());
  assert.deepEqual(cd.violations, []);
  assert.ok(open <= 1, `server still holds ${open} connections`);
  await cli.shutdown();
  await srv.shutdown();
});
