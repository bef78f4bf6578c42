/**
 * Golden: msgr1 cephx with MAuth / MAuthReply (wire §6.9) from v1-cephx (real librados ↔ ceph-mon
 * 16.2.15). Stream 0 = bootstrap MonClient (AUTH only), stream 1 = librados session, which also
 * sends a GET_PRINCIPAL_SESSION_KEY request (0x0200) after logging in.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CephxAuthClient } from '../../../../src/core/auth/cephx-client.ts';
import { cephxChallengeKey, readEncrypted } from '../../../../src/core/auth/cephx-crypto.ts';
import { decodeMAuthInitial } from '../../../../src/core/auth/mauth.ts';
import { parseKeyring } from '../../../../src/core/auth/keyring.ts';
import { AuthMethod, ConMode } from '../../../../src/core/auth/types.ts';
import { Reader } from '../../../../src/encoding/reader.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { loadKeyring, loadStream } from '../../../helpers/captures.ts';
import { walkV1 } from './capture-frames.ts';
import { scriptedRandom } from './helpers.ts';
import { tcpStreams } from './pcap-streams.ts';

const keyring = parseKeyring(loadKeyring('v1-cephx'));
const ADMIN = { type: EntityType.CLIENT, id: 'admin' };
const adminKey = keyring.get('client.admin')!.key;
const NOW = 1_795_676_300_000;
const MSG_AUTH = 17;
const MSG_AUTH_REPLY = 18;

interface MAuth {
  protocol: number;
  payload: Buffer;
}
interface MAuthReply {
  protocol: number;
  result: number;
  globalId: bigint;
  payload: Buffer;
}

/** MAuth front: PaxosServiceMessage header (u64, s16, u64), le32 protocol, blob payload, le32 epoch. */
function mauth(front: Buffer): MAuth {
  const r = new Reader(front);
  r.skip(18);
  return { protocol: r.u32(), payload: r.blob() };
}
/** MAuthReply front: le32 protocol, s32 result, le64 global_id, blob result_bl, string msg. */
function mauthReply(front: Buffer): MAuthReply {
  const r = new Reader(front);
  return { protocol: r.u32(), result: r.s32(), globalId: r.u64(), payload: r.blob() };
}

function exchange(c2s: Buffer, s2c: Buffer): { reqs: MAuth[]; replies: MAuthReply[] } {
  const reqs = walkV1(c2s, 'c2s').filter((m) => m.type === MSG_AUTH).map((m) => mauth(m.front));
  const replies = walkV1(s2c, 's2c').filter((m) => m.type === MSG_AUTH_REPLY).map((m) => mauthReply(m.front));
  return { reqs, replies };
}

const streams = [
  { label: 'v1-cephx stream 0', ...exchange(loadStream('v1-cephx', 'c2s'), loadStream('v1-cephx', 's2c')) },
  (() => {
    const s = tcpStreams('v1-cephx')[1]!;
    return { label: 'v1-cephx stream 1', ...exchange(s.c2s, s.s2c) };
  })(),
];

const scripted = (first: Buffer[]): ReturnType<typeof scriptedRandom> => scriptedRandom('v1', first);

for (const x of streams) {
  test(`${x.label}: first MAuth payload and the cephx request are byte-identical to librados'`, () => {
    const [m0, m1] = x.reqs;
    const [r0] = x.replies;
    assert.ok(m0 && m1 && r0);
    assert.equal(m0.protocol, 0);
    assert.deepEqual(decodeMAuthInitial(m0.payload), { methods: [AuthMethod.CEPHX], name: ADMIN, globalId: 0n });
    const clientChallenge = m1.payload.subarray(3, 11);
    const wantKeys = m1.payload.readUInt32LE(m1.payload.length - 4);
    const client = new CephxAuthClient({ name: ADMIN, secret: adminKey, random: scripted([Buffer.from(clientChallenge)]), now: () => NOW, wantKeys });
    assert.deepEqual(client.msgr1InitialPayload(0n), m0.payload);
    assert.equal(r0.protocol, AuthMethod.CEPHX);
    assert.equal(r0.result, 0);
    const h = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
    assert.equal(m1.protocol, AuthMethod.CEPHX);
    assert.deepEqual(h.handleMore(r0.payload), m1.payload);
    // and the key inside is the challenge key
    assert.equal(cephxChallengeKey(adminKey, r0.payload.readBigUInt64LE(1), m1.payload.readBigUInt64LE(3)), m1.payload.readBigUInt64LE(11));
  });

  test(`${x.label}: MAuthReply decrypted (ticket, no connection secret on msgr1)`, () => {
    const [, m1] = x.reqs;
    const [r0, r1] = x.replies;
    assert.ok(m1 && r0 && r1);
    const client = new CephxAuthClient({
      name: ADMIN,
      secret: adminKey,
      random: scripted([Buffer.from(m1.payload.subarray(3, 11))]),
      now: () => NOW,
      wantKeys: m1.payload.readUInt32LE(m1.payload.length - 4),
    });
    const h = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
    h.handleMore(r0.payload);
    assert.equal(r1.result, 0);
    const res = h.handleDone(r1.globalId, ConMode.CRC, r1.payload);
    assert.equal(res.globalId, r1.globalId);
    assert.equal(res.sessionKey?.length, 16);
    assert.equal(res.connectionSecret, undefined);
    // msgr1: cbl is an empty blob
    const auth = client.tickets.get(EntityType.AUTH)!;
    assert.equal(auth.validityMs, 72 * 3600 * 1000);
    if (client.wantKeys === 0x35) assert.deepEqual(client.tickets.services(), [1, 4, 16, 32]);
    else assert.deepEqual(client.tickets.services(), [32]);
  });
}

test('v1-cephx stream 1: GET_PRINCIPAL_SESSION_KEY request is byte-identical; its reply applies', () => {
  const x = streams[1]!;
  const [, m1, m2] = x.reqs;
  const [r0, r1, r2] = x.replies;
  assert.ok(m1 && m2 && r0 && r1 && r2);
  assert.equal(m2.payload.readUInt16LE(0), 0x0200);
  let t = NOW;
  const random = scripted([Buffer.from(m1.payload.subarray(3, 11))]);
  const client = new CephxAuthClient({
    name: ADMIN,
    secret: adminKey,
    random,
    now: () => t,
    wantKeys: 0x35,
  });
  const h = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  h.handleMore(r0.payload);
  h.handleDone(r1.globalId, ConMode.CRC, r1.payload);
  const auth = client.tickets.get(EntityType.AUTH)!;
  // decode the real request: authorizer for AUTH built from our AUTH ticket, then the key mask
  const r = new Reader(m2.payload, 2);
  assert.equal(r.u8(), 1);
  assert.equal(r.u64(), r1.globalId);
  assert.equal(r.u32(), EntityType.AUTH);
  r.u8();
  assert.equal(r.u64(), auth.ticket.secretId);
  assert.deepEqual(r.blob(), auth.ticket.blob);
  const authorize = new Reader(readEncrypted(r, auth.sessionKey, 'ERR_AUTH_REJECTED'));
  assert.equal(authorize.u8(), 2);
  const nonce = authorize.bytes(8);
  assert.equal(r.u8(), 1);
  const keys = r.u32();
  r.expectEnd();
  // our client builds exactly the same bytes given the same nonce
  random.queue.push(Buffer.from(nonce));
  assert.deepEqual(client.buildServiceTicketRequest(keys), m2.payload);
  // reply: 0x0200 tickets under the AUTH session key
  assert.equal(r2.result, 0);
  t += 10_000;
  const updated = client.handleRenewalReply(r2.payload);
  assert.equal(keys & ~EntityType.AUTH, EntityType.MON | EntityType.OSD | EntityType.MGR);
  assert.deepEqual(updated, [EntityType.MON, EntityType.OSD, EntityType.MGR]);
  for (const svc of updated) assert.equal(client.tickets.get(svc)!.obtainedAt, t);
  assert.equal(client.tickets.get(EntityType.AUTH)!.obtainedAt, NOW);
});
