import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MonCommandFailed, UsageError, errorLine, exitCodeFor } from '../../../src/cli/errors.ts';
import { MsgrError } from '../../../src/errors.ts';

test('exit statuses are errno-style', () => {
  assert.equal(exitCodeFor(new UsageError('x')), 2);
  assert.equal(exitCodeFor(new MonCommandFailed(-22, 'bad')), 22);
  assert.equal(exitCodeFor(new MonCommandFailed(-300, 'big')), 255);
  assert.equal(exitCodeFor(new MsgrError('ERR_AUTH_REJECTED', 'x', { errno: -13 })), 13);
  assert.equal(exitCodeFor(new MsgrError('ERR_KEYRING')), 13);
  assert.equal(exitCodeFor(new MsgrError('ERR_AUTH_BAD_METHOD')), 95);
  assert.equal(exitCodeFor(new MsgrError('ERR_CONFIG')), 22);
  assert.equal(exitCodeFor(new MsgrError('ERR_TIMEOUT')), 110);
  assert.equal(exitCodeFor(new MsgrError('ERR_NO_MON')), 111);
  assert.equal(exitCodeFor(new MsgrError('ERR_ABORTED')), 130);
  assert.equal(exitCodeFor(new MsgrError('ERR_SOCKET')), 1);
  assert.equal(exitCodeFor(new Error('boom')), 1);
});

test('one line, naming the command, the failure and the code', () => {
  const e = new MsgrError('ERR_AUTH_REJECTED', 'mon a refused client.admin: authentication rejected (method 2, EACCES)', { errno: -13 });
  assert.equal(
    errorLine('status', e),
    'ceph-msgr status: authentication failed: mon a refused client.admin: authentication rejected (method 2, EACCES), errno -13 EACCES: wrong key, unknown entity or missing caps [ERR_AUTH_REJECTED]',
  );
  assert.equal(errorLine('mon-command', new MonCommandFailed(-2, 'no such thing')), 'ceph-msgr mon-command: Error ENOENT: no such thing');
  assert.equal(errorLine('', new UsageError('multi\n  line')), 'ceph-msgr: multi line');
  assert.match(errorLine('x', new MsgrError('ERR_AUTH_BAD_METHOD', 'peer allows [2]')), /authentication failed: no auth method\/connection mode the mon accepts \(peer allows \[2\]\) \[ERR_AUTH_BAD_METHOD\]$/);
  assert.equal(errorLine('x', new TypeError('oops')), 'ceph-msgr x: internal error: oops');
});
