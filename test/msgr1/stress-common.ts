/**
 * The msgr1 stress run shared by the suite variant (stress.test.ts) and the full run
 * (stress-100k.run.ts): a child process runs the receiving server (stress-server.ts); this
 * process sends `total` messages of mixed sizes (64 B .. 1 MiB) over one lossless msgr1 session
 * (lossless_client → stateful_server) while its interceptor FAULTs the socket at every
 * `killEvery`-th MSG:w breakpoint (the connection drops, reconnects, replays unacked messages).
 * Returns what both sides counted.
 */
import { fork } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { fileURLToPath } from 'node:url';
import { crc32c } from '../../src/encoding/crc32c.ts';
import type { EntityAddr } from '../../src/encoding/types/entity-addr.ts';
import { Policy } from '../../src/core/session/policy.ts';
import type { ConnId } from '../../src/core/events.ts';
import type { Breakpoint, InterceptAction, Interceptor } from '../../src/core/interceptor.ts';
import { SeededRandom } from '../../src/core/random.ts';
import { Message } from '../../src/messages/message.ts';
import { Messenger } from '../../src/node/messenger.ts';
import type { StressReport } from './stress-server.ts';

export interface StressResult {
  server: StressReport;
  sent: number;
  sentBytes: number;
  killed: number;
  connectAttempts: number;
  clientResets: number;
  clientRemoteResets: number;
  ms: number;
}

/** FAULT every n-th MSG:w (a socket kill on the sender, mid-stream). */
class KillEvery implements Interceptor {
  hits = 0;
  killed = 0;
  constructor(readonly n: number) {}
  intercept(_c: ConnId, bp: Breakpoint): InterceptAction {
    if (bp !== 'MSG:w') return 'CONTINUE';
    if (++this.hits % this.n !== 0) return 'CONTINUE';
    this.killed++;
    return 'FAULT';
  }
}

/** Sizes: 90% 64 B..1 KiB, 9% 1..64 KiB, 1% 64 KiB..1 MiB (deterministic). */
function sizeAt(r: SeededRandom): number {
  const p = r.next();
  const u = r.next();
  if (p < 0.9) return 64 + Math.floor(u * (1024 - 64));
  if (p < 0.99) return 1024 + Math.floor(u * (65536 - 1024));
  return 65536 + Math.floor(u * (1048576 - 65536 + 1));
}

const POOL_LEN = 2 * 1048576;

export async function runStress(total: number, killEvery: number, seed = 1): Promise<StressResult> {
  const t0 = Date.now();
  const child = fork(fileURLToPath(new URL('./stress-server.ts', import.meta.url)), [], {
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const replies: Array<(m: { kind: string; addrs?: EntityAddr[]; report?: StressReport }) => void> = [];
  child.on('message', (m: { kind: string }) => replies.shift()?.(m as never));
  const next = (): Promise<{ kind: string; addrs?: EntityAddr[]; report?: StressReport }> => new Promise((r) => replies.push(r));
  const ask = async (): Promise<StressReport> => {
    const p = next();
    child.send({ kind: 'report' });
    return (await p).report!;
  };
  const ic = new KillEvery(killEvery);
  // A FAULT at MSG:w kills the socket before anything of the write batch being built goes out
  // (those messages are requeued and resent, as after a real socket error). The retry batch holds
  // the same messages, so a batch of killEvery or more messages would fault forever: batches are
  // kept below killEvery messages (worst case: all 76-byte records).
  const batch = Math.max(4096, Math.min(256 * 1024, Math.floor((killEvery - 1) * 76 * 0.8)));
  const ms = Messenger.create({ name: 'client.-1', interceptor: ic, config: { ms_write_batch_bytes: batch } });
  ms.setDefaultPolicy(Policy.lossless_client());
  let resets = 0;
  let remoteResets = 0;
  ms.addDispatcher({ handleReset: () => void resets++, handleRemoteReset: () => void remoteResets++ });
  try {
    const listening = await next();
    await ms.start();
    const conn = ms.connectTo(listening.addrs!, 'osd');
    const rnd = new SeededRandom(seed);
    const pool = rnd.bytes(POOL_LEN);
    let sent = 0;
    let sentBytes = 0;
    const WINDOW = 16 * 1048576;
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        try {
          while (sent < total && conn.queuedBytes < WINDOW) {
            const len = sizeAt(rnd);
            const off = Math.floor(rnd.next() * (POOL_LEN - len));
            const data = pool.subarray(off, off + len);
            const front = Buffer.alloc(12);
            front.writeUInt32LE(sent, 0);
            front.writeUInt32LE(crc32c(0, data), 4);
            front.writeUInt32LE(len, 8);
            conn.send(new Message({ type: 0x7001, front, data }));
            sent++;
            sentBytes += len + 12;
          }
          if (sent === total) resolve();
        } catch (e) {
          reject(e);
        }
      };
      ms.on('acked', pump);
      pump();
    });
    // everything acknowledged by the receiver
    for (;;) {
      if (conn.queuedBytes === 0 && conn.isConnected()) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    let server = await ask();
    for (let i = 0; i < 200 && server.received < total; i++) {
      await new Promise((r) => setTimeout(r, 10));
      server = await ask();
    }
    return {
      server,
      sent,
      sentBytes,
      killed: ic.killed,
      connectAttempts: conn.stats?.connectAttempts ?? 0,
      clientResets: resets,
      clientRemoteResets: remoteResets,
      ms: Date.now() - t0,
    };
  } finally {
    await ms.shutdown();
    child.send({ kind: 'exit' });
    await new Promise((r) => child.once('exit', r));
  }
}
