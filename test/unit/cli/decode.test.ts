/**
 * `ceph-msgr decode` end to end (in-process, and once through bin/ceph-msgr): every capture in
 * ../shared/captures decodes with exit 0 and "no BAD checks"; -k decrypts v2-secure-cephx (the
 * text shows the decrypted MMonCommand); -f json is the decoder's structure; a corrupted file
 * exits 1 and names the BAD crc; usage errors exit 2.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '../../../src/cli/main.ts';
import type { CliIO } from '../../../src/cli/command.ts';
import type { DecodeResult } from '../../../src/tools/annotate.ts';
import { CAPTURES_DIR } from '../../helpers/captures.ts';

const ROOT = join(fileURLToPath(import.meta.url), '..', '..', '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'ceph-msgr-decode-'));
after(() => rmSync(tmp, { recursive: true, force: true }));
const cap = (n: string): string => join(CAPTURES_DIR, n);
const KEYRING = cap('v2-cephx.keyring');
// no ceph.conf from the machine: the decoder needs none
const env = { CEPH_CONF: '/dev/null' };

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), env };
  const code = await main(argv, io);
  return { code, out, err };
}

test('decode annotates every capture file (pcaps, stream/segment hex pairs, follow-raw) with no BAD check', async () => {
  const files = readdirSync(CAPTURES_DIR);
  const pcaps = files.filter((f) => f.endsWith('.pcap'));
  assert.equal(pcaps.length, 5);
  for (const f of pcaps) {
    const r = await run(['decode', cap(f), '-k', KEYRING]);
    assert.equal(r.code, 0, `${f}: ${r.err}`);
    assert.match(r.out, /^2 stream\(s\), \d+ frames\/records, no BAD checks$/m, f);
    assert.doesNotMatch(r.out, / BAD\b(?! checks)|!!/, f);
  }
  for (const f of files.filter((x) => x.endsWith('.stream0.c2s.hex') || x.endsWith('.stream0.c2s.segments.hex'))) {
    const r = await run(['decode', cap(f), cap(f.replace('c2s', 's2c')), '-k', KEYRING]);
    assert.equal(r.code, 0, `${f}: ${r.err}`);
    assert.match(r.out, /^1 stream\(s\), \d+ frames\/records, no BAD checks$/m, f);
  }
  for (const f of files.filter((x) => x.endsWith('follow-raw.txt'))) {
    const r = await run(['decode', cap(f), '-k', KEYRING]);
    assert.equal(r.code, 0, `${f}: ${r.err}`);
    assert.match(r.out, /no BAD checks/, f);
  }
});

test('decode -k decrypts v2-secure-cephx: the text shows the decrypted MMonCommand and its ack', async () => {
  const r = await run(['decode', cap('v2-secure-cephx.pcap'), '-k', KEYRING]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^stream 1 .*msgr2\.1, secure mode, auth: cephx \(mon mode\) as client\.admin.*decrypted$/m);
  assert.match(r.out, /c2s @\d+ +MESSAGE .*gcm ok.*\(decrypted\)\n +MMonCommand\(50\) seq=6 tid=2/);
  assert.match(r.out, /"cmd":\["\{\\"prefix\\": \\"status\\"\}"\]/);
  assert.match(r.out, /MMonCommandAck\(51\) seq=7 tid=2/);
  const without = await run(['decode', cap('v2-secure-cephx.pcap')]);
  assert.equal(without.code, 0);
  assert.match(without.out, /encrypted .*give -k KEYRING to decrypt/);
  assert.doesNotMatch(without.out, /MMonCommand/);
});

test('decode -f json is the decoder structure', async () => {
  const r = await run(['decode', cap('v1-cephx.pcap'), '-f', 'json']);
  assert.equal(r.code, 0);
  const j = JSON.parse(r.out) as DecodeResult;
  assert.equal(j.streams.length, 2);
  assert.equal(j.streams[1]!.protocol, 'msgr1');
  assert.match(j.streams[1]!.auth ?? '', /^cephx via MAuth/);
  assert.ok(j.items.some((i) => i.message?.name === 'MMonCommand'));
});

test('decode of a corrupted stream exits 1 and names the BAD crc; usage errors exit 2', async () => {
  const hex = readFileSync(cap('v2-crc-cephx.stream0.s2c.hex'), 'utf8').replace(/\s+/g, '');
  const b = Buffer.from(hex, 'hex');
  b[b.length - 10]! ^= 0xff; // inside the last message's front
  const f = join(tmp, 'bad.s2c.hex');
  writeFileSync(f, b.toString('hex'));
  const r = await run(['decode', f]);
  assert.equal(r.code, 1);
  assert.match(r.out, /seg1 BAD \(sent 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\)/);
  assert.match(r.out, /1 BAD checks/);
  assert.equal((await run(['decode'])).code, 2);
  assert.equal((await run(['decode', cap('v1-cephx.pcap'), '--direction', 'up'])).code, 2);
  const missing = await run(['decode', join(tmp, 'nope.pcap')]);
  assert.notEqual(missing.code, 0);
  assert.match(missing.err, /cannot read/);
});

test('bin/ceph-msgr decode runs as a program', () => {
  const r = spawnSync(join(ROOT, 'bin/ceph-msgr'), ['decode', cap('v2-crc-authnone.pcap')], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /AUTH_REQUEST .*preamble ok, seg0 ok\n +method=none/);
});
