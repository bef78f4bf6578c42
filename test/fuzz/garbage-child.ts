/**
 * Processes for garbage-rate.test.ts (`node --import tsx garbage-child.ts ROLE JSON`):
 *
 * server  — an osd.0 (stateless_server, ms_connection_ready_timeout 2 s) on v2 and v1 loopback
 *           ports that echoes pings; prints {v2, v1, nonce}; on stdin 'report' prints its
 *           counters (accepted connections, faults by code, live registry, RSS) and exits.
 * garbage — keeps `concurrency` hostile connections open against both ports: each one writes a
 *           mutated real client stream (../shared/captures) or random bytes in random chunks,
 *           then hangs up after 0–20 ms, or (1 in 10) goes silent for up to 3 s (a stuck handshake). Starts
 *           on stdin 'go', stops on 'stop' and prints {connections, bytes}.
 */
import * as net from 'node:net';
import { createInterface } from 'node:readline';
import { Message } from '../../src/messages/message.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { Policy } from '../../src/core/session/policy.ts';
import type { MsgrError } from '../../src/errors.ts';
import { Messenger } from '../../src/node/messenger.ts';
import type { Connection } from '../../src/node/connection.ts';
import { loadStream } from '../helpers/captures.ts';
import { chunks, mutate } from '../helpers/mutate.ts';

const out = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');
const stdinLines = createInterface({ input: process.stdin });

async function server(): Promise<void> {
  const m = Messenger.create({ name: 'osd.0', config: { ms_connection_ready_timeout: 2 } });
  m.setDefaultPolicy(Policy.stateless_server());
  m.addDispatcher({ dispatch: (msg: Message, c: Connection) => void c.send(new Message({ type: 2, data: msg.data })) });
  const faults = new Map<string, number>();
  m.on('fault', (_c: Connection, e: MsgrError) => faults.set(e.code, (faults.get(e.code) ?? 0) + 1));
  const addrs = await m.bind('[v2:127.0.0.1:0,v1:127.0.0.1:0]');
  await m.start();
  const rss0 = process.memoryUsage().rss;
  let rssMax = rss0;
  const t = setInterval(() => (rssMax = Math.max(rssMax, process.memoryUsage().rss)), 50);
  out({ v2: addrs[0]!.port, v1: addrs[1]!.port, nonce: m.nonce });
  for await (const l of stdinLines) {
    if (l.trim() !== 'report') continue;
    clearInterval(t);
    const live = m.connections().filter((c) => !c.isClosed).length;
    out({ accepted: m.core.counters.accepted, faults: Object.fromEntries(faults), live, registry: m.core.registrySizes(), rssBaseline: rss0, rssMax });
    await m.shutdown();
    process.exit(0);
  }
}

async function garbage(p: { v2: number; v1: number; concurrency: number; seed: number }): Promise<void> {
  const r = new SeededRandom(p.seed);
  const bases = [loadStream('v2-crc-authnone', 'c2s'), loadStream('v2-crc-cephx', 'c2s'), loadStream('v2-secure-cephx', 'c2s'), loadStream('v1-authnone', 'c2s')];
  let running = false;
  let connections = 0;
  let bytes = 0;
  const one = (): Promise<void> =>
    new Promise((res) => {
      const k = Math.floor(r.next() * bases.length);
      const payload = mutate(bases[k]!, r);
      const port = k === 3 ? p.v1 : p.v2;
      const s = net.connect({ host: '127.0.0.1', port }, () => {
        for (const ch of chunks(payload, r)) s.write(ch);
        bytes += payload.length;
        const stall = r.next() < 0.1;
        setTimeout(() => s.destroy(), stall ? 500 + r.next() * 2500 : r.next() * 20);
      });
      connections++;
      s.on('error', () => {});
      s.on('close', () => res());
    });
  const worker = async (): Promise<void> => {
    while (running) await one();
  };
  let workers: Promise<void>[] = [];
  for await (const l of stdinLines) {
    const cmd = l.trim();
    if (cmd === 'go' && !running) {
      running = true;
      workers = Array.from({ length: p.concurrency }, worker);
    } else if (cmd === 'stop') {
      running = false;
      await Promise.all(workers);
      out({ connections, bytes });
      process.exit(0);
    }
  }
}

const [role, json] = process.argv.slice(2);
if (role === 'server') await server();
else await garbage(JSON.parse(json ?? '{}') as { v2: number; v1: number; concurrency: number; seed: number });
