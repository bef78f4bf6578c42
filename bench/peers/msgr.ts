/** ceph-msgr over msgr2.1 (extra = 'crc' | 'secure'), lossy_client -> stateless_server. */
import { randomBytes } from 'node:crypto';
import { Message } from '../../src/messages/message.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { Messenger } from '../../src/node/messenger.ts';
import { formatAddrVec } from '../../src/encoding/types/entity-addr.ts';
import { BENCH_SECRET, sharedSecretClient, sharedSecretServer } from '../../src/perf/shared-secret-auth.ts';
import { RecvMeter, emit, parseArgs, percentiles } from './common.ts';

const a = parseArgs();
const secure = a.extra === 'secure';
const modes = secure ? [2] : [1];
const payload = Buffer.alloc(a.size, 7);
const PERF = 0x7fe0;
const auth = { secret: BENCH_SECRET, serviceType: 4, modes, random: (n: number) => randomBytes(n), now: () => Date.now() };
const cfg = { ms_dispatch_throttle_bytes: 256 << 20 };

async function main(): Promise<void> {
  if (a.role === 'recv' || a.role === 'echo') {
    const m = Messenger.create({ name: 'osd.0', config: cfg, authServer: sharedSecretServer(auth), authClient: sharedSecretClient({ type: 4, id: '0' }, auth) });
    m.setDefaultPolicy(Policy.stateless_server());
    const meter = new RecvMeter(a.count);
    m.addDispatcher({
      dispatch(msg, c) {
        if (a.role === 'echo') c.send(new Message({ type: PERF, data: msg.data }));
        else if (meter.got(msg.data.length)) setTimeout(() => process.exit(0), 10);
      },
    });
    const addrs = await m.bind('v2:127.0.0.1:0');
    await m.start();
    emit({ ready: true, addrs: formatAddrVec(addrs) });
  } else {
    const m = Messenger.create({ name: 'client.bench', config: cfg, authClient: sharedSecretClient({ type: 8, id: 'bench' }, auth) });
    m.setDefaultPolicy(Policy.lossy_client());
    await m.start();
    const target = process.env.BENCH_ADDRS!;
    if (a.role === 'send') {
      const c = m.connectTo(target, 'osd');
      for (let i = 0; i < a.count; i++) {
        if (!c.send(new Message({ type: PERF, data: payload }))) await c.whenWritable();
        else if ((i & 1023) === 1023) await new Promise((r) => setImmediate(r));
      }
      emit({ sent: a.count });
      return; // stay alive until the orchestrator stops us: queued bytes still need writing
    } else {
      const rtts: number[] = [];
      let t = 0;
      let c: ReturnType<typeof m.connectTo>;
      const done = new Promise<void>((res) =>
        m.addDispatcher({
          dispatch() {
            rtts.push((performance.now() - t) * 1000);
            if (rtts.length === a.count) return res();
            t = performance.now();
            c.send(new Message({ type: PERF, data: payload }));
          },
        }),
      );
      c = m.connectTo(target, 'osd');
      // warm up the session first, so the handshake is not counted
      await new Promise<void>((r) => m.once('connect', () => r()));
      t = performance.now();
      c.send(new Message({ type: PERF, data: payload }));
      await done;
      const p = percentiles(rtts.slice());
      emit({ done: true, msgs: a.count, msgs_per_s: a.count / (rtts.reduce((x, y) => x + y, 0) / 1e6), p50_us: p.p50, p99_us: p.p99 });
    }
    setTimeout(() => process.exit(0), 50);
  }
}
void main();
