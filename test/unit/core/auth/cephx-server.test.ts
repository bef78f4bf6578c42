import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CephxAuthClient } from '../../../../src/core/auth/cephx-client.ts';
import { decryptEnvelope } from '../../../../src/core/auth/cephx-crypto.ts';
import { keyringServiceSecrets } from '../../../../src/core/auth/cephx-keyserver.ts';
import { CephxAuthServer, CephxAuthorizerVerifier } from '../../../../src/core/auth/cephx-server.ts';
import {
  SECRET_ID_GENERAL,
  decodeChallenge,
  encodeAuthorizeReply,
  encodeAuthorizer,
  encodeAuthorizerBase,
  openTicket,
  readAuthorize,
  readAuthorizerHead,
} from '../../../../src/core/auth/cephx-structs.ts';
import { AuthMethod, ConMode, type AuthServerStep } from '../../../../src/core/auth/types.ts';
import { Reader } from '../../../../src/encoding/reader.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { ADMIN, makeCluster, runExchange, type Cluster } from './fixture.ts';
import { expectCode, seededRandom } from './helpers.ts';

const OSD = EntityType.OSD;

function loggedIn(cl: Cluster): CephxAuthClient {
  const client = cl.client();
  const out = runExchange(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), ConMode.CRC);
  assert.equal(out.error, undefined);
  return client;
}

for (const conMode of [ConMode.CRC, ConMode.SECURE]) {
  const label = conMode === ConMode.CRC ? 'crc' : 'secure';
  test(`authorizer (${label}): client → OSD with the OSD ticket; one challenge round; nonce+1; secrets agree`, () => {
    const cl = makeCluster(`az-${label}`);
    const client = loggedIn(cl);
    const ticket = client.tickets.get(OSD)!;
    const server = cl.osd.start(AuthMethod.CEPHX, EntityType.CLIENT);
    const out = runExchange(client.start(AuthMethod.CEPHX, OSD, { toMon: false, globalId: client.globalId }), server, conMode);
    assert.equal(out.error, undefined);
    assert.equal(out.rounds, 2); // AUTH_REQUEST → AUTH_REPLY_MORE (challenge) → AUTH_REQUEST_MORE → AUTH_DONE
    assert.deepEqual(out.server!.peerName, ADMIN);
    assert.equal(out.server!.result.globalId, client.globalId);
    assert.deepEqual(out.client!.sessionKey, ticket.sessionKey);
    assert.deepEqual(out.server!.result.sessionKey, ticket.sessionKey);
    if (conMode === ConMode.SECURE) {
      assert.equal(out.client!.connectionSecret!.length, 64);
      assert.deepEqual(out.client!.connectionSecret, out.server!.result.connectionSecret);
    } else {
      assert.equal(out.client!.connectionSecret, undefined);
    }
    // the ticket carries the OSD caps as an encoded string
    const caps = server.peerCaps as { allowAll: boolean; caps: Buffer };
    assert.equal(new Reader(caps.caps).string(), 'allow rwx');
  });
}

test('authorizer: the challenge is the raw ciphertext of {u8 1, le64 challenge} under the ticket session key', () => {
  const cl = makeCluster('az-raw');
  const client = loggedIn(cl);
  const key = client.tickets.get(OSD)!.sessionKey;
  const h = client.start(AuthMethod.CEPHX, OSD, { toMon: false, globalId: client.globalId });
  const initial = h.initialPayload();
  const step = cl.osd.start(AuthMethod.CEPHX, EntityType.CLIENT).handle(initial, ConMode.CRC);
  assert.equal(step.kind, 'more');
  const raw = (step as { payload: Buffer }).payload;
  assert.equal(raw.length % 16, 0);
  const challenge = decodeChallenge(decryptEnvelope(key, raw));
  const answer = h.handleMore(raw);
  const r = new Reader(answer);
  const head = readAuthorizerHead(r);
  assert.equal(head.serviceId, OSD);
  assert.equal(head.globalId, client.globalId);
  const a = readAuthorize(r, key);
  assert.equal(a.haveChallenge, true);
  assert.equal(a.serverChallengePlusOne, challenge + 1n);
  // the unanswered first authorizer carries no challenge, same nonce
  const first = new Reader(initial);
  readAuthorizerHead(first);
  const a0 = readAuthorize(first, key);
  assert.equal(a0.haveChallenge, false);
  assert.equal(a0.nonce, a.nonce);
});

test('authorizer: client checks nonce+1 in the reply', () => {
  const cl = makeCluster('az-nonce');
  const client = loggedIn(cl);
  const key = client.tickets.get(OSD)!.sessionKey;
  for (const delta of [1n, 2n, 0n]) {
    const h = client.start(AuthMethod.CEPHX, OSD, { toMon: false, globalId: client.globalId });
    const r = new Reader(h.initialPayload());
    readAuthorizerHead(r);
    const nonce = readAuthorize(r, key).nonce;
    const reply = encodeAuthorizeReply(key, nonce + delta);
    if (delta === 1n) assert.equal(h.handleDone(client.globalId, ConMode.CRC, reply).globalId, client.globalId);
    else assert.equal(expectCode(() => h.handleDone(client.globalId, ConMode.CRC, reply), 'ERR_AUTH_REJECTED').errno, -13);
  }
  // secure mode without a connection secret in the reply is refused
  const h = client.start(AuthMethod.CEPHX, OSD, { toMon: false, globalId: client.globalId });
  const r = new Reader(h.initialPayload());
  readAuthorizerHead(r);
  expectCode(() => h.handleDone(client.globalId, ConMode.SECURE, encodeAuthorizeReply(key, readAuthorize(r, key).nonce + 1n)), 'ERR_AUTH_FAILED');
});

test('authorizer: server refuses unanswered / wrongly answered challenges, replays, foreign secrets, global_id lies', () => {
  const cl = makeCluster('az-refuse');
  const client = loggedIn(cl);
  const t = client.tickets.get(OSD)!;
  const base = encodeAuthorizerBase(client.globalId, OSD, t.ticket);
  const auth = (have: boolean, plus: bigint, b = base): Buffer => encodeAuthorizer(b, t.sessionKey, { nonce: 5n, haveChallenge: have, serverChallengePlusOne: plus });
  const challengeOf = (s: AuthServerStep): bigint => decodeChallenge(decryptEnvelope(t.sessionKey, (s as { payload: Buffer }).payload));

  // unanswered second round
  let v = cl.osd.start(AuthMethod.CEPHX, 8);
  assert.equal(v.handle(auth(false, 0n), ConMode.CRC).kind, 'more');
  assert.deepEqual(v.handle(auth(false, 0n), ConMode.CRC), { kind: 'error', errno: -13 });
  // wrong answer
  v = cl.osd.start(AuthMethod.CEPHX, 8);
  const c = challengeOf(v.handle(auth(false, 0n), ConMode.CRC));
  assert.deepEqual(v.handle(auth(true, c + 2n), ConMode.CRC), { kind: 'error', errno: -13 });
  // right answer works, then the handler is finished
  v = cl.osd.start(AuthMethod.CEPHX, 8);
  const c2 = challengeOf(v.handle(auth(false, 0n), ConMode.CRC));
  assert.equal(v.handle(auth(true, c2 + 1n), ConMode.CRC).kind, 'done');
  assert.deepEqual(v.handle(auth(true, c2 + 1n), ConMode.CRC), { kind: 'error', errno: -13 });
  // pre-answered "challenge" in the first request does not skip the challenge
  v = cl.osd.start(AuthMethod.CEPHX, 8);
  assert.equal(v.handle(auth(true, 1n), ConMode.CRC).kind, 'more');
  // declared global_id differs from the ticket's
  v = cl.osd.start(AuthMethod.CEPHX, 8);
  assert.deepEqual(v.handle(auth(false, 0n, encodeAuthorizerBase(client.globalId + 1n, OSD, t.ticket)), ConMode.CRC), { kind: 'error', errno: -13 });
  // unknown secret_id / other service's secret
  v = cl.osd.start(AuthMethod.CEPHX, 8);
  assert.deepEqual(v.handle(auth(false, 0n, encodeAuthorizerBase(client.globalId, OSD, { ...t.ticket, secretId: 99n })), ConMode.CRC), { kind: 'error', errno: -13 });
  v = cl.osd.start(AuthMethod.CEPHX, 8);
  assert.deepEqual(v.handle(auth(false, 0n, encodeAuthorizerBase(client.globalId, EntityType.MGR, t.ticket)), ConMode.CRC), { kind: 'error', errno: -13 });
  // session key mismatch (CephXAuthorize under another key)
  v = cl.osd.start(AuthMethod.CEPHX, 8);
  const forged = encodeAuthorizer(base, Buffer.alloc(16, 3), { nonce: 1n, haveChallenge: false, serverChallengePlusOne: 0n });
  assert.deepEqual(v.handle(forged, ConMode.CRC), { kind: 'error', errno: -13 });
  // a non-mon server refuses mon mode
  v = cl.osd.start(AuthMethod.CEPHX, 8);
  assert.deepEqual(v.handle(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }).initialPayload(), ConMode.CRC), { kind: 'error', errno: -13 });
});

test('authorizer without challenge (msgr1 peers lacking CEPHX_V2): done in one step', () => {
  const cl = makeCluster('az-nochal');
  const client = loggedIn(cl);
  const verifier = new CephxAuthorizerVerifier({ random: cl.random, getServiceSecret: (s, id) => cl.keys.getServiceSecret(s, id) }, false);
  const h = client.start(AuthMethod.CEPHX, OSD, { toMon: false, globalId: client.globalId });
  const step = verifier.handle(h.initialPayload(), ConMode.CRC);
  assert.equal(step.kind, 'done');
  assert.equal(h.handleDone(client.globalId, ConMode.CRC, (step as { payload: Buffer }).payload).globalId, client.globalId);
});

test('mon ↔ mon: mon.b dials with a self-issued ticket under the `mon.` key (secret_id −1, global_id 0)', () => {
  const cl = makeCluster('monmon');
  const monKey = cl.keyring.get('mon.')!.key;
  // the receiving side holds only a keyring with `mon.`
  const onlyMonKey = new Map([['mon.', cl.keyring.get('mon.')!]]);
  const server = new CephxAuthServer({ random: seededRandom('mon-a'), now: cl.clock.now, getServiceSecret: keyringServiceSecrets(onlyMonKey) });
  const monB = new CephxAuthClient({
    name: { type: EntityType.MON, id: 'b' },
    secret: monKey,
    random: seededRandom('mon-b'),
    now: cl.clock.now,
    selfIssueSecret: { serviceId: EntityType.MON, secret: monKey },
  });
  const h = monB.start(AuthMethod.CEPHX, EntityType.MON, { toMon: false, globalId: 0n });
  const initial = h.initialPayload();
  const r = new Reader(initial);
  const head = readAuthorizerHead(r);
  assert.equal(head.serviceId, EntityType.MON);
  assert.equal(head.globalId, 0n);
  assert.equal(head.ticket.secretId, SECRET_ID_GENERAL);
  const info = openTicket(monKey, head.ticket.blob);
  assert.deepEqual(info.ticket.name, { type: EntityType.MON, id: '' });
  assert.equal(info.ticket.globalId, 0n);
  assert.equal(info.ticket.expires.sec - info.ticket.created.sec, 3600);
  for (const [mode, toMon] of [
    [ConMode.SECURE, false],
    [ConMode.CRC, true], // a mon dialling a mon uses an authorizer even when the caller says toMon
  ] as const) {
    const out = runExchange(monB.start(AuthMethod.CEPHX, EntityType.MON, { toMon, globalId: 0n }), server.start(AuthMethod.CEPHX, EntityType.MON), mode);
    assert.equal(out.error, undefined);
    assert.deepEqual(out.server!.peerName, { type: EntityType.MON, id: '' });
    assert.equal(out.server!.result.globalId, 0n);
    assert.deepEqual(out.client!.sessionKey, out.server!.result.sessionKey);
    assert.deepEqual(out.client!.connectionSecret, out.server!.result.connectionSecret);
  }
  // a dialling mon with another `mon.` key is refused
  const impostor = new CephxAuthClient({ name: { type: EntityType.MON, id: 'c' }, secret: Buffer.alloc(16, 8), random: seededRandom('c'), now: cl.clock.now, selfIssueSecret: { serviceId: EntityType.MON, secret: Buffer.alloc(16, 8) } });
  const bad = runExchange(impostor.start(AuthMethod.CEPHX, EntityType.MON, { toMon: false, globalId: 0n }), server.start(AuthMethod.CEPHX, EntityType.MON), ConMode.CRC);
  assert.equal(bad.error, -13);
});

test('server: methods, modes, bad method', () => {
  const cl = makeCluster('modes');
  assert.deepEqual(cl.mon.allowedMethods(8), [AuthMethod.CEPHX]);
  assert.deepEqual(cl.mon.allowedModes(8, AuthMethod.CEPHX), [ConMode.SECURE, ConMode.CRC]);
  assert.deepEqual(cl.osd.allowedModes(8, AuthMethod.CEPHX), [ConMode.CRC, ConMode.SECURE]);
  assert.deepEqual(cl.osd.allowedModes(8, AuthMethod.NONE), []);
  expectCode(() => cl.osd.start(AuthMethod.NONE, 8), 'ERR_AUTH_BAD_METHOD');
  expectCode(() => cl.osd.startMsgr1(ADMIN, 0n), 'ERR_AUTH_BAD_METHOD');
  const only = makeCluster('modes2', { modes: [ConMode.CRC] });
  assert.deepEqual(only.mon.allowedModes(8, AuthMethod.CEPHX), [ConMode.CRC]);
});
