import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthNoneClient, AuthNoneServer, decodeNonePayload } from '../../../../src/core/auth/none.ts';
import { authSignature } from '../../../../src/core/auth/signature.ts';
import { AuthMethod, ConMode } from '../../../../src/core/auth/types.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { loadStream } from '../../../helpers/captures.ts';
import { TAG, authPayload, firstFrame, walkV1, walkV2, walkV2ClearClient } from './capture-frames.ts';
import { runExchange } from './fixture.ts';
import { expectCode } from './helpers.ts';

const ADMIN = { type: EntityType.CLIENT, id: 'admin' };

test('golden v2-crc-authnone: our AUTH_REQUEST payload is byte-identical; AUTH_DONE empty; signatures are zeros', () => {
  const c2s = walkV2ClearClient(loadStream('v2-crc-authnone', 'c2s'));
  const s2c = walkV2(loadStream('v2-crc-authnone', 's2c'), TAG.AUTH_DONE);
  const req = authPayload(firstFrame(c2s, TAG.AUTH_REQUEST));
  assert.equal(req.method, AuthMethod.NONE);
  assert.deepEqual(req.modes, [ConMode.CRC]);
  const client = new AuthNoneClient({ name: ADMIN });
  const h = client.start(AuthMethod.NONE, EntityType.MON, { toMon: true, globalId: 0n });
  assert.deepEqual(h.initialPayload(), req.payload);
  const done = authPayload(firstFrame(s2c, TAG.AUTH_DONE));
  assert.equal(done.payload.length, 0);
  assert.ok(done.globalId! > 0n);
  assert.deepEqual(h.handleDone(done.globalId!, done.conMode!, done.payload), { globalId: done.globalId });
  // both AUTH_SIGNATURE frames carry 32 zero bytes = authSignature without a session key
  assert.deepEqual(c2s.rest.subarray(32, 64), authSignature(undefined, [s2c.rest]));
  assert.deepEqual(s2c.rest.subarray(32, 64), Buffer.alloc(32));
  // our server answers the real request the same way (given the same global_id)
  const server = new AuthNoneServer({ nextGlobalId: () => done.globalId! });
  const step = server.start(AuthMethod.NONE, EntityType.CLIENT).handle(req.payload, ConMode.CRC);
  assert.deepEqual(step, { kind: 'done', payload: Buffer.alloc(0), result: { globalId: done.globalId }, peerName: ADMIN });
});

test('golden v1-authnone: first MAuth payload is byte-identical; MAuthReply(none) has an empty result_bl', () => {
  const m = walkV1(loadStream('v1-authnone', 'c2s'), 'c2s').find((x) => x.type === 17)!;
  const payload = m.front.subarray(26, 26 + m.front.readUInt32LE(22));
  const client = new AuthNoneClient({ name: ADMIN });
  assert.deepEqual(client.msgr1InitialPayload(0n), payload);
  const reply = walkV1(loadStream('v1-authnone', 's2c'), 's2c').find((x) => x.type === 18)!;
  assert.equal(reply.front.readUInt32LE(0), AuthMethod.NONE);
  assert.equal(reply.front.readInt32LE(4), 0);
  assert.ok(reply.front.readBigUInt64LE(8) > 0n);
  assert.equal(reply.front.readUInt32LE(16), 0);
});

test('client: mon mode vs authorizer mode payloads; crc only; misuse', () => {
  const client = new AuthNoneClient({ name: { type: EntityType.OSD, id: '3' } });
  assert.deepEqual(client.methods(EntityType.MON), [AuthMethod.NONE]);
  assert.deepEqual(client.modes(EntityType.OSD, AuthMethod.NONE), [ConMode.CRC]);
  const mon = client.start(AuthMethod.NONE, EntityType.MON, { toMon: true, globalId: 9n }).initialPayload();
  const az = client.start(AuthMethod.NONE, EntityType.OSD, { toMon: false, globalId: 9n }).initialPayload();
  assert.equal(mon[0], 10);
  assert.equal(az[0], 1);
  assert.deepEqual(mon.subarray(1), az.subarray(1));
  assert.deepEqual(decodeNonePayload(az), { mode: 1, name: { type: EntityType.OSD, id: '3' }, globalId: 9n });
  const h = client.start(AuthMethod.NONE, EntityType.OSD, { toMon: false, globalId: 9n });
  expectCode(() => h.handleMore(Buffer.alloc(0)), 'ERR_AUTH_FAILED');
  expectCode(() => h.handleDone(9n, ConMode.SECURE, Buffer.alloc(0)), 'ERR_AUTH_FAILED');
  expectCode(() => client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: 0n }), 'ERR_AUTH_BAD_METHOD');
});

test('server: both forms; global_id assigned only in mon mode when 0; crc only; bad input → errors', () => {
  let next = 100n;
  const server = new AuthNoneServer({ nextGlobalId: () => next++ });
  const client = new AuthNoneClient({ name: ADMIN });
  assert.deepEqual(server.allowedMethods(8), [AuthMethod.NONE]);
  assert.deepEqual(server.allowedModes(8, AuthMethod.NONE), [ConMode.CRC]);
  assert.deepEqual(server.allowedModes(8, AuthMethod.CEPHX), []);
  for (const [toMon, gid, expected] of [
    [true, 0n, 100n],
    [true, 55n, 55n],
    [false, 0n, 0n],
    [false, 56n, 56n],
  ] as const) {
    const out = runExchange(client.start(AuthMethod.NONE, EntityType.MON, { toMon, globalId: gid }), server.start(AuthMethod.NONE, 8), ConMode.CRC);
    assert.equal(out.rounds, 1);
    assert.equal(out.client!.globalId, expected);
    assert.equal(out.client!.sessionKey, undefined);
    assert.deepEqual(out.server!.peerName, ADMIN);
  }
  assert.equal(new AuthNoneServer().msgr1Done(0n), 0n);
  assert.equal(server.msgr1Done(0n), 101n);
  const payload = client.start(AuthMethod.NONE, EntityType.MON, { toMon: true, globalId: 0n }).initialPayload();
  assert.deepEqual(server.start(AuthMethod.NONE, 8).handle(payload, ConMode.SECURE), { kind: 'error', errno: -95 });
  assert.deepEqual(server.start(AuthMethod.NONE, 8).handle(payload.subarray(0, 5), ConMode.CRC), { kind: 'error', errno: -13 });
  const badMode = Buffer.from(payload);
  badMode[0] = 30;
  assert.deepEqual(server.start(AuthMethod.NONE, 8).handle(badMode, ConMode.CRC), { kind: 'error', errno: -13 });
  const h = server.start(AuthMethod.NONE, 8);
  h.handle(payload, ConMode.CRC);
  assert.deepEqual(h.handle(payload, ConMode.CRC), { kind: 'error', errno: -13 });
  expectCode(() => server.start(AuthMethod.CEPHX, 8), 'ERR_AUTH_BAD_METHOD');
});
