/**
 * Access to the real Ceph captures in ../shared/captures (golden vectors).
 * Stream files hold hex, 32 bytes a line; segments files one TCP segment a line.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
export const CAPTURES_DIR = process.env.CEPH_MSGR_CAPTURES ?? resolve(here, '../../../shared/captures');

export type CaptureName = 'v2-crc-authnone' | 'v2-crc-cephx' | 'v2-secure-cephx' | 'v1-authnone' | 'v1-cephx';
export const V2_CAPTURES: CaptureName[] = ['v2-crc-authnone', 'v2-crc-cephx', 'v2-secure-cephx'];
export const V1_CAPTURES: CaptureName[] = ['v1-authnone', 'v1-cephx'];

function hexFile(path: string): string {
  if (!existsSync(path)) throw new Error(`capture file missing: ${path} (set CEPH_MSGR_CAPTURES)`);
  return readFileSync(path, 'utf8');
}

/** The whole byte stream of stream 0 in one direction. */
export function loadStream(name: CaptureName, dir: 'c2s' | 's2c'): Buffer {
  return Buffer.from(hexFile(join(CAPTURES_DIR, `${name}.stream0.${dir}.hex`)).replace(/\s+/g, ''), 'hex');
}

/** The TCP segments of stream 0 in one direction (one Buffer per segment). */
export function loadSegments(name: CaptureName, dir: 'c2s' | 's2c'): Buffer[] {
  return hexFile(join(CAPTURES_DIR, `${name}.stream0.${dir}.segments.hex`))
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l.length > 0)
    .map((l) => Buffer.from(l, 'hex'));
}

/** A keyring file of the captures as text. */
export function loadKeyring(name: 'v2-cephx' | 'v1-cephx'): string {
  return hexFile(join(CAPTURES_DIR, `${name}.keyring`));
}

/** The fsid printed by `ceph -s` in that capture. */
export function captureFsid(name: CaptureName): string {
  const out = hexFile(join(CAPTURES_DIR, `${name}.ceph-out.txt`));
  const m = /id:\s+([0-9a-f-]{36})/.exec(out) ?? /"fsid"\s*:\s*"([0-9a-f-]{36})"/.exec(out);
  if (!m) throw new Error(`no fsid in ${name}.ceph-out.txt`);
  return m[1]!;
}
