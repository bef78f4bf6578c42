/**
 * `ceph-msgr stress`: Ceph's synthetic messenger workload (test_msgr's SyntheticWorkload) in this
 * process over loopback TCP — N server messengers osd.0…, M client messengers client.0…, every
 * client connected to every server (N × M connections) — with any Ceph option as a flag
 * (fault injection: --ms-inject-socket-failures 30, --ms-inject-delay-type osd, …).
 * A one-line progress on stderr; ONE JSON line on stdout at the end; exit status 1 when a
 * tracked message was lost, duplicated, reordered or corrupted (or something leaked).
 */
import { randomBytes } from 'node:crypto';
import type { MsgrConfig } from '../../core/config.ts';
import { toMsgrConfig } from '../../config/config.ts';
import type { OptionName } from '../../config/options.ts';
import type { PayloadDist } from '../../testing/synthetic-payload.ts';
import { MIX_STATEFUL, type OpMix } from '../../testing/synthetic.ts';
import { STRESS_POLICIES, runStress, stressFailed, type StressPolicy, type StressProgress } from '../../testing/stress-run.ts';
import type { CliIO, Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { COMMON_USAGE, parseOrHelp } from '../options.ts';
import { startObservability } from '../../admin/open.ts';
import type { Messenger } from '../../node/messenger.ts';

const USAGE = `usage: ceph-msgr stress [--messengers N] [--connections M] [--messages K | --duration SECS]
                        [--policy lossless_peer|lossless_peer_reuse|lossless_client|lossy_client]
                        [--ms-mode crc|secure] [--protocol 2|1] [--auth none|cephx] [--seed S] [--json]
                        [--ms-inject-socket-failures N] [--ANY-CEPH-OPTION VALUE] …

Ceph's synthetic messenger workload (test_msgr SyntheticWorkload) in this process, over
loopback TCP: N server messengers (osd.0 … osd.N-1) and M client messengers (client.0 …
client.M-1); every client connects to every server, so there are N × M connections. The workload
then mixes operations (default Ceph's SyntheticInjectTest mix: 9 % connect, 10 % drop, 70 % send,
11 % sleep 0.1–0.6 ms). A send is an untracked priority-200 command (5 %) or a tracked ping
carrying a random payload (32 B … 4 MiB) that the server answers with a pong carrying the same
seq and data; the client checks each pong is the next one expected on its connection and
byte-identical. A reset or drop of a connection discards what it still expected.

Options:
  --messengers N        server messengers (default 8)
  --connections M       client messengers, each connected to every server (default 4)
  --messages K          messages to send (default 10000)
  --duration SECS       run for SECS instead of a message count (a soak)
  --policy P            lossless_peer (default, both sides), lossless_peer_reuse,
                        lossless_client (servers stateful_server), lossy_client (stateless_server)
  --ms-mode MODE        crc (default) or secure (needs cephx; default auth then)
  --protocol 2|1        msgr2 (default) or msgr1 (v1 addresses; no secure mode)
  --auth none|cephx     auth between the messengers (cephx: authorizers from a generated keyring)
  --seed S              seeds the workload, the payloads and ms_inject_seed (+ messenger index);
                        printed in the result so a failure can be replayed (default random)
  --json                no progress and no summary on stderr, just the JSON line
  --min-payload B, --max-payload B   payload sizes (default 32, 4194304)
  --payload-dist uniform|log         size distribution (default log; Ceph's test uses uniform)
  --payload-count N     buffers in the payload pool (default 100)
  --max-in-flight N     tracked pings outstanding before sends block (default 64)
  --mix C,D,S           connect/drop/send percentages, the rest sleeps (default 9,10,70)
  --drain-timeout SECS  bound of the final drain (default 300)
  --transport tcp|sim   real loopback TCP (default) or the simulated network (virtual time)
  --discard-on-connect  Ceph's exact semantics: a (re)connect also discards expectations
  Messenger defaults changed unless given: ms_max_backoff 1 (as ceph_test_msgr).

Output: {"sent":…,"delivered":…,"lost":…,"duplicated":…,"reordered":…,"resets":…,
"reconnects":…,"rss_mb_max":…,"seed":…, …more counters}

${COMMON_USAGE}`;

const FLAGS: Record<string, boolean> = {
  '--messengers': true,
  '--connections': true,
  '--messages': true,
  '--duration': true,
  '--policy': true,
  '--protocol': true,
  '--auth': true,
  '--seed': true,
  '--json': false,
  '--min-payload': true,
  '--max-payload': true,
  '--payload-dist': true,
  '--payload-count': true,
  '--max-in-flight': true,
  '--mix': true,
  '--drain-timeout': true,
  '--transport': true,
  '--discard-on-connect': false,
};

function int(v: string | true | undefined, flag: string, def: number, min = 0): number {
  if (v === undefined) return def;
  const n = Number(v);
  if (v === true || !Number.isInteger(n) || n < min) throw new UsageError(`${flag} needs an integer >= ${min} (got '${String(v)}')`);
  return n;
}

function num(v: string | true | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (v === true || !Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} needs a positive number (got '${String(v)}')`);
  return n;
}

function oneOf<T extends string>(v: string | true | undefined, flag: string, allowed: readonly T[], def: T): T {
  if (v === undefined) return def;
  const s = v === true ? '' : v.replace(/-/g, '_');
  const hit = allowed.find((a) => a === s || a.replace(/-/g, '_') === s);
  if (!hit) throw new UsageError(`${flag} must be one of ${allowed.join(', ')} (got '${String(v)}')`);
  return hit;
}

/** Take --ms-mode out before the common parser (which maps it to the mon client mode). */
function takeMsMode(args: string[]): { rest: string[]; mode: string | undefined } {
  const rest: string[] = [];
  let mode: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      rest.push(...args.slice(i));
      break;
    }
    const m = /^--ms[-_]mode(?:=(.*))?$/.exec(a);
    if (!m) rest.push(a);
    else if (m[1] !== undefined) mode = m[1];
    else if (i + 1 < args.length) mode = args[++i];
    else throw new UsageError('option --ms-mode needs a value');
  }
  return { rest, mode };
}

function progressLine(p: StressProgress, target: string): string {
  const c = p.counts;
  return (
    `stress ${p.phase} ${p.elapsedS.toFixed(0)}s: sent ${c.sent + c.commands}${target} delivered ${c.delivered} in-flight ${c.pending} ` +
    `conns ${c.connections} lost ${c.lost - c.pending} dup ${c.duplicated} reord ${c.reordered} resets ${c.resets + c.remoteResets} ` +
    `reconnects ${c.reconnects} faults ${p.socketFailures} rss ${p.rssMb.toFixed(0)} MB`
  );
}

export const stressCommand: Command = {
  name: 'stress',
  summary: "Ceph's synthetic messenger workload with fault injection (loopback)",
  usage: USAGE,
  async run(argv: string[], io: CliIO): Promise<number> {
    const { rest, mode: modeArg } = takeMsMode(argv);
    const o = parseOrHelp(rest, io, FLAGS, USAGE);
    if (!o) return 0;
    if (o.positional.length) throw new UsageError(`stress takes no arguments (got '${o.positional[0]}')`);
    const f = o.flags;
    const json = f.has('--json') || o.format === 'json' || o.format === 'json-pretty';
    const protocol = oneOf(f.get('--protocol'), '--protocol', ['2', '1'] as const, '2') === '1' ? 1 : 2;
    const mode = oneOf(modeArg, '--ms-mode', ['crc', 'secure'] as const, 'crc');
    const auth = oneOf(f.get('--auth'), '--auth', ['none', 'cephx'] as const, mode === 'secure' ? 'cephx' : 'none');
    if (protocol === 1 && mode === 'secure') throw new UsageError('msgr1 has no secure mode (use --protocol 2, or --auth cephx for signed msgr1)');
    if (mode === 'secure' && auth !== 'cephx') throw new UsageError('--ms-mode secure needs an auth method with a session key (--auth cephx)');
    const policy: StressPolicy = oneOf(f.get('--policy'), '--policy', STRESS_POLICIES, 'lossless_peer');
    const durationS = num(f.get('--duration'), '--duration');
    if (durationS !== undefined && f.has('--messages')) throw new UsageError('give --messages or --duration, not both');
    const messages = durationS === undefined ? int(f.get('--messages'), '--messages', 10_000, 1) : undefined;
    const seedArg = f.get('--seed');
    const seed = seedArg === undefined ? randomBytes(4).readUInt32LE(0) || 1 : int(seedArg, '--seed', 0, 0) >>> 0;
    const min = int(f.get('--min-payload'), '--min-payload', 32, 1);
    const max = int(f.get('--max-payload'), '--max-payload', 4 << 20, min);
    const dist = oneOf(f.get('--payload-dist'), '--payload-dist', ['uniform', 'log'] as const, 'log') as PayloadDist;
    let mix: OpMix = MIX_STATEFUL;
    const mixArg = f.get('--mix');
    if (mixArg !== undefined) {
      const p = String(mixArg).split(',').map(Number);
      if (p.length !== 3 || p.some((x) => !Number.isInteger(x) || x < 0) || p[0]! + p[1]! + p[2]! > 100 || p[2]! === 0) {
        throw new UsageError(`--mix needs three percentages CONNECT,DROP,SEND (sum <= 100, SEND > 0), got '${String(mixArg)}'`);
      }
      mix = { connect: p[0]!, drop: p[1]!, send: p[2]! };
    }
    const cfg = o.config;
    const config: Partial<MsgrConfig> = toMsgrConfig(cfg);
    const isDefault = (n: OptionName): boolean => cfg.source(n).source === 'default';
    if (isDefault('ms_max_backoff')) config.ms_max_backoff = 1;
    if (isDefault('ms_inject_seed')) config.ms_inject_seed = seed;
    const servers = int(f.get('--messengers'), '--messengers', 8, 1);
    const clients = int(f.get('--connections'), '--connections', 4, 1);
    const target = messages !== undefined ? `/${messages}` : ` (${durationS}s)`;
    const tty = !!(process.stderr as { isTTY?: boolean }).isTTY;
    let lastLine = 0;
    const onProgress = (p: StressProgress): void => {
      if (json) return;
      if (tty) io.err(`\r${progressLine(p, target)}\x1b[K`);
      else if (Date.now() - lastLine >= 10_000) {
        lastLine = Date.now();
        io.err(progressLine(p, target) + '\n');
      }
    };
    if (!json) {
      io.err(
        `stress: ${servers} servers × ${clients} clients (${servers * clients} connections), policy ${policy}, ` +
          `${protocol === 1 ? 'msgr1' : `msgr2 ${mode}`}, auth ${auth}, seed ${seed}` +
          (config.ms_inject_socket_failures ? `, ms_inject_socket_failures ${config.ms_inject_socket_failures}` : '') +
          '\n',
      );
    }
    let list: () => Messenger[] = () => [];
    const obs = await startObservability(() => list(), cfg); // --admin-socket PATH, --metrics-port N
    const r = await runStress({
      exposeMessengers: (l) => void (list = l),
      servers,
      clients,
      ...(messages !== undefined ? { messages } : {}),
      ...(durationS !== undefined ? { durationMs: durationS * 1000 } : {}),
      policy,
      protocol,
      mode,
      auth,
      seed,
      config,
      transport: oneOf(f.get('--transport'), '--transport', ['tcp', 'sim'] as const, 'tcp'),
      payload: { min, max, dist, count: int(f.get('--payload-count'), '--payload-count', 100, 1) },
      maxInFlight: int(f.get('--max-in-flight'), '--max-in-flight', 64, 1),
      mix,
      drainMs: (num(f.get('--drain-timeout'), '--drain-timeout') ?? 300) * 1000,
      discardOnConnect: f.has('--discard-on-connect'),
      onProgress,
      ...(io.signal ? { signal: io.signal } : {}),
    });
    await obs.close();
    const failed = stressFailed(r);
    if (!json) {
      if (tty) io.err('\n');
      io.err(
        `stress ${failed ? 'FAILED' : 'OK'}: sent ${r.sent} tracked (+${r.commands} commands), delivered ${r.delivered}, lost ${r.lost}, ` +
          `duplicated ${r.duplicated}, reordered ${r.reordered}, corrupt ${r.corrupt}, discarded by resets/drops ${r.discarded}, ` +
          `resets ${r.resets}, reconnects ${r.reconnects}, socket faults ${r.socket_failures}, ${r.elapsed_s} s, ` +
          `rss ${r.rss_mb_start}→${r.rss_mb_end} MB (max ${r.rss_mb_max})${r.drained ? '' : ', NOT DRAINED'}${r.left ? `, ${r.left} resources left` : ''}` +
          (failed ? `; replay with --seed ${r.seed}` : '') +
          '\n',
      );
    }
    io.out(JSON.stringify(r) + '\n');
    if (r.interrupted) return 130;
    return failed ? 1 : 0;
  },
};
