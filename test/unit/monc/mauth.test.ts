/**
 * MAuthLogin (src/monc/mauth.ts), sans-IO: the msgr1 mon login with MAuth / MAuthReply against
 * our cephx mon session (the same code the fake v1 mon and `ceph-msgr serve` use) — auth none in
 * one round, cephx in two, refusals with their errno and code, protocol misuse, and the global_id
 * reclaim rule (our old AUTH ticket only when the mon keeps the global_id we asked for); and,
 * against the captures of real librados ↔ ceph-mon 16.2.15 msgr1 sessions, the MAuth fronts we
 * send are byte-identical to librados' and the mon's replies complete our login.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { decodeMAuthInitial } from '../../../src/core/auth/mauth.ts';
import { AuthNoneClient } from '../../../src/core/auth/none.ts';
import { readAuthenticate } from '../../../src/core/auth/cephx-structs.ts';
import type { CephxMonSession } from '../../../src/core/auth/cephx-mon-session.ts';
import { AuthMethod } from '../../../src/core/auth/types.ts';
import { Reader } from '../../../src/encoding/reader.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import type { MsgrError } from '../../../src/errors.ts';
import type { MAuth, MAuthReply } from '../../../src/messages/auth.ts';
import { CephxAuthClient } from '../../../src/core/auth/cephx-client.ts';
import { parseKeyring } from '../../../src/core/auth/keyring.ts';
import { MAuthCodec, MAuthReplyCodec } from '../../../src/messages/auth.ts';
import { Message } from '../../../src/messages/message.ts';
import { MsgType } from '../../../src/messages/msg-types.ts';
import { MAuthLogin, type LoginStep } from '../../../src/monc/mauth.ts';
import { loadKeyring, loadStream } from '../../helpers/captures.ts';
import { walkV1 } from '../core/auth/capture-frames.ts';
import { ADMIN, makeCluster } from '../core/auth/fixture.ts';
import { scriptedRandom } from '../core/auth/helpers.ts';

const EMPTY = Buffer.alloc(0);
const reply = (protocol: number, result: number, globalId: bigint, resultBl: Buffer = EMPTY, resultMsg = ''): MAuthReply => ({ protocol, result, globalId, resultBl, resultMsg });

function errorOf(s: LoginStep): MsgrError {
  assert.equal(s.kind, 'error', JSON.stringify(s.kind));
  return (s as { error: MsgrError }).error;
}
function sent(s: LoginStep): MAuth {
  assert.equal(s.kind, 'send');
  return (s as { mauth: MAuth }).mauth;
}

/** Run a cephx login of `login` against the mon session `server` makes; returns the step and the session. */
function cephxLogin(login: MAuthLogin, start: (gid: bigint) => { session: CephxMonSession; challenge: Buffer }, assign?: bigint): { step: LoginStep; session: CephxMonSession; request: Buffer } {
  const first = login.start();
  const init = decodeMAuthInitial(first.authPayload);
  const { session, challenge } = start(assign ?? init.globalId);
  const m = sent(login.handleReply(reply(AuthMethod.CEPHX, 0, session.globalId, challenge)));
  assert.equal(m.protocol, AuthMethod.CEPHX);
  const out = session.handleMAuth(m.authPayload);
  const step = out.errno < 0 || !('payload' in out) ? login.handleReply(reply(AuthMethod.CEPHX, out.errno, session.globalId)) : login.handleReply(reply(AuthMethod.CEPHX, 0, session.globalId, out.payload));
  return { step, session, request: m.authPayload };
}

test('auth none: MAuth(0, {1, [none], client.admin, 0}, epoch) → MAuthReply(none, 0, gid) ends the login', () => {
  const login = new MAuthLogin(new AuthNoneClient({ name: ADMIN }), ADMIN, 0n, 3);
  const m = login.start();
  assert.equal(m.protocol, 0);
  assert.equal(m.monmapEpoch, 3);
  assert.equal(m.authPayload[0], 1, 'struct_v 1');
  assert.deepEqual(decodeMAuthInitial(m.authPayload), { methods: [AuthMethod.NONE], name: ADMIN, globalId: 0n });
  assert.equal(login.isDone, false);
  assert.deepEqual(login.handleReply(reply(AuthMethod.NONE, 0, 4242n)), { kind: 'done', globalId: 4242n, method: AuthMethod.NONE });
  assert.equal(login.isDone, true);
  assert.deepEqual([login.sent, login.replies], [1, 1]);
  assert.equal(errorOf(login.handleReply(reply(AuthMethod.NONE, 0, 4242n))).code, 'ERR_AUTH_FAILED', 'a reply after the login is a protocol error');
});

test('cephx: challenge → CephXAuthenticate (0x0100, v3, no old ticket on a first login) → tickets; two rounds', () => {
  const cl = makeCluster('v1-login');
  const client = cl.client();
  const login = new MAuthLogin(client, ADMIN, 0n, 0);
  const { step, request } = cephxLogin(login, (gid) => {
    const { session, step: s } = cl.mon.startMsgr1(ADMIN, gid);
    assert.equal(s.kind, 'more');
    return { session, challenge: (s as { payload: Buffer }).payload };
  });
  assert.deepEqual(step, { kind: 'done', globalId: 4101n, method: AuthMethod.CEPHX });
  const r = new Reader(request);
  assert.equal(r.u16(), 0x0100);
  const a = readAuthenticate(r);
  assert.equal(a.structV, 3);
  assert.equal(a.oldTicket.blob.length, 0, 'first login: empty old ticket');
  assert.equal(client.globalId, 4101n);
  assert.deepEqual(client.tickets.services(), [EntityType.MON, EntityType.OSD, EntityType.MGR, EntityType.AUTH]);
  assert.deepEqual([login.sent, login.replies], [2, 2]);
});

test('cephx reclaim: the old AUTH ticket goes along only when the mon keeps the global_id we asked for', () => {
  const cl = makeCluster('v1-reclaim');
  const client = cl.client();
  const start = (gid: bigint): { session: CephxMonSession; challenge: Buffer } => {
    const { session, step } = cl.mon.startMsgr1(ADMIN, gid);
    return { session, challenge: (step as { payload: Buffer }).payload };
  };
  assert.equal(cephxLogin(new MAuthLogin(client, ADMIN, 0n, 0), start).step.kind, 'done');
  // reconnect asking for 4101: the mon keeps it → old ticket presented (v3 reclaim) and accepted
  const again = cephxLogin(new MAuthLogin(client, ADMIN, 4101n, 1), start);
  assert.deepEqual(again.step, { kind: 'done', globalId: 4101n, method: AuthMethod.CEPHX });
  const r = new Reader(again.request);
  r.u16();
  assert.ok(readAuthenticate(r).oldTicket.blob.length > 0, 'old ticket presented');
  // asking for 4101 but the mon assigns a new one: a first login, empty old ticket
  const fresh = new MAuthLogin(client, ADMIN, 4101n, 1);
  const m0 = fresh.start();
  assert.equal(decodeMAuthInitial(m0.authPayload).globalId, 4101n);
  const { session, step } = cl.mon.startMsgr1(ADMIN, 0n);
  const m1 = sent(fresh.handleReply(reply(AuthMethod.CEPHX, 0, session.globalId, (step as { payload: Buffer }).payload)));
  const r2 = new Reader(m1.authPayload);
  r2.u16();
  assert.equal(readAuthenticate(r2).oldTicket.blob.length, 0);
  const out = session.handleMAuth(m1.authPayload);
  assert.ok('payload' in out);
  assert.deepEqual(fresh.handleReply(reply(AuthMethod.CEPHX, 0, session.globalId, out.payload)), { kind: 'done', globalId: session.globalId, method: AuthMethod.CEPHX });
});

test('refusals: −13 → ERR_AUTH_REJECTED, −95 → ERR_AUTH_BAD_METHOD, with the errno; a wrong cephx key is −13 at the second step', () => {
  const none = (): MAuthLogin => {
    const l = new MAuthLogin(new AuthNoneClient({ name: ADMIN }), ADMIN, 0n, 0);
    l.start();
    return l;
  };
  const e1 = errorOf(none().handleReply(reply(0, -13, 0n, EMPTY, 'denied')));
  assert.deepEqual([e1.code, e1.errno, e1.origin], ['ERR_AUTH_REJECTED', -13, 'remote']);
  assert.match(e1.message, /MAuth offering \[1\] refused \(result -13: denied\)/);
  const e2 = errorOf(none().handleReply(reply(0, -95, 0n)));
  assert.deepEqual([e2.code, e2.errno], ['ERR_AUTH_BAD_METHOD', -95]);
  assert.match(e2.message, /the mon allows none of the auth methods we offer \[1\]/);

  const cl = makeCluster('v1-wrongkey');
  const login = new MAuthLogin(cl.client({ secret: Buffer.alloc(16, 0x5a) }), ADMIN, 0n, 0);
  const { step } = cephxLogin(login, (gid) => {
    const { session, step: s } = cl.mon.startMsgr1(ADMIN, gid);
    return { session, challenge: (s as { payload: Buffer }).payload };
  });
  const e3 = errorOf(step);
  assert.deepEqual([e3.code, e3.errno], ['ERR_AUTH_REJECTED', -13]);
  assert.match(e3.message, /cephx MAuth refused \(result -13\)/);
});

test('protocol misuse: a method we did not offer, a malformed challenge, a reply after failure', () => {
  const l1 = new MAuthLogin(new AuthNoneClient({ name: ADMIN }), ADMIN, 0n, 0);
  l1.start();
  const e1 = errorOf(l1.handleReply(reply(AuthMethod.CEPHX, 0, 5n, Buffer.from([1, 2, 3]))));
  assert.equal(e1.code, 'ERR_AUTH_BAD_METHOD');
  assert.match(e1.message, /the mon chose auth cephx; we offer \[1\]/);
  assert.equal(errorOf(l1.handleReply(reply(AuthMethod.NONE, 0, 5n))).code, 'ERR_AUTH_FAILED');

  const cl = makeCluster('v1-misuse');
  const l2 = new MAuthLogin(cl.client(), ADMIN, 0n, 0);
  l2.start();
  assert.equal(errorOf(l2.handleReply(reply(AuthMethod.CEPHX, 0, 5n, Buffer.from([1, 2])))).code, 'ERR_AUTH_FAILED');
  const l3 = new MAuthLogin(cl.client(), ADMIN, 0n, 0);
  l3.start();
  const { step } = cl.mon.startMsgr1(ADMIN, 0n);
  sent(l3.handleReply(reply(AuthMethod.CEPHX, 0, 4101n, (step as { payload: Buffer }).payload)));
  assert.equal(errorOf(l3.handleReply(reply(AuthMethod.CEPHX, 0, 4101n, Buffer.from('garbage')))).code, 'ERR_AUTH_FAILED');
});

/** The MAuth fronts a capture's client sent and the MAuthReply messages it got. */
function captured(name: 'v1-authnone' | 'v1-cephx'): { fronts: Buffer[]; replies: MAuthReply[] } {
  const fronts = walkV1(loadStream(name, 'c2s'), 'c2s').filter((m) => m.type === MsgType.AUTH).map((m) => m.front);
  const replies = walkV1(loadStream(name, 's2c'), 's2c')
    .filter((m) => m.type === MsgType.AUTH_REPLY)
    .map((m) => MAuthReplyCodec.decode(new Message({ type: MsgType.AUTH_REPLY, front: m.front }), 0n));
  return { fronts, replies };
}
const frontOf = (m: MAuth): Buffer => MAuthCodec.encode(m, 0n).front;

test('golden v1-authnone: our MAuth front is librados\' byte for byte; the mon\'s reply ends the login', () => {
  const { fronts, replies } = captured('v1-authnone');
  assert.equal(fronts.length, 1);
  const login = new MAuthLogin(new AuthNoneClient({ name: ADMIN }), ADMIN, 0n, 0);
  assert.deepEqual(frontOf(login.start()), fronts[0]);
  const done = login.handleReply(replies[0]!);
  assert.equal(done.kind, 'done');
  assert.equal((done as { globalId: bigint }).globalId, replies[0]!.globalId);
});

test('golden v1-cephx: both MAuth fronts are librados\' byte for byte (same client challenge); the mon\'s replies log us in', () => {
  const { fronts, replies } = captured('v1-cephx');
  assert.equal(fronts.length, 2);
  const req = MAuthCodec.decode(new Message({ type: MsgType.AUTH, front: fronts[1]! }), 0n).authPayload;
  const client = new CephxAuthClient({
    name: ADMIN,
    secret: parseKeyring(loadKeyring('v1-cephx')).get('client.admin')!.key,
    random: scriptedRandom('v1-golden', [Buffer.from(req.subarray(3, 11))]),
    now: () => 1_795_676_300_000,
    wantKeys: req.readUInt32LE(req.length - 4),
  });
  const login = new MAuthLogin(client, ADMIN, 0n, 0);
  assert.deepEqual(frontOf(login.start()), fronts[0]);
  assert.deepEqual(frontOf(sent(login.handleReply(replies[0]!))), fronts[1]);
  assert.deepEqual(login.handleReply(replies[1]!), { kind: 'done', globalId: replies[1]!.globalId, method: AuthMethod.CEPHX });
  assert.ok(client.tickets.get(EntityType.AUTH));
});
