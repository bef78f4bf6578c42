import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decodeCryptoKey,
  encodeCryptoKey,
  formatKeyValue,
  keyringEntry,
  keyringText,
  parseKeyValue,
  parseKeyring,
} from '../../../../src/core/auth/keyring.ts';
import { loadKeyring } from '../../../helpers/captures.ts';
import { expectCode } from './helpers.ts';

for (const name of ['v2-cephx', 'v1-cephx'] as const) {
  test(`capture keyring ${name}: mon. and client.admin with 16-byte AES keys and caps`, () => {
    const text = loadKeyring(name);
    const kr = parseKeyring(text);
    assert.deepEqual([...kr.keys()], ['mon.', 'client.admin']);
    const mon = kr.get('mon.')!;
    const admin = keyringEntry(kr, { type: 8, id: 'admin' });
    assert.equal(mon.key.length, 16);
    assert.equal(admin.key.length, 16);
    assert.notDeepEqual(mon.key, admin.key);
    assert.deepEqual(mon.caps, { mon: 'allow *' });
    assert.deepEqual(admin.caps, { mds: 'allow *', mgr: 'allow *', mon: 'allow *', osd: 'allow *' });
    // the base64 on each key line is reproduced exactly from (secret, created)
    const b64 = [...text.matchAll(/key = (\S+)/g)].map((m) => m[1]);
    assert.deepEqual([formatKeyValue(mon.key, mon.created), formatKeyValue(admin.key, admin.created)], b64);
    // writing and re-reading gives the same keyring
    assert.deepEqual(parseKeyring(keyringText(kr)), kr);
    assert.equal(keyringText(kr), text.endsWith('\n') ? text : text + '\n');
  });
}

test('CryptoKey encoding: le16 type, utime, le16 len, secret (28 bytes)', () => {
  const secret = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
  const b = encodeCryptoKey(secret, { sec: 0x01020304, nsec: 5 });
  assert.equal(b.toString('hex'), '0100' + '04030201' + '05000000' + '1000' + secret.toString('hex'));
  const k = decodeCryptoKey(b);
  assert.deepEqual(k, { type: 1, created: { sec: 0x01020304, nsec: 5 }, secret });
  expectCode(() => decodeCryptoKey(b.subarray(0, 27)), 'ERR_KEYRING');
  expectCode(() => decodeCryptoKey(Buffer.concat([b, Buffer.alloc(1)])), 'ERR_KEYRING');
  const wrongType = Buffer.from(b);
  wrongType[0] = 2;
  expectCode(() => decodeCryptoKey(wrongType), 'ERR_KEYRING');
  const shortKey = encodeCryptoKey(Buffer.alloc(8));
  expectCode(() => decodeCryptoKey(shortKey), 'ERR_KEYRING');
  expectCode(() => parseKeyValue('not base64!'), 'ERR_KEYRING');
  expectCode(() => parseKeyValue(''), 'ERR_KEYRING');
});

test('layout variations: comments, tabs, spaces, unquoted caps, auid, CRLF', () => {
  const key = formatKeyValue(Buffer.alloc(16, 0x42));
  const text = [
    '# a comment',
    '; another',
    '',
    '[osd.3]   ',
    `key=${key}   # trailing comment`,
    '  caps   osd = allow rwx ; comment',
    '\tcaps mon = "allow profile osd" # "quoted # not a comment"',
    'auid = 18446744073709551615',
    '[client.x]',
    ` key = ${key}`,
    '\tcaps mgr = "a \\"quoted\\" word; and # hash"',
  ].join('\r\n');
  const kr = parseKeyring(text);
  assert.deepEqual(kr.get('osd.3')!.caps, { osd: 'allow rwx', mon: 'allow profile osd' });
  assert.deepEqual(kr.get('osd.3')!.key, Buffer.alloc(16, 0x42));
  assert.deepEqual(kr.get('client.x')!.caps, { mgr: 'a "quoted" word; and # hash' });
  assert.deepEqual(parseKeyring(keyringText(kr)), kr);
});

test('malformed keyrings → ERR_KEYRING', () => {
  const key = formatKeyValue(Buffer.alloc(16, 1));
  const bad = [
    `key = ${key}`, // outside a section
    '[client.admin]', // no key
    `[client.admin]\nkey = ${key}\nkey = ${key}`, // two keys
    `[client.admin]\nkey = ${key}\n[client.admin]\nkey = ${key}`, // duplicate section
    `[client.admin\nkey = ${key}`, // bad header
    `[admin]\nkey = ${key}`, // not TYPE.ID
    `[client.admin]\nkey = ${key}\nfoo = bar`, // unknown setting
    `[client.admin]\nkey = ${key}\ncaps mon = "allow *`, // unterminated quote
    `[client.admin]\nkey = ${key}\ncaps mon = "allow *" x`, // text after quote
    `[client.admin]\nkey = ${key}\ncaps = x`, // caps without service
    `[client.admin]\nkey = ${key}\njust words`, // no '='
    '[client.admin]\nkey = AQ==', // too short
  ];
  for (const t of bad) expectCode(() => parseKeyring(t), 'ERR_KEYRING');
  expectCode(() => keyringEntry(parseKeyring(`[client.a]\nkey = ${key}`), 'client.b'), 'ERR_KEYRING');
});

test('empty text is an empty keyring', () => {
  assert.equal(parseKeyring('').size, 0);
  assert.equal(parseKeyring('# only a comment\n\n').size, 0);
});
