/**
 * One side of the network-namespace scenario, run inside a namespace by netns.test.ts:
 *
 *   ip netns exec NS node --import tsx test/netns/peer.ts server '{"bind":"v2:0.0.0.0:7300"}'
 *   ip netns exec NS node --import tsx test/netns/peer.ts client '{"addrs":"v2:10.213.7.1:7300/123","n":3000}'
 *
 * server (stateful_server): prints {"nonce":…} when listening, {"learned":addrvec} once it learned
 * its address from a peer, {"progress":n} every 100 messages, and on stdin 'report' a JSON report
 * (unique / duplicates / reordered / gaps / corrupt). client (lossless_client): sends n messages of
 * mixed sizes (test/helpers/payload.ts), ~1 per ms, then waits until all are acknowledged and
 * prints a report (faults, reconnects, resets); every fault is also printed as it happens
 * ({"fault":code,"t":ms since start}). Both use keepalives to notice a dead link.
 */
import { createInterface } from 'node:readline';
import { formatAddrVec } from '../../src/encoding/types/entity-addr.ts';
import type { MsgrError } from '../../src/errors.ts';
import { Message } from '../../src/messages/message.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { Messenger } from '../../src/node/messenger.ts';
import type { Connection } from '../../src/node/connection.ts';
import { checkPayload, makePayload } from '../helpers/payload.ts';

const out = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');
const config = { ms_keepalive_interval: 0.5, ms_keepalive_timeout: 2, ms_connection_ready_timeout: 2, ms_initial_backoff: 0.2, ms_max_backoff: 1 };

async function server(bind: string): Promise<void> {
  const m = Messenger.create({ name: 'osd.0', config });
  m.setDefaultPolicy(Policy.stateful_server());
  const seen = new Set<number>();
  let next = 0;
  let duplicates = 0;
  let reordered = 0;
  let corrupt = 0;
  let received = 0;
  let learned = false;
  m.addDispatcher({
    dispatch(msg: Message) {
      const { index, ok } = checkPayload(msg.data);
      if (!ok) corrupt++;
      if (seen.has(index)) duplicates++;
      else if (index !== next) reordered++;
      seen.add(index);
      next = index + 1;
      received++;
      if (!learned) {
        learned = true;
        out({ learned: formatAddrVec(m.myAddrs) });
      }
      if (received % 100 === 0) out({ progress: received });
    },
  });
  const faults: string[] = [];
  m.on('fault', (_c: Connection, e: MsgrError) => faults.push(e.code));
  let remoteResets = 0;
  m.on('remote-reset', () => remoteResets++);
  const addrs = await m.bind(bind);
  await m.start();
  out({ nonce: m.nonce, bound: formatAddrVec(addrs) });
  for await (const l of createInterface({ input: process.stdin })) {
    if (l.trim() !== 'report') continue;
    let gaps = 0;
    for (let i = 0; i < next; i++) if (!seen.has(i)) gaps++;
    out({ received, unique: seen.size, duplicates, reordered, gaps, corrupt, faults, remoteResets, myAddrs: formatAddrVec(m.myAddrs) });
    await m.shutdown();
    process.exit(0);
  }
}

async function client(addrs: string, n: number): Promise<void> {
  const m = Messenger.create({ name: 'client.1', config });
  m.setDefaultPolicy(Policy.lossless_client());
  const faults: string[] = [];
  const t0 = Date.now();
  m.on('fault', (_c: Connection, e: MsgrError) => {
    faults.push(e.code);
    out({ fault: e.code, t: Date.now() - t0 });
  });
  let remoteResets = 0;
  let resets = 0;
  m.on('remote-reset', () => remoteResets++);
  m.on('reset', () => resets++);
  await m.start();
  const c = m.connectTo(addrs, 'osd');
  for (let i = 0; i < n; i++) {
    if (!c.send(new Message({ type: 2, data: makePayload(i) }))) await c.whenWritable();
    if (i % 8 === 7) await new Promise((r) => setTimeout(r, 8));
  }
  const sentMs = Date.now() - t0;
  const end = Date.now() + 120_000;
  while (c.queuedBytes > 0 && Date.now() < end) await new Promise((r) => setTimeout(r, 20));
  const st = c.stats!;
  out({ sent: n, sentMs, elapsedMs: Date.now() - t0, unacked: c.queuedBytes, faults, remoteResets, resets, connectAttempts: st.connectAttempts, reconnects: st.reconnects });
  await m.shutdown();
  process.exit(0);
}

const [role, json] = process.argv.slice(2);
const p = JSON.parse(json ?? '{}') as { bind?: string; addrs?: string; n?: number };
if (role === 'server') await server(p.bind!);
else await client(p.addrs!, p.n ?? 3000);
