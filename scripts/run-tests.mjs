#!/usr/bin/env node
// Runs every test: typecheck, the core-purity lint, then node:test over test/**/*.test.ts (through tsx).
// Usage: node scripts/run-tests.mjs [--no-typecheck] [--filter SUBSTRING ...]
// The run ends with Node's test summary (tests / pass / fail). A test over 300 s fails; a file
// whose tests are done exits even if a handle leaked (leaks are asserted by the tests themselves).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const args = process.argv.slice(2);
const filters = [];
let typecheck = true;
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--no-typecheck') typecheck = false;
  else if (args[i] === '--filter') filters.push(args[++i] ?? '');
  else filters.push(args[i]);
}

function run(cmd, argv, label) {
  const t0 = Date.now();
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit' });
  const s = ((Date.now() - t0) / 1000).toFixed(1);
  if (r.status !== 0) {
    console.error(`run-tests: ${label} failed (exit ${r.status ?? r.signal}) after ${s}s`);
    process.exit(r.status ?? 1);
  }
  console.error(`run-tests: ${label} ok (${s}s)`);
}

function walk(dir, out) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

// System tools some tests need: install them when missing (as root, Debian), else those tests
// fail loudly with a message naming the package.
function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
function ensureSystemDeps() {
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const missing = [];
  const cephTools = ['ceph-mon', 'ceph', 'ceph-authtool', 'monmaptool'];
  const installSh = join(root, '..', 'shared', 'ceph', 'install.sh');
  if (cephTools.some((c) => !have(c))) missing.push('ceph');
  if (!have('tshark')) missing.push('tshark');
  if (!have('promtool')) missing.push('prometheus');
  if (!missing.length) return;
  if (!isRoot || !have('apt-get')) {
    console.error(`run-tests: missing ${missing.join(', ')} (not root or no apt-get): the tests needing them will fail`);
    return;
  }
  console.error(`run-tests: installing ${missing.join(', ')} …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  if (missing.includes('ceph')) {
    const r = statSync(installSh, { throwIfNoEntry: false })
      ? spawnSync('bash', [installSh], { stdio: 'inherit', env })
      : spawnSync('sh', ['-c', 'apt-get update -q && apt-get install -y -q --no-install-recommends ceph-mon ceph-common uuid-runtime iproute2'], { stdio: 'inherit', env });
    if (r.status !== 0) console.error('run-tests: installing ceph failed; the live tests will fail');
  }
  const pkgs = missing.filter((m) => m !== 'ceph');
  if (pkgs.length) {
    spawnSync('sh', ['-c', 'echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections'], { stdio: 'ignore' });
    const r = spawnSync('sh', ['-c', `(apt-cache show ${pkgs[0]} >/dev/null 2>&1 || apt-get update -q) && apt-get install -y -q --no-install-recommends ${pkgs.join(' ')}`], { stdio: 'inherit', env });
    if (r.status !== 0) console.error(`run-tests: installing ${pkgs.join(', ')} failed; the tests needing them will fail`);
  }
}
ensureSystemDeps();

if (typecheck) run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json'], 'typecheck');
run(process.execPath, [join(root, 'scripts/check-purity.mjs')], 'core purity lint');

let files = walk(join(root, 'test'), []).sort();
if (filters.length) files = files.filter((f) => filters.some((x) => f.includes(x)));
if (!files.length) {
  console.error('run-tests: no test files matched');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=300000', '--test-force-exit', ...files],
  { cwd: root, stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(r.status ?? 1);
