/**
 * S28(b) leak soak, scaled for CI (acceptance §7 S28, bug #16): 4 000 connect / markDown cycles
 * with their inbound accepts over real loopback TCP, 10 % with an injected fault, 20 % marked
 * down mid-handshake, 20 % marked down by the server on the inbound side (lossy and lossless
 * lanes), then shutdown. Registries back to 0, open fds back to the baseline ± 2 (/proc/self/fd),
 * heap growth after GC < 5 MB — measured in a child process started with --expose-gc
 * (src/testing/leak-soak.ts), after a warm-up round.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LeakSoakResult } from '../../src/testing/leak-soak.ts';

const CYCLES = 4000;
const SCRIPT = fileURLToPath(new URL('../../src/testing/leak-soak.ts', import.meta.url));

function runChild(cycles: number): Promise<LeakSoakResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', '--import', 'tsx', SCRIPT, String(cycles)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout!.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`leak soak exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as LeakSoakResult);
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

test(`S28(b) leak soak: ${CYCLES} connect/markDown cycles + inbound accepts, 10 % faulted, then shutdown`, { timeout: 120_000 }, async () => {
  const r = await runChild(CYCLES);
  console.log(
    `# ${r.cycles} cycles in ${r.seconds.toFixed(1)} s: accepts ${r.accepts}, faults ${r.faultsFired}/${r.faultsArmed}, inbound markDowns ${r.serverMarkDowns}, ` +
      `immediate markDowns ${r.immediateMarkDowns}, pongs ${r.pongs}, resets ${r.resets}+${r.remoteResets} remote, timeouts ${r.timeouts}; ` +
      `fds ${r.fdBaseline}→${r.fdAfter}; heap ${r.heapBaselineMb}→${r.heapAfterMb} MB (live ${r.heapLiveQuarterMb}→${r.heapLiveEndMb} MB)`,
  );
  assert.equal(r.cycles, CYCLES);
  assert.ok(r.gc, 'the child ran with --expose-gc');
  assert.ok(r.faultsFired >= CYCLES * 0.07, `faults injected: ${r.faultsFired}`);
  assert.ok(r.accepts >= CYCLES * 0.7, `inbound accepts: ${r.accepts}`);
  assert.ok(r.serverMarkDowns >= CYCLES * 0.15 && r.immediateMarkDowns >= CYCLES * 0.15);
  assert.ok(r.timeouts <= CYCLES / 100, `cycles that never ended: ${r.timeouts}`);
  for (const [k, v] of Object.entries(r.left)) assert.equal(v, 0, `registry/resource '${k}' back to 0`);
  assert.ok(r.fdBaseline > 0 && Math.abs(r.fdAfter - r.fdBaseline) <= 2, `open fds ${r.fdBaseline} → ${r.fdAfter}`);
  assert.ok(r.heapAfterMb - r.heapBaselineMb < 5, `heap growth after GC ${(r.heapAfterMb - r.heapBaselineMb).toFixed(2)} MB`);
  assert.ok(r.heapLiveEndMb - r.heapLiveQuarterMb < 5, `heap growth while running ${(r.heapLiveEndMb - r.heapLiveQuarterMb).toFixed(2)} MB`);
});
