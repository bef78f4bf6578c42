/**
 * Golden: the cephx exchanges recorded between a real librados client and a real ceph-mon 16.2.15
 * (v2-crc-cephx, v2-secure-cephx; stream 0 = bootstrap MonClient asking only AUTH, stream 1 =
 * the librados session asking AUTH|MGR|OSD|MON), recomputed offline with the capture keyring.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createDecipheriv } from 'node:crypto';
import { CephxAuthClient } from '../../../../src/core/auth/cephx-client.ts';
import { cephxChallengeKey } from '../../../../src/core/auth/cephx-crypto.ts';
import { CephxKeyServer } from '../../../../src/core/auth/cephx-keyserver.ts';
import { CephxAuthServer } from '../../../../src/core/auth/cephx-server.ts';
import { parseKeyring } from '../../../../src/core/auth/keyring.ts';
import { authSignature, verifyAuthSignature } from '../../../../src/core/auth/signature.ts';
import { AuthMethod, ConMode } from '../../../../src/core/auth/types.ts';
import { crc32c } from '../../../../src/encoding/crc32c.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { loadKeyring, loadStream, type CaptureName } from '../../../helpers/captures.ts';
import { TAG, authPayload, firstFrame, walkV2, walkV2ClearClient, type V2Walk } from './capture-frames.ts';
import { scriptedRandom, seededRandom } from './helpers.ts';
import { tcpStreams } from './pcap-streams.ts';

const keyring = parseKeyring(loadKeyring('v2-cephx'));
const ADMIN = { type: EntityType.CLIENT, id: 'admin' };
const adminKey = keyring.get('client.admin')!.key;
const NOW = 1_795_676_300_000;

interface Exchange {
  label: string;
  secure: boolean;
  c2sRaw: Buffer;
  s2cRaw: Buffer;
  c2s: V2Walk;
  s2c: V2Walk;
}

function exchanges(): Exchange[] {
  const out: Exchange[] = [];
  for (const name of ['v2-crc-cephx', 'v2-secure-cephx'] as CaptureName[]) {
    const streams = [{ c2s: loadStream(name, 'c2s'), s2c: loadStream(name, 's2c') }, tcpStreams(name)[1]!];
    streams.forEach((st, i) => {
      out.push({
        label: `${name} stream ${i}`,
        secure: name.includes('secure'),
        c2sRaw: st.c2s,
        s2cRaw: st.s2c,
        c2s: walkV2ClearClient(st.c2s),
        s2c: walkV2(st.s2c, TAG.AUTH_DONE),
      });
    });
  }
  return out;
}

const scripted = (first: Buffer[]): ReturnType<typeof scriptedRandom> => scriptedRandom('after-script', first);

/** Replay the recorded exchange through our client, with its client_challenge injected. */
function replayClient(x: Exchange): { client: CephxAuthClient; result: ReturnType<ReturnType<CephxAuthClient['start']>['handleDone']>; request: Buffer; more: Buffer } {
  const req = authPayload(firstFrame(x.c2s, TAG.AUTH_REQUEST_MORE)).payload;
  const clientChallenge = req.subarray(3, 11);
  const otherKeys = req.readUInt32LE(req.length - 4);
  const client = new CephxAuthClient({ name: ADMIN, secret: adminKey, random: scripted([Buffer.from(clientChallenge)]), now: () => NOW, wantKeys: otherKeys });
  const h = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  const request = h.initialPayload();
  const more = h.handleMore(authPayload(firstFrame(x.s2c, TAG.AUTH_REPLY_MORE)).payload);
  const done = authPayload(firstFrame(x.s2c, TAG.AUTH_DONE));
  const result = h.handleDone(done.globalId!, done.conMode!, done.payload);
  return { client, result, request, more };
}

for (const x of exchanges()) {
  test(`${x.label}: our client's AUTH_REQUEST and AUTH_REQUEST_MORE are byte-identical to librados'`, () => {
    const ar = authPayload(firstFrame(x.c2s, TAG.AUTH_REQUEST));
    assert.equal(ar.method, AuthMethod.CEPHX);
    assert.deepEqual(ar.modes, [x.secure ? ConMode.SECURE : ConMode.CRC]);
    const { request, more } = replayClient(x);
    assert.deepEqual(request, ar.payload);
    assert.deepEqual(more, authPayload(firstFrame(x.c2s, TAG.AUTH_REQUEST_MORE)).payload);
  });

  test(`${x.label}: challenge key recomputed from server + client challenges`, () => {
    const serverChallenge = authPayload(firstFrame(x.s2c, TAG.AUTH_REPLY_MORE)).payload.readBigUInt64LE(1);
    const req = authPayload(firstFrame(x.c2s, TAG.AUTH_REQUEST_MORE)).payload;
    assert.equal(req.readUInt16LE(0), 0x0100);
    assert.equal(req[2], 3); // CephXAuthenticate v3
    const clientChallenge = req.readBigUInt64LE(3);
    const key = req.readBigUInt64LE(11);
    assert.equal(cephxChallengeKey(adminKey, serverChallenge, clientChallenge), key);
    assert.notEqual(cephxChallengeKey(keyring.get('mon.')!.key, serverChallenge, clientChallenge), key);
  });

  test(`${x.label}: AUTH_DONE decrypted: AUTH session key, 72 h validity, ticket, connection secret, extra tickets`, () => {
    const { client, result } = replayClient(x);
    const done = authPayload(firstFrame(x.s2c, TAG.AUTH_DONE));
    assert.equal(result.globalId, done.globalId);
    assert.equal(client.globalId, done.globalId);
    assert.equal(result.sessionKey?.length, 16);
    const auth = client.tickets.get(EntityType.AUTH)!;
    assert.deepEqual(auth.sessionKey, result.sessionKey);
    assert.equal(auth.validityMs, 72 * 3600 * 1000);
    assert.equal(auth.renewAfter - auth.obtainedAt, 54 * 3600 * 1000);
    assert.ok(auth.ticket.blob.length > 0);
    if (x.secure) assert.equal(result.connectionSecret?.length, 64);
    else assert.equal(result.connectionSecret, undefined);
    const otherKeys = authPayload(firstFrame(x.c2s, TAG.AUTH_REQUEST_MORE)).payload.readUInt32LE(32);
    if (otherKeys === 0x35) {
      assert.deepEqual(client.tickets.services(), [EntityType.MON, EntityType.OSD, EntityType.MGR, EntityType.AUTH]);
      for (const svc of [EntityType.MON, EntityType.OSD, EntityType.MGR]) {
        const t = client.tickets.get(svc)!;
        assert.equal(t.sessionKey.length, 16);
        assert.equal(t.validityMs, 3600 * 1000);
        assert.ok(t.ticket.blob.length > 0);
        assert.notDeepEqual(t.sessionKey, auth.sessionKey);
      }
      assert.equal(client.needsRenewal(NOW), false);
      assert.equal(client.needsRenewal(NOW + 2700 * 1000), true); // 3/4 of the 1 h service tickets
    } else {
      assert.equal(otherKeys, 0x20);
      assert.deepEqual(client.tickets.services(), [EntityType.AUTH]);
    }
  });

  test(`${x.label}: AUTH_SIGNATURE both ways = HMAC(session key, peer's bytes up to AUTH_DONE)`, () => {
    const { result } = replayClient(x);
    const key = result.sessionKey!;
    const s2cSigned = x.s2cRaw.subarray(0, x.s2c.restOffset);
    const c2sSigned = x.c2sRaw.subarray(0, x.c2s.restOffset);
    let clientSig: Buffer;
    let serverSig: Buffer;
    if (!x.secure) {
      assert.equal(x.c2s.rest[0], TAG.AUTH_SIGNATURE);
      assert.equal(x.s2c.rest[0], TAG.AUTH_SIGNATURE);
      clientSig = x.c2s.rest.subarray(32, 64);
      serverSig = x.s2c.rest.subarray(32, 64);
    } else {
      const secret = result.connectionSecret!;
      clientSig = openFirstSecureFrame(secret, secret.subarray(28, 40), x.c2s.rest);
      serverSig = openFirstSecureFrame(secret, secret.subarray(16, 28), x.s2c.rest);
    }
    assert.ok(verifyAuthSignature(key, [s2cSigned], clientSig));
    assert.ok(verifyAuthSignature(key, [c2sSigned], serverSig));
    assert.deepEqual(authSignature(key, [s2cSigned]), clientSig);
    // one byte less (or the other direction) does not verify
    assert.equal(verifyAuthSignature(key, [s2cSigned.subarray(0, -1)], clientSig), false);
    assert.equal(verifyAuthSignature(key, [c2sSigned], clientSig), false);
  });

  test(`${x.label}: our mon-mode server accepts the real client's request and answers in the same layout`, () => {
    const serverChallenge = authPayload(firstFrame(x.s2c, TAG.AUTH_REPLY_MORE)).payload.subarray(1, 9);
    const done = authPayload(firstFrame(x.s2c, TAG.AUTH_DONE));
    const rnd = seededRandom(x.label);
    const keys = new CephxKeyServer({ keyring, random: rnd, services: [EntityType.AUTH, EntityType.AUTH, EntityType.MON, EntityType.OSD, EntityType.MGR] });
    const server = new CephxAuthServer({
      random: scripted([Buffer.from(serverChallenge)]),
      now: () => NOW,
      getServiceSecret: (s, id) => keys.getServiceSecret(s, id),
      mon: { keys, nextGlobalId: () => done.globalId! },
    });
    const h = server.start(AuthMethod.CEPHX, EntityType.CLIENT);
    const first = h.handle(authPayload(firstFrame(x.c2s, TAG.AUTH_REQUEST)).payload, done.conMode!);
    assert.equal(first.kind, 'more');
    assert.deepEqual(first.kind === 'more' && first.payload, authPayload(firstFrame(x.s2c, TAG.AUTH_REPLY_MORE)).payload);
    const step = h.handle(authPayload(firstFrame(x.c2s, TAG.AUTH_REQUEST_MORE)).payload, done.conMode!);
    assert.equal(step.kind, 'done');
    if (step.kind !== 'done') return;
    assert.deepEqual(step.peerName, ADMIN);
    assert.equal(step.result.globalId, done.globalId);
    // same size and same clear-text skeleton as the real mon's AUTH_DONE payload
    assert.equal(step.payload.length, done.payload.length);
    assert.deepEqual(step.payload.subarray(0, 19), done.payload.subarray(0, 19));
  });
}

/** rev1 secure: decrypt the first 96-byte block (preamble + 48 inline bytes) and return the signature. */
function openFirstSecureFrame(secret: Buffer, nonce: Buffer, wire: Buffer): Buffer {
  const d = createDecipheriv('aes-128-gcm', secret.subarray(0, 16), nonce);
  d.setAuthTag(wire.subarray(80, 96));
  const plain = Buffer.concat([d.update(wire.subarray(0, 80)), d.final()]);
  assert.equal(plain[0], TAG.AUTH_SIGNATURE);
  assert.equal(plain[1], 1);
  assert.equal(plain.readUInt32LE(2), 32);
  assert.equal(crc32c(0, plain.subarray(0, 28)), plain.readUInt32LE(28));
  assert.deepEqual(plain.subarray(64, 80), Buffer.alloc(16));
  return plain.subarray(32, 64);
}
