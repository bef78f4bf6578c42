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
