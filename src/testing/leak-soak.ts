/**
 * S28(b) leak soak (acceptance §7, bug #16): thousands of connect / markDown cycles and inbound
 * accepts over real loopback TCP, 10 % of them with an injected fault, then shutdown; reports
 * what must come back: registries (conns, accepting, anon, all, reap queue, transports) at 0,
 * open file descriptors back to the baseline, heap growth after GC.
 *
 * Lanes run in parallel, each with its own client messenger: lossy_client lanes talk to a
 * stateless_server, lossless_client lanes to a stateful_server. Each cycle connects, sends a
 * ping and then, by a seeded draw:
 *   10 % a fault is armed: the k-th breakpoint (k in 1..12: connect, banner, auth, ident,
 *        message read/write…) of the client messenger takes the fault path;
 *   20 % markDown right away (often mid-handshake);
 *   20 % the server marks its accepted connection down when the ping arrives (inbound side);
 *   50 % ping / pong;
 * then waits for the pong, a reset or a remote reset (bounded) and marks the connection down.
 * The numbers are measured after a warm-up round with its own messengers (JIT, module caches).
 *
 * Run as a script (what the test does): node --expose-gc --import tsx src/testing/leak-soak.ts
 * [cycles] → one JSON line. `global.gc` is needed for the heap figure.
 */
import { readdirSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { ConnId } from '../core/events.ts';
import type { Breakpoint, InterceptAction, Interceptor } from '../core/interceptor.ts';
import { SeededRandom } from '../core/random.ts';
import { Policy } from '../core/session/policy.ts';
import type { EntityAddr } from '../encoding/types/entity-addr.ts';
import { Message } from '../messages/message.ts';
import type { Connection } from '../node/connection.ts';
import { Messenger } from '../node/messenger.ts';

export interface LeakSoakResult {
  cycles: number;
  faultsArmed: number;
  faultsFired: number;
  serverMarkDowns: number;
  immediateMarkDowns: number;
  pongs: number;
  resets: number;
  remoteResets: number;
  timeouts: number;
  accepts: number;
  /** heap after GC with the messengers still running: at 25 % of the cycles and at the end */
  heapLiveQuarterMb: number;
  heapLiveEndMb: number;
  /** resources() of every soak messenger after shutdown, summed */
  left: Record<string, number>;
  fdBaseline: number;
  fdAfter: number;
  heapBaselineMb: number;
  heapAfterMb: number;
  gc: boolean;
  seconds: number;
}

/** ms_inject_socket_failures' deterministic cousin: FAULT at the k-th breakpoint once armed. */
class ArmedFault implements Interceptor {
  armed = 0;
  fired = 0;
  intercept(_conn: ConnId, _bp: Breakpoint): InterceptAction {
    if (this.armed > 0 && --this.armed === 0) {
      this.fired++;
      return 'FAULT';
    }
    return 'CONTINUE';
  }
}

const PING = 2;
const CONFIG = { ms_initial_backoff: 0.01, ms_max_backoff: 0.05, ms_connection_ready_timeout: 2 };

function fdCount(): number {
  try {
    return readdirSync('/proc/self/fd').length;
  } catch {
    return -1;
  }
}

async function settle(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 4 && gc; i++) {
    gc();
    await new Promise((r) => setImmediate(r));
  }
}

const mb = (n: number): number => Math.round((n / 1048576) * 100) / 100;

function gcHeapMb(): number {
  (globalThis as { gc?: () => void }).gc?.();
  return mb(process.memoryUsage().heapUsed);
}

async function round(cycles: number, lanes: number, seed: number): Promise<Omit<LeakSoakResult, 'fdBaseline' | 'fdAfter' | 'heapBaselineMb' | 'heapAfterMb' | 'gc' | 'seconds'>> {
  let heapLiveQuarterMb = 0;
  const st = { cycles: 0, faultsArmed: 0, faultsFired: 0, serverMarkDowns: 0, immediateMarkDowns: 0, pongs: 0, resets: 0, remoteResets: 0, timeouts: 0, accepts: 0 };
  const servers: Messenger[] = [];
  const addrs: EntityAddr[][] = [];
  for (const [i, pol] of [Policy.stateless_server(), Policy.stateful_server()].entries()) {
    const s = Messenger.create({ name: `osd.${i}`, config: CONFIG });
    s.setDefaultPolicy(pol);
    s.addDispatcher({
      dispatch(m, c) {
        if (m.data.toString() === 'bye') {
          st.serverMarkDowns++;
          c.markDown();
        } else c.send(new Message({ type: PING, data: m.data }));
      },
      handleAccept: () => void st.accepts++,
    });
    addrs.push(await s.bind('v2:127.0.0.1:0'));
    await s.start();
    servers.push(s);
  }
  const clients: Messenger[] = [];
  const lane = async (k: number): Promise<void> => {
    const ic = new ArmedFault();
    const lossless = k % 2 === 1;
    const m = Messenger.create({ name: `client.${k}`, config: CONFIG, interceptor: ic });
    clients.push(m);
    m.setDefaultPolicy(lossless ? Policy.lossless_client() : Policy.lossy_client());
    let current: Connection | undefined;
    let done: (() => void) | undefined;
    const end = (c: Connection): void => {
      if (c === current) done?.();
    };
    m.addDispatcher({
      dispatch: (_m, c) => {
        st.pongs++;
        end(c);
      },
      handleReset: (c) => {
        st.resets++;
        end(c);
      },
      handleRemoteReset: (c) => {
        st.remoteResets++;
        end(c);
      },
    });
    await m.start();
    const rng = new SeededRandom(seed * 100 + k);
    for (let i = k; i < cycles; i += lanes) {
      if (++st.cycles === Math.floor(cycles / 4)) heapLiveQuarterMb = gcHeapMb();
      const d = rng.next();
      if (d < 0.1) {
        ic.armed = 1 + Math.floor(rng.next() * 12);
        st.faultsArmed++;
      }
      const c = m.connectTo(addrs[lossless ? 1 : 0]!, 'osd');
      current = c;
      const answered = new Promise<boolean>((r) => {
        const t = setTimeout(() => r(false), 3000);
        done = () => {
          clearTimeout(t);
          r(true);
        };
      });
      const bye = d >= 0.3 && d < 0.5;
      c.send(new Message({ type: PING, data: Buffer.from(bye ? 'bye' : `ping ${i}`) }));
      if (d >= 0.1 && d < 0.3) {
        st.immediateMarkDowns++;
        done!();
      }
      if (!(await answered)) st.timeouts++;
      current = undefined;
      done = undefined;
      ic.armed = 0;
      c.markDown();
    }
    st.faultsFired += ic.fired;
  };
  await Promise.all(Array.from({ length: lanes }, (_, k) => lane(k)));
  await settle(200);
  const heapLiveEndMb = gcHeapMb();
  const left: Record<string, number> = {};
  for (const m of [...clients, ...servers]) {
    await m.shutdown();
    for (const [k, v] of Object.entries(m.resources())) left[k] = (left[k] ?? 0) + Number(v);
  }
  return { ...st, heapLiveQuarterMb, heapLiveEndMb, left };
}

export async function runLeakSoak(cycles: number, lanes = 4, seed = 28): Promise<LeakSoakResult> {
  const t0 = Date.now();
  await round(Math.min(400, cycles), lanes, seed + 1); // warm-up
  await settle(200);
  const fdBaseline = fdCount();
  const heapBaseline = process.memoryUsage().heapUsed;
  const r = await round(cycles, lanes, seed);
  await settle(300);
  return {
    ...r,
    fdBaseline,
    fdAfter: fdCount(),
    heapBaselineMb: mb(heapBaseline),
    heapAfterMb: mb(process.memoryUsage().heapUsed),
    gc: typeof (globalThis as { gc?: unknown }).gc === 'function',
    seconds: (Date.now() - t0) / 1000,
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const n = Number(process.argv[2] ?? 4000);
  runLeakSoak(n).then(
    (r) => {
      process.stdout.write(JSON.stringify(r) + '\n');
      process.exit(0);
    },
    (e: unknown) => {
      process.stderr.write(`leak soak failed: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(1);
    },
  );
}
