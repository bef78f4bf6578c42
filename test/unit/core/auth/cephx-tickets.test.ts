import { test } from 'node:test';
import assert from 'node:assert/strict';
import { grantTicket } from '../../../../src/core/auth/cephx-structs.ts';
import { CephxTicketStore } from '../../../../src/core/auth/cephx-tickets.ts';

const grant = (svc: number, ttl: number) =>
  grantTicket({ serviceId: svc, serviceSecret: Buffer.alloc(16, 1), secretId: 1n, name: { type: 8, id: 'a' }, globalId: 5n, nowMs: 0, ttlSec: ttl, sessionSecret: Buffer.alloc(16, svc) });

test('expiry = now + validity, renew after 3/4 of it; have/need masks', () => {
  const s = new CephxTicketStore();
  assert.equal(s.needMask(0x35, 0), 0x35);
  assert.equal(s.haveMask(0x35, 0), 0);
  s.apply([grant(0x20, 4000), grant(0x04, 400)], 1000, 77n);
  const osd = s.get(0x04)!;
  assert.equal(osd.expiresAt, 401_000);
  assert.equal(osd.renewAfter, 301_000);
  assert.equal(osd.globalId, 77n);
  assert.deepEqual(osd.sessionKey, Buffer.alloc(16, 4));
  assert.equal(s.needMask(0x24, 300_999), 0);
  assert.equal(s.needMask(0x24, 301_000), 0x04);
  assert.equal(s.needMask(0x35, 301_000), 0x15);
  assert.equal(s.haveMask(0x24, 400_999), 0x24);
  assert.equal(s.haveMask(0x24, 401_000), 0x20);
  assert.deepEqual(s.services(), [0x04, 0x20]);
  s.delete(0x04);
  assert.deepEqual(s.services(), [0x20]);
  s.clear();
  assert.equal(s.get(0x20), undefined);
});

test('stored buffers are copies (a reused input buffer does not change the ticket)', () => {
  const g = grant(0x20, 100);
  const s = new CephxTicketStore();
  s.apply([g], 0, 1n);
  g.sessionKey.secret.fill(0);
  g.ticket.blob.fill(0);
  assert.deepEqual(s.get(0x20)!.sessionKey, Buffer.alloc(16, 0x20));
  assert.notDeepEqual(s.get(0x20)!.ticket.blob, g.ticket.blob);
});
