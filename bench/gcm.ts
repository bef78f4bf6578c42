/**
 * `npm run bench -- gcm [--json]`: ns per AES-128-GCM operation (seal and open, 16-byte tag, no
 * AAD, a new nonce each time as msgr2 secure mode does) for node:crypto (a new CipherGCM per
 * operation, the only way it takes a new nonce) and for SmallGcm (JS GHASH + one persistent
 * native AES-ECB), by plaintext size. The crossover is where SMALL_GCM_MAX belongs.
 */
import { createCipheriv, createDecipheriv, createSecretKey, randomBytes } from 'node:crypto';
import { SmallGcm } from '../src/core/msgr2/gcm-small.ts';
import { SMALL_GCM_MAX } from '../src/core/msgr2/secure.ts';

const SIZES = [16, 48, 80, 128, 160, 256, 512, 1024, 4096];

function nsPerOp(f: () => void, ms = 150): number {
  for (let i = 0; i < 2000; i++) f();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 500; i++) f();
    n += 500;
    t = performance.now();
  }
  return ((t - t0) * 1e6) / n;
}

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('usage: npm run bench -- gcm [--json]\n');
    return 0;
  }
  const key = randomBytes(16);
  const ko = createSecretKey(key);
  const g = new SmallGcm(key);
  const iv = randomBytes(12);
  const rows: { bytes: number; native_seal_ns: number; small_seal_ns: number; native_open_ns: number; small_open_ns: number }[] = [];
  for (const size of SIZES) {
    const pt = randomBytes(size);
    const sealed = g.seal(iv, pt);
    const tag = sealed.subarray(size);
    const ct = sealed.subarray(0, size);
    rows.push({
      bytes: size,
      native_seal_ns: nsPerOp(() => {
        const c = createCipheriv('aes-128-gcm', ko, iv);
        c.update(pt);
        c.final();
        c.getAuthTag();
      }),
      small_seal_ns: nsPerOp(() => g.seal(iv, pt)),
      native_open_ns: nsPerOp(() => {
        const d = createDecipheriv('aes-128-gcm', ko, iv);
        d.setAuthTag(tag);
        d.update(ct);
        d.final();
      }),
      small_open_ns: nsPerOp(() => g.open(iv, sealed)),
    });
  }
  if (args.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ small_gcm_max: SMALL_GCM_MAX, rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Math.round(v)]))) })}\n`);
    return 0;
  }
  process.stdout.write(`AES-128-GCM ns/op (SMALL_GCM_MAX = ${SMALL_GCM_MAX}: SmallGcm at or below it)\n`);
  process.stdout.write('bytes   native seal  small seal  native open  small open\n');
  for (const r of rows) {
    process.stdout.write(
      `${String(r.bytes).padStart(5)}  ${r.native_seal_ns.toFixed(0).padStart(11)}  ${r.small_seal_ns.toFixed(0).padStart(10)}  ${r.native_open_ns.toFixed(0).padStart(11)}  ${r.small_open_ns.toFixed(0).padStart(10)}\n`,
    );
  }
  return 0;
}
