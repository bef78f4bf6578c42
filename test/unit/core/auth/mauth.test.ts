import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeMAuthInitial, encodeMAuthInitial, pickMAuthMethod } from '../../../../src/core/auth/mauth.ts';
import { expectCode } from './helpers.ts';

test('initial MAuth payload: u8 1, vector<u32> methods, EntityName, le64 global_id', () => {
  const m = { methods: [2, 1], name: { type: 8, id: 'admin' }, globalId: 0x1003n };
  const b = encodeMAuthInitial(m);
  assert.equal(b.toString('hex'), '01' + '02000000' + '02000000' + '01000000' + '08000000' + '05000000' + '61646d696e' + '0310000000000000');
  assert.deepEqual(decodeMAuthInitial(b), m);
  expectCode(() => decodeMAuthInitial(b.subarray(0, b.length - 1)), 'ERR_AUTH_FAILED');
  expectCode(() => decodeMAuthInitial(Buffer.from([1, 0xff, 0xff, 0xff, 0x7f])), 'ERR_AUTH_FAILED');
});

test('server picks its first method the client offered', () => {
  assert.equal(pickMAuthMethod([2, 1], [1, 2]), 2);
  assert.equal(pickMAuthMethod([1], [2, 1]), 1);
  assert.equal(pickMAuthMethod([2], [1]), undefined);
});
