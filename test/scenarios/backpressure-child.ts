/**
 * One side of the S26 back-pressure scenario, in its own process so that its RSS is its own
 * (`node --import tsx backpressure-child.ts ROLE JSON`). Prints one JSON line when ready
 * ({addrs} for the receiver), then one JSON report line: on stdin 'report' (receiver) or when
 * done (sender). RSS is sampled every 10 ms from just before the traffic starts.
 *
 * receiver: a stateful_server whose dispatcher takes `slowMs` per message (a Promise), with the
 *   messenger-wide dispatch throttle and a per-peer-type policy throttle; checks per-peer order.
 * sender: `peers` messengers (lossless_client), each flooding one connection with `msgSize`-byte
 *   messages (a fresh, filled buffer each), honouring send()'s backpressure (whenWritable); the
 *   first `congested` messages of each peer go out under ms_inject_network_congestion.
 */
import { Buffer } from 'node:buffer';
import { createInterface } from 'node:readline';
import { Message } from '../../src/messages/message.ts';
import { Policy } from '../../src/core/session/policy.ts';
import type { MsgrConfig } from '../../src/core/config.ts';
import type { MsgrError } from '../../src/errors.ts';
import { Messenger } from '../../src/node/messenger.ts';
import type { Connection } from '../../src/node/connection.ts';

export interface ReceiverParams {
  dispatchThrottle: number;
  policyBytes: number;
  policyMessages: number;
  slowMs: number;
  config: Partial<MsgrConfig>;
}
export interface SenderParams {
  addrs: string;
  peers: number;
  msgSize: number;
  /** messages per peer (0 = until durationMs) */
  count: number;
  durationMs: number;
  congestion: number;
  congested: number;
  config: Partial<MsgrConfig>;
}

const out = (o: unknown): void => void process.stdout.write(JSON.stringify(o) + '\n');

class Sampler {
  baseline = process.memoryUsage().rss;
  rssMax = this.baseline;
  backlogMax = 0;
  private t: NodeJS.Timeout;
  constructor(private readonly extra: () => void, private readonly ms: Messenger[]) {
    this.t = setInterval(() => this.sample(), 10);
    // BP_GC_MS: pace V8's collection of external (Buffer) memory, which it otherwise lets run
    // 64 MB+ behind the live set; the RSS peak then reflects what the messenger holds
    const g = (globalThis as { gc?: () => void }).gc;
    const every = Number(process.env.BP_GC_MS ?? 0);
    if (g && every > 0) setInterval(g, every).unref();
  }
  atMax: Record<string, number> = {};
  sample(): void {
    const u = process.memoryUsage();
    if (u.rss > this.rssMax) this.atMax = { external: u.external, arrayBuffers: u.arrayBuffers, heapUsed: u.heapUsed };
    this.rssMax = Math.max(this.rssMax, u.rss);
    for (const m of this.ms) for (const b of m.transportBacklog()) this.backlogMax = Math.max(this.backlogMax, b);
    this.extra();
  }
  stop(): void {
    clearInterval(this.t);
    this.sample();
  }
}

function counters(m: Messenger): { faults: string[]; resets: number; remoteResets: number; keepaliveAcks: number } {
  const r = { faults: [] as string[], resets: 0, remoteResets: 0, keepaliveAcks: 0 };
  m.on('fault', (_c: Connection, e: MsgrError) => r.faults.push(e.code));
  m.on('reset', () => r.resets++);
  m.on('remote-reset', () => r.remoteResets++);
  m.on('keepalive-ack', () => r.keepaliveAcks++);
  return r;
}

async function receiver(p: ReceiverParams): Promise<void> {
  const m = Messenger.create({ name: 'osd.0', config: { ...p.config, ms_dispatch_throttle_bytes: p.dispatchThrottle } });
  m.setDefaultPolicy(Policy.with(Policy.stateful_server(), { throttle: { bytes: p.policyBytes, messages: p.policyMessages } }));
  const next = new Map<number, number>();
  let received = 0;
  let bytes = 0;
  let violations = 0;
  let corrupt = 0;
  m.addDispatcher({
    dispatch(msg: Message): Promise<void> | void {
      const d = msg.data;
      const peer = d.readUInt32LE(0);
      const i = d.readUInt32LE(4);
      if ((next.get(peer) ?? 0) !== i) violations++;
      next.set(peer, i + 1);
      if (d[d.length - 1] !== (i & 0xff)) corrupt++;
      received++;
      bytes += d.length;
      if (p.slowMs > 0) return new Promise((r) => setTimeout(r, p.slowMs));
    },
  });
  const c = counters(m);
  const addrs = await m.bind('v2:127.0.0.1:0');
  await m.start();
  const core = m.core;
  let throttleMax = 0;
  let dqMax = 0;
  let policyMax = 0;
  const s = new Sampler(() => {
    throttleMax = Math.max(throttleMax, core.dispatchThrottle.current);
    dqMax = Math.max(dqMax, m.resources().dispatchQueue);
    for (const c of core.all.values()) policyMax = Math.max(policyMax, core.throttlesFor(c).bytes?.current ?? 0);
  }, [m]);
  out({ addrs: addrs.map((a) => `v2:${a.ip}:${a.port}/${a.nonce}`).join(',') });
  const lines = createInterface({ input: process.stdin });
  for await (const l of lines) {
    if (l.trim() !== 'report') continue;
    // everything the senders had acknowledged is read: let the dispatcher finish it
    for (let i = 0; i < 3000 && m.resources().dispatchQueue > 0; i++) await new Promise((r) => setTimeout(r, 10));
    s.stop();
    const perPeer = [...next.values()];
    out({
      role: 'receiver',
      received,
      bytes,
      perPeer,
      violations,
      corrupt,
      rssBaseline: s.baseline,
      rssMax: s.rssMax,
      atMax: s.atMax,
      backlogMax: s.backlogMax,
      throttleMax,
      policyMax,
      dqMax,
      throttleWaits: core.dispatchThrottle.waits,
      ...c,
    });
    await m.shutdown();
    process.exit(0);
  }
}

async function sender(p: SenderParams): Promise<void> {
  const ms: Messenger[] = [];
  const conns: Connection[] = [];
  const cs: Array<ReturnType<typeof counters>> = [];
  for (let k = 0; k < p.peers; k++) {
    const m = Messenger.create({ name: `client.${k + 1}`, config: { ...p.config, ms_inject_network_congestion: p.congestion } });
    m.setDefaultPolicy(Policy.lossless_client());
    cs.push(counters(m));
    await m.start();
    ms.push(m);
  }
  const s = new Sampler(() => {}, ms);
  // per peer: the longest time its connection waited with unacknowledged messages and no ack
  const ackGapMax = new Array<number>(p.peers).fill(0);
  const lastAck = new Array<number>(p.peers).fill(Date.now());
  ms.forEach((m, k) =>
    m.on('acked', () => {
      const t = Date.now();
      ackGapMax[k] = Math.max(ackGapMax[k]!, t - lastAck[k]!);
      lastAck[k] = t;
    }),
  );
  const t0 = Date.now();
  let blockedMax = 0;
  const sent = new Array<number>(p.peers).fill(0);
  for (let k = 0; k < p.peers; k++) conns.push(ms[k]!.connectTo(p.addrs, 'osd'));
  const flood = async (k: number): Promise<void> => {
    const c = conns[k]!;
    const cfg = ms[k]!.core.config;
    for (let i = 0; p.count ? i < p.count : Date.now() - t0 < p.durationMs; i++) {
      if (i === p.congested) cfg.ms_inject_network_congestion = 0;
      const d = Buffer.allocUnsafe(p.msgSize);
      d.fill(i & 0xff);
      d.writeUInt32LE(k, 0);
      d.writeUInt32LE(i, 4);
      sent[k]!++;
      if (!c.send(new Message({ type: 2, data: d }))) {
        const tb = Date.now();
        await c.whenWritable();
        blockedMax = Math.max(blockedMax, Date.now() - tb);
      }
    }
  };
  await Promise.all(conns.map((_c, k) => flood(k)));
  const sendDone = Date.now() - t0;
  const deadline = Date.now() + 600_000;
  while (conns.some((c) => c.queuedBytes > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  s.stop();
  out({
    role: 'sender',
    sent,
    unacked: conns.map((c) => c.queuedBytes),
    elapsedMs: Date.now() - t0,
    sendDoneMs: sendDone,
    blockedMax,
    rssBaseline: s.baseline,
    rssMax: s.rssMax,
    atMax: s.atMax,
    backlogMax: s.backlogMax,
    faults: cs.flatMap((c) => c.faults),
    resets: cs.reduce((a, c) => a + c.resets, 0),
    remoteResets: cs.reduce((a, c) => a + c.remoteResets, 0),
    keepaliveAcks: cs.map((c) => c.keepaliveAcks),
    ackGapMax,
  });
  // stay connected until told to go (the receiver reports first, without teardown noise)
  for await (const l of createInterface({ input: process.stdin })) if (l.trim() === 'exit') break;
  for (const m of ms) await m.shutdown();
  process.exit(0);
}

const [role, json] = process.argv.slice(2);
if (role === 'receiver') await receiver(JSON.parse(json!) as ReceiverParams);
else await sender(JSON.parse(json!) as SenderParams);
