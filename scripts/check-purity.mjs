#!/usr/bin/env node
// Keeps the sans-IO layers pure: src/encoding, src/messages and src/core may not import sockets,
// timers, fs, the clock or ambient randomness. Time and randomness are passed in.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(fileURLToPath(import.meta.url), '..', '..');
const pureDirs = ['src/encoding', 'src/messages', 'src/core'];
const banned = [
  [/from\s+['"]node:(net|tls|dgram|fs|fs\/promises|child_process|timers|timers\/promises|http|https|worker_threads|cluster|os|process)['"]/, 'IO module import'],
  [/from\s+['"](net|fs|timers|child_process|os)['"]/, 'IO module import'],
  [/\bsetTimeout\s*\(|\bsetInterval\s*\(|\bsetImmediate\s*\(/, 'timer'],
  [/\bDate\.now\s*\(|\bnew Date\s*\(\s*\)|performance\.now\s*\(|process\.hrtime/, 'clock'],
  [/\bMath\.random\s*\(|randomBytes\s*\(|randomInt\s*\(|randomUUID\s*\(|getRandomValues\s*\(/, 'ambient randomness'],
  [/from\s+['"]\.\.\/(\.\.\/)*(node|cli|testing)\//, 'import from the shell layer'],
];
const problems = [];
function walk(dir) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p);
    else if (name.endsWith('.ts')) {
      const lines = readFileSync(p, 'utf8').split('\n');
      lines.forEach((line, i) => {
        const code = line.replace(/\/\/.*$/, '');
        if (/^\s*(\*|\/\*)/.test(line)) return;
        for (const [re, what] of banned) if (re.test(code)) problems.push(`${relative(root, p)}:${i + 1}: ${what}: ${line.trim()}`);
      });
    }
  }
}
for (const d of pureDirs) {
  try { walk(join(root, d)); } catch (e) { if (e.code !== 'ENOENT') throw e; }
}
if (problems.length) {
  console.error('check-purity: the sans-IO layers must not touch IO, timers, the clock or randomness:');
  for (const p of problems) console.error('  ' + p);
  process.exit(1);
}
