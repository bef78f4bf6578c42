import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AuthMethod, ConMode, connectionSecretLength, pickConMode } from '../../../../src/core/auth/types.ts';

test('constants match wire §6.1', () => {
  assert.deepEqual(AuthMethod, { UNKNOWN: 0, NONE: 1, CEPHX: 2, GSS: 4 });
  assert.deepEqual(ConMode, { UNKNOWN: 0, CRC: 1, SECURE: 2 });
});

test('pickConMode: first of the client list the server allows', () => {
  assert.equal(pickConMode([2, 1], [1, 2]), 2);
  assert.equal(pickConMode([1, 2], [2, 1]), 1);
  assert.equal(pickConMode([2, 1], [1]), 1);
  assert.equal(pickConMode([2], [1]), undefined);
  assert.equal(pickConMode([], [1, 2]), undefined);
});

test('connection secret length: 64 in secure, 0 in crc', () => {
  assert.equal(connectionSecretLength(ConMode.SECURE), 64);
  assert.equal(connectionSecretLength(ConMode.CRC), 0);
});
