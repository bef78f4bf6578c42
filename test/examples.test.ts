/** Every file in examples/ runs to completion (exit 0) — the README's example is one of them. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('../examples/', import.meta.url));
for (const f of readdirSync(dir).filter((x) => x.endsWith('.ts'))) {
  test(`examples/${f} runs`, () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', dir + f], { encoding: 'utf8', timeout: 60_000 });
    assert.equal(r.status, 0, `exit ${r.status}\n${r.stdout}\n${r.stderr}`);
  });
}
