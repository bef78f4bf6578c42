import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CephxKeyServer, keyringServiceSecrets } from '../../../../src/core/auth/cephx-keyserver.ts';
import { SECRET_ID_GENERAL } from '../../../../src/core/auth/cephx-structs.ts';
import { parseKeyring } from '../../../../src/core/auth/keyring.ts';
import { loadKeyring } from '../../../helpers/captures.ts';
import { expectCode, seededRandom } from './helpers.ts';

const keyring = parseKeyring(loadKeyring('v2-cephx'));

test('rotating secrets: ids increase, the newest is current, three are kept', () => {
  const ks = new CephxKeyServer({ keyring, random: seededRandom('ks'), services: [0x20] });
  const first = ks.currentServiceSecret(0x20)!;
  assert.equal(first.secretId, 1n);
  const s2 = ks.rotate(0x20);
  const s3 = ks.rotate(0x20);
  const s4 = ks.rotate(0x20);
  assert.deepEqual([s2.secretId, s3.secretId, s4.secretId], [2n, 3n, 4n]);
  assert.deepEqual(ks.currentServiceSecret(0x20), s4);
  assert.equal(ks.getServiceSecret(0x20, 1n), undefined);
  assert.deepEqual(ks.getServiceSecret(0x20, 2n), s2.secret);
  assert.equal(ks.currentServiceSecret(0x04), undefined);
  assert.equal(ks.getServiceSecret(0x04, 1n), undefined);
});

test('secret_id −1 means the general `<type>.` key from the keyring', () => {
  const ks = new CephxKeyServer({ keyring, random: seededRandom('ks2') });
  assert.deepEqual(ks.getServiceSecret(0x01, SECRET_ID_GENERAL), keyring.get('mon.')!.key);
  assert.equal(ks.getServiceSecret(0x04, SECRET_ID_GENERAL), undefined);
  const only = keyringServiceSecrets(keyring);
  assert.deepEqual(only(0x01, SECRET_ID_GENERAL), keyring.get('mon.')!.key);
  assert.equal(only(0x01, 1n), undefined);
  assert.deepEqual(ks.lookup({ type: 8, id: 'admin' })?.key, keyring.get('client.admin')!.key);
  assert.equal(ks.lookup({ type: 8, id: 'nobody' }), undefined);
});

test('explicit secrets: validated', () => {
  const ks = new CephxKeyServer({ keyring, random: seededRandom('ks3') });
  ks.addServiceSecret(0x04, 10n, Buffer.alloc(16, 1));
  assert.deepEqual(ks.currentServiceSecret(0x04), { secretId: 10n, secret: Buffer.alloc(16, 1) });
  expectCode(() => ks.addServiceSecret(0x04, 11n, Buffer.alloc(8)), 'ERR_INVALID_ARG');
  expectCode(() => ks.addServiceSecret(0x04, SECRET_ID_GENERAL, Buffer.alloc(16)), 'ERR_INVALID_ARG');
});
