/**
 * Exactly-once across socket faults, between two Node processes over loopback TCP: 100,000
 * messages of mixed sizes (64 B … 1 MiB) on one lossless session (lossless_client →
 * stateful_server), with the socket killed every 2,000 messages (a FAULT at every 2000th
 * MESSAGE write tears the socket down exactly as an IO error would). The receiver process checks
 * order, duplicates, gaps and content: 0 lost, 0 duplicated, 0 out of order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { Message } from '../../src/messages/message.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { Messenger } from '../../src/node/messenger.ts';
import { RuleInterceptor } from '../../src/testing/fault-interceptor.ts';
import { makePayload } from '../helpers/payload.ts';

const N = Number(process.env.LOSSLESS_N ?? 100_000);
const KILL_EVERY = 2000;

export async function runLossless(opts: { n: number; killEvery: number; receiverBind: string; connectMsgr1?: boolean }) {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./receiver.ts', import.meta.url)), 'stateful_server', opts.receiverBind], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout! });
  const pending: Array<(l: string) => void> = [];
  lines.on('line', (l) => pending.shift()?.(l));
  const nextLine = (): Promise<string> => new Promise((r) => pending.push(r));
  try {
    const { addrs } = JSON.parse(await nextLine()) as { addrs: string };
    const ic = new RuleInterceptor();
    let kills = 0;
    ic.onHit = (_c, bp, n) => {
      if ((bp === 'MESSAGE:w' || bp === 'MSG:w') && n % opts.killEvery === 0) {
        kills++;
        return 'FAULT';
      }
      return undefined;
    };
    const m = Messenger.create({
      name: 'osd.0',
      interceptor: ic,
      config: { ms_initial_backoff: 0.01, ms_max_backoff: 0.1, ms_send_queue_high_water: 32 << 20, ms_connect_msgr1: !!opts.connectMsgr1 },
    });
    m.setDefaultPolicy(Policy.lossless_client());
    await m.start();
    const c = m.connectTo(addrs, 'osd');
    const t0 = Date.now();
    let bytes = 0;
    for (let i = 0; i < opts.n; i++) {
      const data = makePayload(i);
      bytes += data.length;
      if (!c.send(new Message({ type: 2, data }))) await c.whenWritable();
    }
    // wait until everything is acknowledged by the receiver
    const deadline = Date.now() + 120_000;
    while (c.queuedBytes > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (Date.now() - t0) / 1000;
    child.stdin!.write('report\n');
    const rep = JSON.parse(await nextLine()) as Record<string, number>;
    const stats = c.stats!;
    await m.shutdown();
    return { rep, kills, elapsed, bytes, reconnects: stats.reconnects, connectAttempts: stats.connectAttempts };
  } finally {
    child.stdin!.end();
    await new Promise((r) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL');
        r(undefined);
      }, 5000);
      child.once('exit', () => {
        clearTimeout(t);
        r(undefined);
      });
    });
  }
}

test(`lossless msgr2 session between two processes: ${N} messages, socket killed every ${KILL_EVERY}`, { timeout: 300_000 }, async () => {
  const r = await runLossless({ n: N, killEvery: KILL_EVERY, receiverBind: 'v2:127.0.0.1:0' });
  console.log(
    `# ${N} msgs, ${(r.bytes / 1e6).toFixed(0)} MB in ${r.elapsed.toFixed(1)} s; socket kills ${r.kills}; reconnects ${r.reconnects}; receiver ${JSON.stringify(r.rep)}`,
  );
  assert.ok(r.kills >= Math.floor(N / KILL_EVERY) - 1, `kills ${r.kills}`);
  assert.ok(r.reconnects >= r.kills, 'every kill was healed by a session reconnect');
  assert.equal(r.rep.unique, N, 'lost = 0');
  assert.equal(r.rep.duplicates, 0, 'duplicated = 0');
  assert.equal(r.rep.reordered, 0, 'out of order = 0');
  assert.equal(r.rep.gaps, 0);
  assert.equal(r.rep.corrupt, 0);
  assert.equal(r.rep.remoteResets, 0);
});
