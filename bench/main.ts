/**
 * Benchmarks: `npm run bench -- <case> [options]` (= node --import tsx bench/main.ts <case> …).
 * Each case is a module exporting `run(args: string[]): Promise<number>` (exit status); add one
 * with a line in CASES. Cases are imported lazily, so one case's dependencies never slow another.
 */
interface BenchCase {
  summary: string;
  load: () => Promise<{ run(args: string[]): Promise<number> }>;
}

const CASES: Record<string, BenchCase> = {
  transport: { summary: '(default) msgs/s, MB/s, latency: raw net, zeromq, ceph-msgr crc/secure', load: () => import('./transport.ts') },
  core: { summary: 'ns per 64 B message in the sans-IO core alone (encode / decode, no sockets)', load: () => import('./core.ts') },
  gcm: { summary: 'ns per AES-128-GCM operation by size: node:crypto vs SmallGcm (secure mode)', load: () => import('./gcm.ts') },
  mon: { summary: 'mon commands/s: ceph-msgr MonClient vs librados (python3-rados) on one live mon', load: () => import('./mon.ts') },
};

function usage(): string {
  const w = Math.max(...Object.keys(CASES).map((k) => k.length));
  return ['usage: npm run bench -- <case> [options]   (<case> --help for its options)', '', 'cases:', ...Object.entries(CASES).map(([k, c]) => `  ${k.padEnd(w)}  ${c.summary}`), ''].join('\n');
}

const argv = process.argv.slice(2);
// no case (or only options): the transport benchmark
const [name, ...args] = argv.length === 0 || argv[0]!.startsWith('--') && argv[0] !== '--help' ? ['transport', ...argv] : argv;
if (name === undefined || name === '--help' || name === '-h') {
  process.stdout.write(usage());
  process.exitCode = 0;
} else if (!CASES[name]) {
  process.stderr.write(`bench: unknown case '${name}'\n${usage()}`);
  process.exitCode = 2;
} else {
  const mod = await CASES[name].load();
  process.exitCode = await mod.run(args);
}
