import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { CephxAuthClient } from '../../../src/core/auth/cephx-client.ts';
import { keyringText } from '../../../src/core/auth/keyring.ts';
import { AuthMethod, ConMode, type AuthServer } from '../../../src/core/auth/types.ts';
import { loadConfig } from '../../../src/config/load.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { isMsgrError } from '../../../src/errors.ts';
import { serverAuthFromConfig, type ServerAuthDeps } from '../../../src/server/auth.ts';

const MON = EntityType.MON;
const CLIENT = EntityType.CLIENT;
const OSD = EntityType.OSD;
const MON_KEY = Buffer.alloc(16, 0x42);

function seeded(label: string): (n: number) => Buffer {
  let i = 0;
  return (n) => {
    const out = Buffer.alloc(n);
    for (let o = 0; o < n; o += 32) createHash('sha256').update(`${label}/${i++}`).digest().copy(out, o);
    return out;
  };
}

function setup(argv: string[], files: Record<string, string> = {}): { server: AuthServer; warnings: string[]; describe: (t: number) => string } {
  const config = loadConfig({ argv, noConfFile: true }).config;
  const warnings: string[] = [];
  const deps: ServerAuthDeps = { readFile: (p) => files[p], random: seeded('srv'), now: () => 1_700_000_000_000, warn: (l) => warnings.push(l) };
  const a = serverAuthFromConfig(config, deps);
  return { server: a.server, warnings, describe: a.describe };
}

/** mon.a dialling us: a self-issued ticket sealed with its mon. key, challenge round, AUTH_DONE. */
function monDials(server: AuthServer, key: Buffer, mode: number): { ok: boolean; errno?: number; secret?: Buffer } {
  const monA = new CephxAuthClient({ name: { type: MON, id: 'a' }, secret: key, random: seeded('a'), now: () => 1_700_000_000_000, selfIssueSecret: { serviceId: MON, secret: key } });
  const h = monA.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 0n });
  const sh = server.start(AuthMethod.CEPHX, MON);
  let step = sh.handle(h.initialPayload(), mode);
  if (step.kind === 'more') step = sh.handle(h.handleMore(step.payload), mode);
  if (step.kind === 'error') return { ok: false, errno: step.errno };
  assert.equal(step.kind, 'done');
  const res = h.handleDone(step.result.globalId, mode, step.payload);
  assert.deepEqual(res.sessionKey, step.result.sessionKey);
  return { ok: true, ...(res.connectionSecret ? { secret: res.connectionSecret } : {}) };
}

const RING = keyringText([['mon.', { key: MON_KEY, caps: { mon: 'allow *' } }]]);

test('a mon: mon peers get auth_cluster_required + ms_mon_cluster_mode, others auth_service_required + ms_mon_service_mode', () => {
  const { server, describe } = setup(['-n', 'mon.b', '--keyring', '/k', '--auth-service-required', 'none', '--ms-mon-service-mode', 'crc'], { '/k': RING });
  assert.deepEqual(server.allowedMethods(MON), [AuthMethod.CEPHX]);
  assert.deepEqual(server.allowedModes(MON, AuthMethod.CEPHX), [ConMode.SECURE, ConMode.CRC]); // Ceph's default "secure crc"
  assert.deepEqual(server.allowedModes(MON, AuthMethod.NONE), []);
  assert.deepEqual(server.allowedMethods(CLIENT), [AuthMethod.NONE]);
  assert.deepEqual(server.allowedModes(CLIENT, AuthMethod.NONE), [ConMode.CRC]);
  assert.deepEqual(server.allowedMethods(OSD), [AuthMethod.NONE]); // a mon treats every non-mon as a service peer
  assert.equal(describe(MON), 'cephx [secure,crc]');
});

test('an osd: daemons are cluster peers (ms_cluster_mode), clients service peers (ms_service_mode)', () => {
  const { server } = setup(['-n', 'osd.3', '--auth-cluster-required', 'none', '--auth-service-required', 'none', '--ms-cluster-mode', 'secure crc']);
  // auth none only ever gets crc, whatever the mode list says
  for (const t of [MON, OSD, EntityType.MGR, EntityType.MDS]) assert.deepEqual(server.allowedModes(t, AuthMethod.NONE), [ConMode.CRC]);
  assert.deepEqual(server.allowedModes(CLIENT, AuthMethod.NONE), [ConMode.CRC]);
});

test('auth none with only secure allowed leaves nothing to offer (mon.a gets AUTH_BAD_METHOD)', () => {
  const { server, describe } = setup(['-n', 'mon.b', '--auth-cluster-required', 'none', '--ms-mon-cluster-mode', 'secure']);
  assert.deepEqual(server.allowedMethods(MON), []);
  assert.equal(describe(MON), 'nothing');
  assert.throws(() => server.start(AuthMethod.NONE, MON), (e: unknown) => isMsgrError(e) && e.code === 'ERR_AUTH_BAD_METHOD');
});

test('no keyring anywhere and auth options at their defaults: auth none (crc)', () => {
  const { server } = setup(['-n', 'mon.b']);
  assert.deepEqual(server.allowedMethods(MON), [AuthMethod.NONE]);
  assert.deepEqual(server.allowedModes(MON, AuthMethod.NONE), [ConMode.CRC]);
});

test('cephx required explicitly but no keyring found in the default list: ERR_KEYRING', () => {
  assert.throws(
    () => setup(['-n', 'mon.b', '--auth-cluster-required', 'cephx', '--auth-service-required', 'cephx']),
    (e: unknown) => isMsgrError(e) && e.code === 'ERR_KEYRING',
  );
  // with none also allowed, cephx is just dropped (as Ceph does)
  const { server } = setup(['-n', 'mon.b', '--auth-cluster-required', 'cephx, none']);
  assert.deepEqual(server.allowedMethods(MON), [AuthMethod.NONE]);
});

test('a keyring without [mon.] is refused at startup', () => {
  const ring = keyringText([['client.admin', { key: MON_KEY, caps: {} }]]);
  assert.throws(() => setup(['-n', 'mon.b', '--keyring', '/k'], { '/k': ring }), (e: unknown) => isMsgrError(e) && e.code === 'ERR_KEYRING' && /\[mon\.\]/.test(e.message));
});

test("cephx: mon.a's self-issued authorizer is verified with the mon. key (crc and secure)", () => {
  const { server } = setup(['-n', 'mon.b', '--keyring', '/k'], { '/k': RING });
  assert.deepEqual(monDials(server, MON_KEY, ConMode.CRC), { ok: true });
  const sec = monDials(server, MON_KEY, ConMode.SECURE);
  assert.equal(sec.ok, true);
  assert.equal(sec.secret?.length, 64);
  // another mon. key is refused with EACCES
  assert.deepEqual(monDials(server, Buffer.alloc(16, 7), ConMode.CRC), { ok: false, errno: -13 });
});

test('an explicit keyring that does not exist yet is read when a peer authenticates', () => {
  const files: Record<string, string> = {};
  const config = loadConfig({ argv: ['-n', 'mon.b', '--keyring', '/later'], noConfFile: true }).config;
  const warnings: string[] = [];
  const a = serverAuthFromConfig(config, { readFile: (p) => files[p], random: seeded('s'), now: () => 1_700_000_000_000, warn: (l) => warnings.push(l) });
  assert.deepEqual(a.server.allowedMethods(MON), [AuthMethod.CEPHX]);
  assert.equal(a.keyringPath, '/later');
  assert.deepEqual(monDials(a.server, MON_KEY, ConMode.CRC), { ok: false, errno: -13 });
  assert.match(warnings.join('\n'), /keyring \/later does not exist/);
  files['/later'] = RING; // the peer's setup script wrote it
  assert.deepEqual(monDials(a.server, MON_KEY, ConMode.CRC), { ok: true });
});
