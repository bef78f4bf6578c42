/**
 * The processes of the seed demo (`npm start`), each run with `fork()`:
 *   osd   — an OSD with two messengers, as in the seed: `ms_public` (logical name "client",
 *           stateful_server for clients) and `ms_cluster` ("cluster", lossless_peer with OSDs).
 *           It answers every client op and replicates it to its peer OSD.
 *   peer  — the peer OSD: a cluster messenger that acks every replicated op.
 *   client — sends ops to the OSD's public address over a lossless_client session.
 * Every message carries [u32 stream][u32 index]; receivers check order, gaps and duplicates per
 * stream and report to the parent over IPC.
 */
import { Buffer } from 'node:buffer';
import { formatAddrVec } from '../../encoding/types/entity-addr.ts';
import { Message } from '../../messages/message.ts';
import { Policy } from '../../core/session/policy.ts';
import { Messenger } from '../../node/messenger.ts';
import type { Connection } from '../../node/connection.ts';
import { RuleInterceptor } from '../../testing/fault-interceptor.ts';

export type ToChild = { cmd: 'start'; role: string; args: Record<string, string | number> } | { cmd: 'fault' } | { cmd: 'report' } | { cmd: 'stop' };
export interface StreamStats {
  received: number;
  unique: number;
  duplicates: number;
  gaps: number;
}
export interface Report {
  role: string;
  sent: Record<string, number>;
  recv: Record<string, StreamStats>;
  reaped: number;
  reconnects: number;
  faults: number;
}

const OP = 0x7001; // an application message type of this demo

function msg(stream: number, index: number, size: number): Message {
  const data = Buffer.alloc(Math.max(8, size));
  data.writeUInt32LE(stream, 0);
  data.writeUInt32LE(index, 4);
  return new Message({ type: OP, data });
}

class Tracker {
  sent: Record<string, number> = {};
  recv: Record<string, StreamStats> = {};
  private next = new Map<number, number>();
  count(m: Message): { stream: number; index: number } {
    const stream = m.data.readUInt32LE(0);
    const index = m.data.readUInt32LE(4);
    const st = (this.recv[stream] ??= { received: 0, unique: 0, duplicates: 0, gaps: 0 });
    st.received++;
    const exp = this.next.get(stream) ?? 0;
    if (index === exp) st.unique++;
    else if (index < exp) st.duplicates++;
    else {
      st.gaps += index - exp;
      st.unique++;
    }
    if (index >= exp) this.next.set(stream, index + 1);
    return { stream, index };
  }
  send(c: Connection, stream: number, index: number, size: number): boolean {
    this.sent[stream] = (this.sent[stream] ?? 0) + 1;
    return c.send(msg(stream, index, size));
  }
}

function send(msg: unknown): void {
  process.send?.(msg);
}

async function run(role: string, args: Record<string, string | number>): Promise<void> {
  const t = new Tracker();
  const faultArmed = new Set<string>();
  const ic = new RuleInterceptor();
  const faulted = new Set<number>();
  ic.onHit = (conn, bp) => {
    if (bp === 'MESSAGE:w' && faultArmed.has('on') && !faulted.has(conn)) {
      faulted.add(conn);
      return 'FAULT';
    }
    return undefined;
  };
  const msgrs: Messenger[] = [];
  let reaped = 0;
  const track = (m: Messenger): Messenger => {
    m.on('reaped', () => void reaped++);
    msgrs.push(m);
    return m;
  };
  const stats = (): Report => {
    let reconnects = 0;
    let faults = 0;
    for (const m of msgrs)
      for (const c of m.connections()) {
        reconnects += c.stats?.reconnects ?? 0;
        faults += c.stats?.faults ?? 0;
      }
    return { role, sent: t.sent, recv: t.recv, reaped, reconnects, faults };
  };

  if (role === 'peer') {
    const cluster = track(Messenger.create({ name: 'osd.1', logicalName: 'cluster', nonce: process.pid, interceptor: ic }));
    cluster.setPolicy('osd', Policy.lossless_peer());
    let acks = 0;
    cluster.addDispatcher({
      dispatch(m, c) {
        const { index } = t.count(m);
        t.send(c, 20, acks++, 16);
        void index;
      },
    });
    const a = await cluster.bind('v2:127.0.0.1:0');
    await cluster.start();
    send({ ready: formatAddrVec(a) });
  } else if (role === 'osd') {
    // the seed: one messenger per role, each named osd.0 with the pid as nonce
    const pub = track(Messenger.create({ name: 'osd.0', logicalName: 'client', nonce: process.pid, interceptor: ic }));
    const cluster = track(Messenger.create({ name: 'osd.0', logicalName: 'cluster', nonce: process.pid + 1, interceptor: ic }));
    pub.setPolicy('client', Policy.stateful_server());
    cluster.setPolicy('osd', Policy.lossless_peer());
    const peerConn = (): Connection => cluster.connectTo(String(args.peer), 'osd');
    const replies = new Map<Connection, number>();
    let repops = 0;
    pub.addDispatcher({
      dispatch(m, c) {
        const { stream } = t.count(m);
        const n = replies.get(c) ?? 0;
        replies.set(c, n + 1);
        t.send(c, stream + 100, n, 64); // reply to the client
        t.send(peerConn(), 10, repops++, m.data.length); // replicate to the peer OSD
      },
    });
    cluster.addDispatcher({ dispatch: (m) => void t.count(m) });
    const pa = await pub.bind('v2:127.0.0.1:0');
    await cluster.bind('v2:127.0.0.1:0');
    await pub.start();
    await cluster.start();
    send({ ready: formatAddrVec(pa) });
  } else {
    const stream = Number(args.stream);
    const cl = track(Messenger.create({ name: `client.${stream}`, logicalName: 'client', nonce: process.pid, interceptor: ic }));
    cl.setDefaultPolicy(Policy.lossless_client());
    cl.addDispatcher({ dispatch: (m) => void t.count(m) });
    await cl.start();
    const c = cl.connectTo(String(args.osd), 'osd');
    send({ ready: 'client' });
    const n = Number(args.ops);
    void (async () => {
      for (let i = 0; i < n; i++) {
        if (!t.send(c, stream, i, 64 + ((i * 37) % 4000))) await c.whenWritable();
        if (i % 64 === 0) await new Promise((r) => setImmediate(r));
        if (i % 500 === 0) send({ progress: stats() });
      }
      send({ progress: stats() });
    })();
  }

  process.on('message', (m: ToChild) => {
    if (m.cmd === 'fault') faultArmed.add('on');
    else if (m.cmd === 'report') send({ report: stats() });
    else if (m.cmd === 'stop') {
      void (async () => {
        const final = stats();
        for (const x of msgrs) await x.shutdown();
        const left = msgrs.map((x) => x.resources()).reduce((a, r) => a + r.sockets + r.all + r.listeners + r.dispatchQueue, 0);
        send({ stopped: { ...final, reaped }, left });
        process.exit(0);
      })();
    }
  });
}

process.once('message', (m: ToChild) => {
  if (m.cmd === 'start') void run(m.role, m.args);
});
