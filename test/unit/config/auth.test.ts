import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { parseCephArgs } from '../../../src/config/args.ts';
import { buildAuthClient, clientAuthMethods, findSecret, parseAuthMethods } from '../../../src/config/auth.ts';
import { CephConfig } from '../../../src/config/config.ts';
import { CephxAuthClient } from '../../../src/core/auth/cephx-client.ts';
import { formatKeyValue } from '../../../src/core/auth/keyring.ts';
import { AuthMethod, ConMode } from '../../../src/core/auth/types.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { expectCode } from './helpers.ts';

const SECRET_A = Buffer.alloc(16, 0xaa);
const SECRET_B = Buffer.alloc(16, 0xbb);
const SECRET_C = Buffer.alloc(16, 0xcc);
const keyring = (name: string, secret: Buffer): string => `[${name}]\n\tkey = ${formatKeyValue(secret)}\n\tcaps mon = "allow *"\n`;

const cfg = (...a: string[]): CephConfig => new CephConfig({ args: parseCephArgs(a).settings });
const files = (m: Record<string, string>) => (p: string): string | undefined => m[p];
const opts = (m: Record<string, string>) => ({ readFile: files(m), random: (n: number) => Buffer.alloc(n, 1), now: () => 1_700_000_000_000 });

test('auth methods: auth_client_required, overridden by auth_supported; bad names are ERR_CONFIG', () => {
  assert.deepEqual(clientAuthMethods(cfg()), [AuthMethod.CEPHX, AuthMethod.NONE]);
  assert.deepEqual(clientAuthMethods(cfg('--auth-client-required', 'none')), [AuthMethod.NONE]);
  assert.deepEqual(clientAuthMethods(cfg('--auth-client-required', 'none', '--auth-supported', 'cephx')), [AuthMethod.CEPHX]);
  assert.deepEqual(parseAuthMethods('none;cephx, none', 'x'), [AuthMethod.NONE, AuthMethod.CEPHX]);
  expectCode(() => parseAuthMethods('cephx, kerberos', 'auth_client_required'), 'ERR_CONFIG', /auth_client_required.*unknown auth method 'kerberos'/);
  expectCode(() => parseAuthMethods('gss', 'auth_client_required'), 'ERR_CONFIG', /not supported/);
  expectCode(() => parseAuthMethods(' , ', 'auth_client_required'), 'ERR_CONFIG', /no auth method/);
});

test('the secret: key > keyfile > first existing keyring of the list', () => {
  const fs = {
    '/k2': keyring('client.admin', SECRET_B),
    '/kf': formatKeyValue(SECRET_C) + '\n',
  };
  const base = ['--keyring', '/k1,/k2'];
  assert.deepEqual(findSecret(cfg(...base), files(fs)).secret, SECRET_B);
  assert.deepEqual(findSecret(cfg(...base), files(fs)).tried, ['/k1', '/k2']);
  assert.deepEqual(findSecret(cfg(...base, '--keyfile', '/kf'), files(fs)).secret, SECRET_C);
  assert.deepEqual(findSecret(cfg(...base, '--keyfile', '/kf', '--key', formatKeyValue(SECRET_A)), files(fs)).secret, SECRET_A);
  expectCode(() => findSecret(cfg('--keyfile', '/none'), files(fs)), 'ERR_KEYRING', /keyfile \/none does not exist/);
  expectCode(() => findSecret(cfg('-n', 'client.bob', '--keyring', '/k2'), files(fs)), 'ERR_KEYRING', /\/k2 has no key for client.bob/);
  expectCode(() => findSecret(cfg('--key', 'not base64!'), files(fs)), 'ERR_KEYRING');
  const none = findSecret(cfg('--keyring', '/a,/b'), files(fs));
  assert.equal(none.secret, undefined);
  assert.deepEqual(none.tried, ['/a', '/b']);
});

test('the default keyring list expands $cluster and $name', () => {
  const seen: string[] = [];
  findSecret(cfg('-n', 'client.x'), (p) => void seen.push(p));
  assert.deepEqual(seen, ['/etc/ceph/ceph.client.x.keyring', '/etc/ceph/ceph.keyring', '/etc/ceph/keyring', '/etc/ceph/keyring.bin']);
});

test('cephx + none with a key: cephx first; modes per peer type; none is crc only', () => {
  const a = buildAuthClient(cfg('--keyring', '/k'), opts({ '/k': keyring('client.admin', SECRET_A) }));
  assert.deepEqual(a.methods(EntityType.MON), [AuthMethod.CEPHX, AuthMethod.NONE]);
  assert.deepEqual(a.modes(EntityType.MON, AuthMethod.CEPHX), [ConMode.SECURE, ConMode.CRC]);
  assert.deepEqual(a.modes(EntityType.OSD, AuthMethod.CEPHX), [ConMode.CRC, ConMode.SECURE]);
  assert.deepEqual(a.modes(EntityType.MON, AuthMethod.NONE), [ConMode.CRC]);
  assert.ok(a.cephx instanceof CephxAuthClient);
  assert.equal(a.describe(), 'cephx [secure,crc], none [crc]');
  // the handler for each method works and speaks mon mode (payload starts with u8 10)
  const h = a.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  assert.equal(h.initialPayload()[0], 10);
  assert.equal(a.start(AuthMethod.NONE, EntityType.MON, { toMon: true, globalId: 0n }).initialPayload()[0], 10);
});

test('--ms-mode secure: none is no longer offered to mons (it cannot do secure)', () => {
  const a = buildAuthClient(cfg('--keyring', '/k', '--ms-mon-client-mode', 'secure'), opts({ '/k': keyring('client.admin', SECRET_A) }));
  assert.deepEqual(a.methods(EntityType.MON), [AuthMethod.CEPHX]);
  assert.deepEqual(a.modes(EntityType.MON, AuthMethod.CEPHX), [ConMode.SECURE]);
  expectCode(
    () => buildAuthClient(cfg('--auth-client-required', 'none', '--ms-mon-client-mode', 'secure'), opts({})),
    'ERR_CONFIG',
    /no usable auth method for mons.*auth none only supports crc/,
  );
});

test('no key: cephx is dropped when none is allowed, else ERR_KEYRING naming the files tried', () => {
  const a = buildAuthClient(cfg('--keyring', '/missing'), opts({}));
  assert.deepEqual(a.methods(EntityType.MON), [AuthMethod.NONE]);
  assert.equal(a.cephx, undefined);
  expectCode(() => buildAuthClient(cfg('--keyring', '/missing', '--auth-client-required', 'cephx'), opts({})), 'ERR_KEYRING', /no key for client.admin.*tried \/missing/);
  expectCode(() => a.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }), 'ERR_AUTH_BAD_METHOD');
});
