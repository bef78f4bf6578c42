import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CephxAuthClient } from '../../../../src/core/auth/cephx-client.ts';
import { cephxChallengeKey } from '../../../../src/core/auth/cephx-crypto.ts';
import { EMPTY_TICKET, writeAuthenticate } from '../../../../src/core/auth/cephx-structs.ts';
import { AuthMethod, ConMode } from '../../../../src/core/auth/types.ts';
import { encode } from '../../../../src/encoding/writer.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { ADMIN, makeCluster, runExchange } from './fixture.ts';
import { seededRandom } from './helpers.ts';

const MON = EntityType.MON;

for (const conMode of [ConMode.CRC, ConMode.SECURE]) {
  const label = conMode === ConMode.CRC ? 'crc' : 'secure';
  test(`mon mode (${label}): our client ↔ our server agree on session key, global_id, connection secret, tickets`, () => {
    const cl = makeCluster(`mm-${label}`);
    const client = cl.client();
    const out = runExchange(client.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), conMode);
    assert.equal(out.error, undefined);
    assert.equal(out.rounds, 2);
    assert.equal(out.client!.globalId, 4101n);
    assert.equal(out.server!.result.globalId, 4101n);
    assert.deepEqual(out.server!.peerName, ADMIN);
    assert.equal(out.client!.sessionKey!.length, 16);
    assert.deepEqual(out.client!.sessionKey, out.server!.result.sessionKey);
    if (conMode === ConMode.SECURE) {
      assert.equal(out.client!.connectionSecret!.length, 64);
      assert.deepEqual(out.client!.connectionSecret, out.server!.result.connectionSecret);
    } else {
      assert.equal(out.client!.connectionSecret, undefined);
      assert.equal(out.server!.result.connectionSecret, undefined);
    }
    assert.deepEqual(client.tickets.services(), [EntityType.MON, EntityType.OSD, EntityType.MGR, EntityType.AUTH]);
    assert.equal(client.globalId, 4101n);
    // tickets open with the key server's secrets and speak for client.admin / 4101
    for (const svc of client.tickets.services()) assert.ok(cl.keys.getServiceSecret(svc, client.tickets.get(svc)!.ticket.secretId));
  });
}

test('wrong key → −EACCES on the first AUTH_REQUEST_MORE (one round)', () => {
  const cl = makeCluster('wrongkey');
  const client = cl.client({ secret: Buffer.alloc(16, 0x5a) });
  const out = runExchange(client.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), ConMode.CRC);
  assert.equal(out.error, -13);
  assert.equal(out.rounds, 2);
  assert.equal(client.tickets.services().length, 0);
});

test('unknown entity and entity without mon caps → −EACCES', () => {
  const cl = makeCluster('unknown');
  for (const [name, secret] of [
    [{ type: EntityType.CLIENT, id: 'nobody' }, Buffer.alloc(16, 1)],
    [{ type: EntityType.CLIENT, id: 'nocaps' }, cl.keyring.get('client.nocaps')!.key],
  ] as const) {
    const client = cl.client({ name, secret });
    const out = runExchange(client.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), ConMode.CRC);
    assert.equal(out.error, -13, JSON.stringify(name));
  }
});

test('global_id reclaim: old global_id + old AUTH ticket accepted; without the ticket refused', () => {
  const cl = makeCluster('reclaim');
  const client = cl.client();
  const first = runExchange(client.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), ConMode.CRC);
  const gid = first.client!.globalId;
  const oldKey = client.tickets.get(EntityType.AUTH)!.sessionKey;
  // reconnect: same client object (holds the AUTH ticket), old global_id
  const again = runExchange(client.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: gid }), cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), ConMode.CRC);
  assert.equal(again.error, undefined);
  assert.equal(again.client!.globalId, gid);
  assert.notDeepEqual(again.client!.sessionKey, oldKey); // the new ticket came encrypted with the old key
  // a client that lost its tickets cannot reclaim
  const amnesiac = cl.client();
  const refused = runExchange(amnesiac.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: gid }), cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), ConMode.CRC);
  assert.equal(refused.error, -13);
  // a ticket of another global_id is refused too
  const other = runExchange(client.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: gid + 7n }), cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), ConMode.CRC);
  assert.equal(other.error, -13);
});

test('legacy (v2) CephXAuthenticate may reclaim without a ticket only while insecure reclaim is allowed', () => {
  for (const allow of [true, false]) {
    const cl = makeCluster(`legacy-${allow}`, {}, { allowInsecureGlobalIdReclaim: allow });
    const client = cl.client({ authenticateVersion: 2 });
    const out = runExchange(client.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 777n }), cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), ConMode.CRC);
    if (allow) assert.equal(out.client!.globalId, 777n);
    else assert.equal(out.error, -13);
  }
});

test('first login presenting a ticket ("superfluous") → −EINVAL', () => {
  const cl = makeCluster('superfluous');
  const h = cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT);
  const ch = h.handle(cl.client().start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 0n }).initialPayload(), ConMode.CRC);
  assert.equal(ch.kind, 'more');
  const serverChallenge = (ch as { payload: Buffer }).payload.readBigUInt64LE(1);
  const clientChallenge = 42n;
  const req = encode((w) => {
    w.u16(0x0100);
    writeAuthenticate(w, {
      structV: 3,
      clientChallenge,
      key: cephxChallengeKey(cl.keyring.get('client.admin')!.key, serverChallenge, clientChallenge),
      oldTicket: { secretId: 1n, blob: Buffer.alloc(32, 1) },
      otherKeys: 0x20,
    });
  });
  assert.deepEqual(h.handle(req, ConMode.CRC), { kind: 'error', errno: -22 });
});

test('undecodable AUTH_REQUEST_MORE → −EPERM; unknown request type → −EINVAL; bad mode byte → −EACCES', () => {
  const cl = makeCluster('bad');
  const start = (): ReturnType<typeof cl.mon.start> => {
    const h = cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT);
    assert.equal(h.handle(cl.client().start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 0n }).initialPayload(), ConMode.CRC).kind, 'more');
    return h;
  };
  assert.deepEqual(start().handle(Buffer.from([0x00, 0x01, 0x03]), ConMode.CRC), { kind: 'error', errno: -1 });
  assert.deepEqual(start().handle(Buffer.from([0x00]), ConMode.CRC), { kind: 'error', errno: -1 });
  assert.deepEqual(start().handle(Buffer.from([0x00, 0x04]), ConMode.CRC), { kind: 'error', errno: -22 });
  const noKey = encode((w) => {
    w.u16(0x0100);
    writeAuthenticate(w, { structV: 3, clientChallenge: 1n, key: 2n, oldTicket: EMPTY_TICKET, otherKeys: 0 });
  });
  assert.deepEqual(start().handle(noKey, ConMode.CRC), { kind: 'error', errno: -13 });
  assert.deepEqual(cl.mon.start(AuthMethod.CEPHX, 8).handle(Buffer.from([20, 0, 0]), ConMode.CRC), { kind: 'error', errno: -13 });
  assert.deepEqual(cl.mon.start(AuthMethod.CEPHX, 8).handle(Buffer.from([10, 8, 0]), ConMode.CRC), { kind: 'error', errno: -13 });
  assert.deepEqual(cl.mon.start(AuthMethod.CEPHX, 8).handle(Buffer.alloc(0), ConMode.CRC), { kind: 'error', errno: -13 });
});

test('msgr1 MAuth flow: startMsgr1 + handleMAuth; cbl stays empty (no connection secret)', () => {
  const cl = makeCluster('msgr1');
  const client = cl.client();
  const { session, step } = cl.mon.startMsgr1(ADMIN, 0n);
  assert.equal(step.kind, 'more');
  const h = client.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 0n });
  const req = h.handleMore((step as { payload: Buffer }).payload);
  const out = session.handleMAuth(req);
  assert.equal(out.errno, 0);
  assert.ok('payload' in out && out.result);
  const res = h.handleDone(session.globalId, ConMode.CRC, out.payload);
  assert.equal(res.connectionSecret, undefined);
  assert.deepEqual(res.sessionKey, out.result.sessionKey);
  assert.equal(res.globalId, 4101n);
  // cbl = 4 zero bytes just before the extra-tickets blob: decoded as empty by the client
  assert.deepEqual(client.tickets.services(), [1, 4, 16, 32]);
});

test('renewal over the mon session: service tickets at 3/4 of 1 h (0x0200), AUTH at 3/4 of 72 h (0x0100)', () => {
  const cl = makeCluster('renew');
  const client = cl.client();
  const { session, step } = cl.mon.startMsgr1(ADMIN, 0n);
  const h = client.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 0n });
  const done = session.handleMAuth(h.handleMore((step as { payload: Buffer }).payload));
  assert.ok('payload' in done);
  h.handleDone(session.globalId, ConMode.CRC, done.payload);
  const osdKey = client.tickets.get(EntityType.OSD)!.sessionKey;
  const authKey = client.tickets.get(EntityType.AUTH)!.sessionKey;

  assert.equal(client.needsRenewal(), false);
  cl.clock.advance(2699 * 1000);
  assert.equal(client.needsRenewal(), false);
  cl.clock.advance(1000);
  assert.equal(client.needsRenewal(), true);
  const req = client.buildRenewalRequest();
  assert.equal(req.readUInt16LE(0), 0x0200);
  const rep = session.handleMAuth(req);
  assert.equal(rep.errno, 0);
  assert.ok('payload' in rep);
  assert.deepEqual(client.handleRenewalReply(rep.payload), [EntityType.MON, EntityType.OSD, EntityType.MGR]);
  assert.notDeepEqual(client.tickets.get(EntityType.OSD)!.sessionKey, osdKey);
  assert.equal(client.needsRenewal(), false);

  cl.clock.advance(54 * 3600 * 1000);
  assert.equal(client.tickets.needMask(0x20, cl.clock.now()), 0x20);
  const req2 = client.buildRenewalRequest();
  assert.equal(req2.readUInt16LE(0), 0x0100);
  const rep2 = session.handleMAuth(req2);
  assert.equal(rep2.errno, 0);
  assert.ok('payload' in rep2);
  const updated = client.handleRenewalReply(rep2.payload);
  assert.ok(updated.includes(EntityType.AUTH));
  assert.notDeepEqual(client.tickets.get(EntityType.AUTH)!.sessionKey, authKey);
  assert.equal(client.globalId, 4101n);
});

test('renewal refused: a tampered AUTH authorizer gets −EACCES; requests before the login are refused', () => {
  const cl = makeCluster('renew-bad');
  const { session, step } = cl.mon.startMsgr1(ADMIN, 0n);
  assert.equal(session.handleMAuth(Buffer.from([0x00, 0x02, 1, 2, 3])).errno, -22); // not logged in yet
  const client = cl.client();
  const h = client.start(AuthMethod.CEPHX, MON, { toMon: true, globalId: 0n });
  const done = session.handleMAuth(h.handleMore((step as { payload: Buffer }).payload));
  assert.ok('payload' in done);
  h.handleDone(session.globalId, ConMode.CRC, done.payload);
  const good = client.buildServiceTicketRequest(EntityType.OSD);
  assert.equal(session.handleMAuth(good).errno, 0);
  const bad = Buffer.from(good);
  bad[40]! ^= 0x01; // inside the AUTH ticket blob
  assert.equal(session.handleMAuth(bad).errno, -13);
  assert.equal(session.handleMAuth(good.subarray(0, good.length - 3)).errno, -13);
  const outsider = new CephxAuthClient({ name: ADMIN, secret: cl.keyring.get('client.admin')!.key, random: seededRandom('x'), now: cl.clock.now });
  assert.equal(outsider.needsRenewal(), true);
  assert.throws(() => outsider.buildServiceTicketRequest(0x10), { code: 'ERR_AUTH_FAILED' });
});
