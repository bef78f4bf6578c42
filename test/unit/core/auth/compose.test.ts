import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineAuthClients, combineAuthServers } from '../../../../src/core/auth/compose.ts';
import { AuthNoneClient, AuthNoneServer } from '../../../../src/core/auth/none.ts';
import { AuthMethod, ConMode } from '../../../../src/core/auth/types.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { ADMIN, makeCluster, runExchange } from './fixture.ts';
import { expectCode } from './helpers.ts';

test('combined client/server: cephx first, none second; each method served by its part', () => {
  const cl = makeCluster('compose');
  const client = combineAuthClients(cl.client(), new AuthNoneClient({ name: ADMIN }));
  const server = combineAuthServers(cl.mon, new AuthNoneServer({ nextGlobalId: () => 9n }));
  assert.deepEqual(client.methods(EntityType.MON), [AuthMethod.CEPHX, AuthMethod.NONE]);
  assert.deepEqual(server.allowedMethods(8), [AuthMethod.CEPHX, AuthMethod.NONE]);
  assert.deepEqual(client.modes(EntityType.MON, AuthMethod.NONE), [ConMode.CRC]);
  assert.deepEqual(client.modes(EntityType.MON, AuthMethod.CEPHX), [ConMode.SECURE, ConMode.CRC]);
  assert.deepEqual(server.allowedModes(8, AuthMethod.NONE), [ConMode.CRC]);
  assert.deepEqual(server.allowedModes(8, AuthMethod.GSS), []);
  const cx = runExchange(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }), server.start(AuthMethod.CEPHX, 8), ConMode.SECURE);
  assert.equal(cx.client!.connectionSecret!.length, 64);
  const none = runExchange(client.start(AuthMethod.NONE, EntityType.MON, { toMon: true, globalId: 0n }), server.start(AuthMethod.NONE, 8), ConMode.CRC);
  assert.deepEqual(none.client, { globalId: 9n });
  expectCode(() => client.start(AuthMethod.GSS, EntityType.MON, { toMon: true, globalId: 0n }), 'ERR_AUTH_BAD_METHOD');
  expectCode(() => server.start(AuthMethod.GSS, 8), 'ERR_AUTH_BAD_METHOD');
});
