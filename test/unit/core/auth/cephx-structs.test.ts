import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  EMPTY_TICKET,
  SECRET_ID_GENERAL,
  decodeAuthorizeReply,
  decodeChallenge,
  encodeAuthorizeReply,
  encodeAuthorizer,
  encodeAuthorizerBase,
  encodeCapsString,
  encodeChallenge,
  grantTicket,
  openAuthorizer,
  openTicket,
  readAuthenticate,
  readAuthorize,
  readAuthorizerHead,
  readServiceTicketReply,
  readTicketBlob,
  sealTicket,
  writeAuthenticate,
  writeServiceTicketReply,
  writeTicketBlob,
} from '../../../../src/core/auth/cephx-structs.ts';
import { Reader } from '../../../../src/encoding/reader.ts';
import { encode } from '../../../../src/encoding/writer.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { expectCode } from './helpers.ts';

const K1 = Buffer.alloc(16, 1);
const K2 = Buffer.alloc(16, 2);
const ADMIN = { type: EntityType.CLIENT, id: 'admin' };

test('challenge and ticket blob encodings', () => {
  assert.equal(encodeChallenge(0x0102030405060708n).toString('hex'), '01' + '0807060504030201');
  assert.equal(decodeChallenge(encodeChallenge(77n)), 77n);
  const t = { secretId: 5n, blob: Buffer.from('abc') };
  const b = encode((w) => writeTicketBlob(w, t));
  assert.equal(b.toString('hex'), '01' + '0500000000000000' + '03000000' + '616263');
  assert.deepEqual(readTicketBlob(new Reader(b)), t);
  assert.equal(SECRET_ID_GENERAL, 2n ** 64n - 1n);
});

test('CephXAuthenticate v1/v2/v3 round trip (v1 has no other_keys)', () => {
  for (const structV of [1, 2, 3]) {
    const a = { structV, clientChallenge: 11n, key: 22n, oldTicket: EMPTY_TICKET, otherKeys: structV >= 2 ? 0x35 : 0 };
    const b = encode((w) => writeAuthenticate(w, a));
    assert.equal(b.length, structV >= 2 ? 34 : 30);
    assert.deepEqual(readAuthenticate(new Reader(b)), a);
  }
});

test('ticket seal/open; wrong service secret refused with the chosen code', () => {
  const g = grantTicket({ serviceId: 4, serviceSecret: K1, secretId: 3n, name: ADMIN, globalId: 4101n, nowMs: 1_500_000_000_250, ttlSec: 3600, sessionSecret: K2, caps: { allowAll: false, caps: encodeCapsString('allow rwx') } });
  assert.deepEqual(g.validity, { sec: 3600, nsec: 0 });
  assert.equal(g.ticket.secretId, 3n);
  const info = openTicket(K1, g.ticket.blob);
  assert.deepEqual(info.ticket.name, ADMIN);
  assert.equal(info.ticket.globalId, 4101n);
  assert.deepEqual(info.ticket.created, { sec: 1_500_000_000, nsec: 250_000_000 });
  assert.deepEqual(info.ticket.expires, { sec: 1_500_003_600, nsec: 250_000_000 });
  assert.equal(new Reader(info.ticket.caps.caps).string(), 'allow rwx');
  assert.deepEqual(info.sessionKey.secret, K2);
  expectCode(() => openTicket(K2, g.ticket.blob), 'ERR_AUTH_FAILED');
  expectCode(() => openTicket(K2, g.ticket.blob, 'ERR_AUTH_REJECTED'), 'ERR_AUTH_REJECTED');
  assert.deepEqual(openTicket(K1, sealTicket(K1, info)), info);
});

test('service ticket reply: plain and encrypted tickets, several services', () => {
  const grants = [0x20, 0x04].map((svc, i) =>
    grantTicket({ serviceId: svc, serviceSecret: K1, secretId: BigInt(i + 1), name: ADMIN, globalId: 9n, nowMs: 0, ttlSec: 60 * (i + 1), sessionSecret: Buffer.alloc(16, 10 + i) }),
  );
  const principal = Buffer.alloc(16, 7);
  const plain = encode((w) => writeServiceTicketReply(w, principal, grants));
  assert.deepEqual(readServiceTicketReply(new Reader(plain), principal), grants);
  expectCode(() => readServiceTicketReply(new Reader(plain), K2, undefined, 'ERR_AUTH_REJECTED'), 'ERR_AUTH_REJECTED');
  const old = Buffer.alloc(16, 9);
  const enc = encode((w) => writeServiceTicketReply(w, principal, grants, old));
  assert.deepEqual(readServiceTicketReply(new Reader(enc), principal, () => old), grants);
  expectCode(() => readServiceTicketReply(new Reader(enc), principal), 'ERR_AUTH_FAILED'); // no old key
  assert.equal(plain[0], 1);
  assert.equal(plain.readUInt32LE(1), 2);
  assert.equal(plain.readUInt32LE(5), 0x20);
});

test('authorizer: head + encrypted CephXAuthorize; openAuthorizer checks secret and global_id', () => {
  const g = grantTicket({ serviceId: 4, serviceSecret: K1, secretId: 3n, name: ADMIN, globalId: 9n, nowMs: 0, ttlSec: 60, sessionSecret: K2 });
  const base = encodeAuthorizerBase(9n, 4, g.ticket);
  assert.equal(base[0], 1);
  const a = encodeAuthorizer(base, K2, { nonce: 0xabcdn, haveChallenge: true, serverChallengePlusOne: 6n });
  const r = new Reader(a);
  assert.deepEqual(readAuthorizerHead(r), { globalId: 9n, serviceId: 4, ticket: g.ticket });
  assert.deepEqual(readAuthorize(r, K2), { nonce: 0xabcdn, haveChallenge: true, serverChallengePlusOne: 6n });
  const lookup = (svc: number, id: bigint): Buffer | undefined => (svc === 4 && id === 3n ? K1 : undefined);
  assert.equal(openAuthorizer(new Reader(a), lookup)!.authorize.nonce, 0xabcdn);
  assert.equal(openAuthorizer(new Reader(a), () => undefined), undefined);
  assert.equal(openAuthorizer(new Reader(encodeAuthorizer(encodeAuthorizerBase(8n, 4, g.ticket), K2, { nonce: 1n, haveChallenge: false, serverChallengePlusOne: 0n })), lookup), undefined);
});

test('authorize reply: v1 without, v2 with connection secret', () => {
  const v1 = decodeAuthorizeReply(encodeAuthorizeReply(K2, 42n), K2);
  assert.deepEqual(v1, { noncePlusOne: 42n });
  const secret = Buffer.alloc(64, 0xcc);
  assert.deepEqual(decodeAuthorizeReply(encodeAuthorizeReply(K2, 43n, secret), K2), { noncePlusOne: 43n, connectionSecret: secret });
  assert.deepEqual(decodeAuthorizeReply(encodeAuthorizeReply(K2, 44n, Buffer.alloc(0)), K2), { noncePlusOne: 44n });
  expectCode(() => decodeAuthorizeReply(encodeAuthorizeReply(K2, 42n), K1), 'ERR_AUTH_REJECTED');
});
