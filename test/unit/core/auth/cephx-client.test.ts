import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CephxAuthClient, DEFAULT_WANT_KEYS } from '../../../../src/core/auth/cephx-client.ts';
import { encryptEnvelope } from '../../../../src/core/auth/cephx-crypto.ts';
import { encodeChallenge, readAuthenticate, writeServiceTicketReply, grantTicket } from '../../../../src/core/auth/cephx-structs.ts';
import { decodeMAuthInitial } from '../../../../src/core/auth/mauth.ts';
import { AuthMethod, ConMode } from '../../../../src/core/auth/types.ts';
import { Reader } from '../../../../src/encoding/reader.ts';
import { encode } from '../../../../src/encoding/writer.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { ADMIN, makeCluster, runExchange } from './fixture.ts';
import { expectCode, seededRandom } from './helpers.ts';

const SECRET = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const newClient = (extra: Partial<ConstructorParameters<typeof CephxAuthClient>[0]> = {}): CephxAuthClient =>
  new CephxAuthClient({ name: ADMIN, secret: SECRET, random: seededRandom('c'), now: () => 1_000_000, ...extra });

test('methods and modes: cephx; mons secure first, others crc first; overridable', () => {
  const c = newClient();
  assert.deepEqual(c.methods(EntityType.MON), [AuthMethod.CEPHX]);
  assert.deepEqual(c.modes(EntityType.MON, AuthMethod.CEPHX), [ConMode.SECURE, ConMode.CRC]);
  assert.deepEqual(c.modes(EntityType.OSD, AuthMethod.CEPHX), [ConMode.CRC, ConMode.SECURE]);
  const d = newClient({ monModes: [ConMode.CRC], serviceModes: [ConMode.SECURE] });
  assert.deepEqual(d.modes(EntityType.MON, AuthMethod.CEPHX), [ConMode.CRC]);
  assert.deepEqual(d.modes(EntityType.MGR, AuthMethod.CEPHX), [ConMode.SECURE]);
  assert.equal(DEFAULT_WANT_KEYS, 0x35);
  assert.equal(newClient({ wantKeys: 0x04 }).wantKeys, 0x24); // AUTH is always wanted
});

test('start: wrong method, missing ticket, short secret', () => {
  const c = newClient();
  expectCode(() => c.start(AuthMethod.NONE, EntityType.MON, { toMon: true, globalId: 0n }), 'ERR_AUTH_BAD_METHOD');
  expectCode(() => c.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: 0n }), 'ERR_AUTH_FAILED');
  expectCode(() => newClient({ secret: Buffer.alloc(8) }), 'ERR_KEYRING');
});

test('mon-mode payloads: u8 10 + EntityName + global_id; CephXAuthenticate v3 with other_keys; reclaim rule', () => {
  const cl = makeCluster('client-payloads');
  const client = cl.client();
  const h = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  assert.equal(h.initialPayload().toString('hex'), '0a' + '08000000' + '05000000' + Buffer.from('admin').toString('hex') + '0000000000000000');
  const req = h.handleMore(encodeChallenge(0x1234n));
  assert.equal(req.readUInt16LE(0), 0x0100);
  const a = readAuthenticate(new Reader(req, 2));
  assert.equal(a.structV, 3);
  assert.equal(a.otherKeys, 0x35);
  assert.equal(a.oldTicket.blob.length, 0);
  assert.equal(client.serverChallenge, 0x1234n);
  // after a login, a reconnect with the global_id presents the AUTH ticket, a fresh start does not
  const out = runExchange(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, 8), ConMode.CRC);
  const gid = out.client!.globalId;
  const ticket = client.tickets.get(EntityType.AUTH)!.ticket;
  const again = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: gid });
  assert.equal(again.initialPayload().readBigUInt64LE(1 + 4 + 4 + 5), gid);
  const withTicket = readAuthenticate(new Reader(again.handleMore(encodeChallenge(1n)), 2));
  assert.deepEqual(withTicket.oldTicket, ticket);
  const fresh = readAuthenticate(new Reader(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }).handleMore(encodeChallenge(1n)), 2));
  assert.equal(fresh.oldTicket.blob.length, 0);
  assert.deepEqual(decodeMAuthInitial(client.msgr1InitialPayload(0n)), { methods: [2], name: ADMIN, globalId: 0n });
});

test('mon-mode handler: order of calls and malformed server messages', () => {
  const c = newClient();
  let h = c.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  expectCode(() => h.handleDone(1n, ConMode.CRC, Buffer.alloc(0)), 'ERR_AUTH_FAILED');
  h = c.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  expectCode(() => h.handleMore(Buffer.from([1, 2, 3])), 'ERR_AUTH_FAILED');
  h = c.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  h.handleMore(encodeChallenge(5n));
  expectCode(() => h.handleMore(encodeChallenge(5n)), 'ERR_AUTH_FAILED');
  // status < 0 in the response header → rejected with that errno
  const refused = encode((w) => w.u16(0x0100).s32(-13));
  assert.equal(expectCode(() => h.handleDone(1n, ConMode.CRC, refused), 'ERR_AUTH_REJECTED').errno, -13);
  expectCode(() => h.handleDone(1n, ConMode.CRC, refused), 'ERR_AUTH_FAILED'); // already done
  // wrong reply type / truncated
  for (const bad of [encode((w) => w.u16(0x0200).s32(0)), Buffer.from([0, 1, 0])]) {
    const hh = c.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
    hh.handleMore(encodeChallenge(5n));
    expectCode(() => hh.handleDone(1n, ConMode.CRC, bad), 'ERR_AUTH_FAILED');
  }
});

test('AUTH_DONE sealed with another secret → ERR_AUTH_REJECTED; secure mode without cbl → ERR_AUTH_FAILED', () => {
  const grant = (key: Buffer): Buffer =>
    encode((w) => {
      w.u16(0x0100).s32(0);
      writeServiceTicketReply(w, key, [
        grantTicket({ serviceId: 0x20, serviceSecret: Buffer.alloc(16, 1), secretId: 1n, name: ADMIN, globalId: 9n, nowMs: 0, ttlSec: 60, sessionSecret: Buffer.alloc(16, 2) }),
      ]);
    });
  const c = newClient();
  let h = c.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  h.handleMore(encodeChallenge(5n));
  expectCode(() => h.handleDone(9n, ConMode.CRC, grant(Buffer.alloc(16, 7))), 'ERR_AUTH_REJECTED');
  h = c.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  h.handleMore(encodeChallenge(5n));
  expectCode(() => h.handleDone(9n, ConMode.SECURE, grant(SECRET)), 'ERR_AUTH_FAILED');
  h = c.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  h.handleMore(encodeChallenge(5n));
  const ok = h.handleDone(9n, ConMode.CRC, grant(SECRET));
  assert.deepEqual(ok, { globalId: 9n, sessionKey: Buffer.alloc(16, 2) });
  assert.equal(c.tickets.get(0x20)!.validityMs, 60_000);
});

test('authorizer handler: a second challenge and undecryptable challenges are refused', () => {
  const cl = makeCluster('client-az');
  const client = cl.client();
  runExchange(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, 8), ConMode.CRC);
  const key = client.tickets.get(EntityType.OSD)!.sessionKey;
  let h = client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: client.globalId });
  h.handleMore(encryptEnvelope(key, encodeChallenge(7n)));
  expectCode(() => h.handleMore(encryptEnvelope(key, encodeChallenge(7n))), 'ERR_AUTH_FAILED');
  h = client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: client.globalId });
  expectCode(() => h.handleMore(encryptEnvelope(Buffer.alloc(16, 1), encodeChallenge(7n))), 'ERR_AUTH_REJECTED');
  h = client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: client.globalId });
  expectCode(() => h.handleMore(Buffer.alloc(15)), 'ERR_AUTH_FAILED');
  h = client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: client.globalId });
  expectCode(() => h.handleDone(client.globalId, ConMode.CRC, Buffer.alloc(3)), 'ERR_AUTH_FAILED');
  expectCode(() => h.handleDone(client.globalId, ConMode.CRC, Buffer.alloc(3)), 'ERR_AUTH_FAILED');
});

test('renewal reply errors: refused status, unknown type, no AUTH ticket', () => {
  const c = newClient();
  assert.equal(expectCode(() => c.handleRenewalReply(encode((w) => w.u16(0x0200).s32(-13))), 'ERR_AUTH_REJECTED').errno, -13);
  expectCode(() => c.handleRenewalReply(encode((w) => w.u16(0x0400).s32(0))), 'ERR_AUTH_FAILED');
  expectCode(() => c.handleRenewalReply(encode((w) => w.u16(0x0200).s32(0).u8(1).u32(0))), 'ERR_AUTH_FAILED');
  expectCode(() => c.handleRenewalReply(Buffer.alloc(1)), 'ERR_AUTH_FAILED');
});

test('a failed AUTH_DONE leaves tickets and global_id untouched', () => {
  const cl = makeCluster('client-atomic');
  const client = cl.client();
  const h = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  const s = cl.mon.start(AuthMethod.CEPHX, 8);
  const ch = s.handle(h.initialPayload(), ConMode.SECURE) as { payload: Buffer };
  const done = s.handle(h.handleMore(ch.payload), ConMode.SECURE);
  assert.equal(done.kind, 'done');
  if (done.kind !== 'done') return;
  expectCode(() => h.handleDone(done.result.globalId, ConMode.SECURE, done.payload.subarray(0, done.payload.length - 5)), 'ERR_AUTH_FAILED');
  assert.equal(client.globalId, 0n);
  assert.deepEqual(client.tickets.services(), []);
});
