/**
 * `npm run bench -- mon [--n N] [--warmup N] [--cmd 'mon dump'|status] [--mode 'secure crc'] [--json]`
 *
 * Starts a throwaway cephx mon (../shared/ceph/mon-up.sh, loopback, auto ports, debug_ms 0), then
 * in the same run issues the same mon command N times sequentially on ONE persistent session with
 * ceph-msgr's MonClient and with librados, alternating the two for R rounds (median reported), (python3-rados, `Rados.mon_command`, run by
 * /usr/bin/python3; installs python3-rados with apt-get when the module is missing), and prints
 * commands/s for both and the ratio ours/librados (`--json`: one JSON line). The mon is stopped
 * at the end, also on errors and signals.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.ts';
import { monClientFromConfig } from '../src/monc/from-config.ts';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..');
const SHARED = join(ROOT, '..', 'shared', 'ceph');
const PY = '/usr/bin/python3';

interface Opts {
  n: number;
  rounds: number;
  warmup: number;
  cmd: string;
  mode: string;
  json: boolean;
}

const USAGE = `usage: npm run bench -- mon [--n N] [--rounds R] [--warmup N] [--cmd 'mon dump'|status] [--mode MODES] [--json]
  --n N        commands per client and round (default 2000)
  --rounds R   alternate the two clients R times; the median round counts (default 3)
  --warmup N   untimed commands first (default 100)
  --cmd PREFIX the mon command, sent as {"prefix":PREFIX,"format":"json"} (default 'mon dump')
  --mode MODES ms_mon_client_mode for both clients (default 'secure crc', Ceph's default)
  --json       print one JSON line
`;

function parse(args: string[]): Opts | undefined {
  const o: Opts = { n: 2000, rounds: 3, warmup: 100, cmd: 'mon dump', mode: 'secure crc', json: false };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const v = (): string => {
      const x = args[++i];
      if (x === undefined) throw new Error(`${a} needs a value`);
      return x;
    };
    if (a === '--n') o.n = Number(v());
    else if (a === '--rounds') o.rounds = Number(v());
    else if (a === '--warmup') o.warmup = Number(v());
    else if (a === '--cmd') o.cmd = v();
    else if (a === '--mode') o.mode = v();
    else if (a === '--json') o.json = true;
    else if (a === '--help' || a === '-h') return undefined;
    else throw new Error(`unknown option ${a}`);
  }
  if (![o.n, o.rounds].every((x) => Number.isInteger(x) && x > 0) || !Number.isInteger(o.warmup) || o.warmup < 0) {
    throw new Error('--n, --rounds and --warmup take positive integers');
  }
  return o;
}

function sh(cmd: string, args: string[], opts: { quiet?: boolean } = {}): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      if (!opts.quiet) process.stderr.write(d);
    });
    p.on('error', reject);
    p.on('close', (code) => resolve({ code: code ?? -1, out, err }));
  });
}

async function ensureRados(): Promise<void> {
  const probe = await sh(PY, ['-c', 'import rados'], { quiet: true });
  if (probe.code === 0) return;
  process.stderr.write('bench mon: python3 rados module missing; installing python3-rados (apt-get)\n');
  const r = await sh('apt-get', ['install', '-y', 'python3-rados']);
  if (r.code !== 0) throw new Error('apt-get install -y python3-rados failed');
  const again = await sh(PY, ['-c', 'import rados'], { quiet: true });
  if (again.code !== 0) throw new Error(`${PY} still cannot import rados: ${again.err.trim()}`);
}

const PY_BENCH = `
import json, sys, time, rados
conf, keyring, mode, cmd, n, warm = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6])
c = rados.Rados(conffile=conf, conf={'keyring': keyring, 'ms_mon_client_mode': mode})
c.connect(timeout=30)
for _ in range(warm):
    r, out, rs = c.mon_command(cmd, b'')
    assert r == 0, rs
t0 = time.perf_counter()
for _ in range(n):
    r, out, rs = c.mon_command(cmd, b'')
    assert r == 0, rs
dt = time.perf_counter() - t0
c.shutdown()
print(json.dumps({'n': n, 'seconds': dt, 'bytes': len(out)}))
`;

interface Result {
  n: number;
  seconds: number;
  opsPerSec: number;
}

async function benchOurs(conf: string, keyring: string, o: Opts, cmd: string): Promise<Result> {
  const { config } = loadConfig({ argv: ['-c', conf, '-k', keyring, '--ms-mon-client-mode', o.mode], env: {} });
  const mc = await monClientFromConfig(config);
  try {
    await mc.connect({ timeoutMs: 30000 });
    for (let i = 0; i < o.warmup; i++) {
      const r = await mc.command(cmd);
      if (r.r !== 0) throw new Error(`mon command failed: ${r.rs}`);
    }
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < o.n; i++) {
      const r = await mc.command(cmd);
      if (r.r !== 0) throw new Error(`mon command failed: ${r.rs}`);
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (mc.stats.sessions !== 1) throw new Error(`the session was not persistent (${mc.stats.sessions} sessions)`);
    return { n: o.n, seconds, opsPerSec: o.n / seconds };
  } finally {
    await mc.close();
  }
}

async function benchLibrados(dir: string, conf: string, keyring: string, o: Opts, cmd: string): Promise<Result> {
  const script = join(dir, 'bench_rados.py');
  writeFileSync(script, PY_BENCH);
  const r = await sh(PY, [script, conf, keyring, o.mode, cmd, String(o.n), String(o.warmup)]);
  if (r.code !== 0) throw new Error(`librados bench failed (${r.code})`);
  const res = JSON.parse(r.out.trim().split('\n').pop()!) as { n: number; seconds: number };
  return { n: res.n, seconds: res.seconds, opsPerSec: res.n / res.seconds };
}

function median(rs: Result[]): Result {
  const sorted = [...rs].sort((a, b) => a.opsPerSec - b.opsPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

export async function run(args: string[]): Promise<number> {
  let o: Opts | undefined;
  try {
    o = parse(args);
  } catch (e) {
    process.stderr.write(`bench mon: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!o) {
    process.stdout.write(USAGE);
    return 0;
  }
  await ensureRados();
  const dir = mkdtempSync(join(tmpdir(), 'ceph-msgr-bench-mon-'));
  const monDir = join(dir, 'mon');
  const stop = (): void => {
    try {
      execFileSync(join(SHARED, 'mon-down.sh'), [monDir], { stdio: 'ignore' });
    } catch {
      /* already down */
    }
  };
  const onSignal = (): void => {
    stop();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const up = await sh(join(SHARED, 'mon-up.sh'), [monDir, '--auth', 'cephx', '--v2-port', 'auto', '--v1-port', 'auto', '--debug-ms', '0'], { quiet: true });
    if (up.code !== 0) throw new Error(`mon-up.sh failed: ${up.err}`);
    const kv = Object.fromEntries(up.out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
    const conf = kv.CONF!;
    const keyring = kv.KEYRING!;
    const cmd = JSON.stringify({ prefix: o.cmd, format: 'json' });
    const ours: Result[] = [];
    const librados: Result[] = [];
    for (let i = 0; i < o.rounds; i++) {
      ours.push(await benchOurs(conf, keyring, o, cmd));
      librados.push(await benchLibrados(dir, conf, keyring, o, cmd));
    }
    const mo = median(ours);
    const ml = median(librados);
    const ratio = mo.opsPerSec / ml.opsPerSec;
    if (o.json) {
      process.stdout.write(JSON.stringify({ case: 'mon', cmd, mode: o.mode, n: o.n, rounds: o.rounds, ours: mo, librados: ml, ratio, allOurs: ours, allLibrados: librados }) + '\n');
    } else {
      const f = (r: Result): string => `${r.opsPerSec.toFixed(0).padStart(7)} commands/s  (${r.n} in ${r.seconds.toFixed(3)} s)`;
      const all = (rs: Result[]): string => rs.map((r) => r.opsPerSec.toFixed(0)).join(', ');
      process.stdout.write(
        [
          `mon command ${cmd}, ms_mon_client_mode '${o.mode}', one session each, sequential, median of ${o.rounds} alternating rounds`,
          `  ceph-msgr MonClient ${f(mo)}   rounds: ${all(ours)}`,
          `  librados (python)   ${f(ml)}   rounds: ${all(librados)}`,
          `  ratio ours/librados ${ratio.toFixed(2)}`,
          '',
        ].join('\n'),
      );
    }
    return 0;
  } catch (e) {
    process.stderr.write(`bench mon: ${(e as Error).message}\n`);
    return 1;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
