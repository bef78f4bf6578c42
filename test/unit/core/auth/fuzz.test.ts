/**
 * Fuzz: 10,000 random or mutated inputs into every auth decoder and handler. Decoders and client
 * handlers may only throw MsgrError; server handlers must not throw at all (they answer with an
 * error step, i.e. AUTH_BAD_METHOD) and report negative errnos.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { aesCbcDecrypt, decryptEnvelope, encryptEnvelope, readEncrypted } from '../../../../src/core/auth/cephx-crypto.ts';
import {
  decodeAuthorizeReply,
  decodeChallenge,
  encodeChallenge,
  openTicket,
  readAuthenticate,
  readAuthorizerHead,
  readServiceTicketReply,
} from '../../../../src/core/auth/cephx-structs.ts';
import { decodeCryptoKey, encodeCryptoKey, parseKeyring } from '../../../../src/core/auth/keyring.ts';
import { decodeMAuthInitial, encodeMAuthInitial } from '../../../../src/core/auth/mauth.ts';
import { AuthNoneClient, AuthNoneServer, decodeNonePayload } from '../../../../src/core/auth/none.ts';
import { AuthMethod, ConMode, type AuthServerStep } from '../../../../src/core/auth/types.ts';
import { Reader } from '../../../../src/encoding/reader.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { isMsgrError } from '../../../../src/errors.ts';
import { loadKeyring } from '../../../helpers/captures.ts';
import { ADMIN, makeCluster, runExchange } from './fixture.ts';

const N = 10_000;

/** xorshift32: deterministic and fast. */
function prng(seed: number): { int: (n: number) => number; bytes: (n: number) => Buffer } {
  let s = seed >>> 0 || 1;
  const next = (): number => {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    return s;
  };
  return {
    int: (n) => next() % n,
    bytes: (n) => {
      const b = Buffer.allocUnsafe(n);
      for (let i = 0; i < n; i++) b[i] = next() & 0xff;
      return b;
    },
  };
}

/** Random bytes, or a mutation (flips, truncation, extension, splice, hostile length) of a sample. */
function mutator(seed: number, samples: readonly Buffer[]): () => Buffer {
  const r = prng(seed);
  return () => {
    const kind = r.int(8);
    if (kind === 0 || samples.length === 0) return r.bytes(r.int(300));
    const s = Buffer.from(samples[r.int(samples.length)]!);
    switch (kind) {
      case 1:
      case 2: {
        const flips = 1 + r.int(4);
        for (let i = 0; i < flips && s.length > 0; i++) s[r.int(s.length)]! ^= 1 << r.int(8);
        return s;
      }
      case 3:
        return s.subarray(0, r.int(s.length + 1));
      case 4:
        return Buffer.concat([s, r.bytes(1 + r.int(40))]);
      case 5: {
        if (s.length === 0) return s;
        const at = r.int(s.length);
        const len = r.int(Math.min(32, s.length - at) + 1);
        r.bytes(len).copy(s, at);
        return s;
      }
      case 6: {
        if (s.length < 4) return s;
        const at = r.int(s.length - 3);
        const values = [0xffffffff, 0x7fffffff, 0x80000000, s.length, s.length + 1, 0x10000, 0];
        s.writeUInt32LE(values[r.int(values.length)]!, at);
        return s;
      }
      default:
        return s;
    }
  };
}

/** Run fn N times; anything thrown must be a MsgrError. */
function onlyMsgrErrors(name: string, seed: number, samples: readonly Buffer[], fn: (b: Buffer) => unknown): void {
  const gen = mutator(seed, samples);
  for (let i = 0; i < N; i++) {
    const input = gen();
    try {
      fn(input);
    } catch (e) {
      if (!isMsgrError(e)) assert.fail(`${name}: non-MsgrError for input ${input.toString('hex')}: ${String(e)}`);
    }
  }
}

/** Run a server handler N times; it must return a valid step and never throw. */
function neverThrows(name: string, seed: number, samples: readonly Buffer[], fn: (b: Buffer) => AuthServerStep): void {
  const gen = mutator(seed, samples);
  for (let i = 0; i < N; i++) {
    const input = gen();
    let step: AuthServerStep;
    try {
      step = fn(input);
    } catch (e) {
      assert.fail(`${name}: threw ${String(e)} for input ${input.toString('hex')}`);
    }
    assert.ok(['done', 'more', 'error'].includes(step.kind));
    if (step.kind === 'error') assert.ok(step.errno < 0, `${name}: errno ${step.errno}`);
  }
}

const K = Buffer.alloc(16, 0x11);

test('fuzz: AES-CBC, envelopes, crypto keys, keyrings', () => {
  const envelopes = [encryptEnvelope(K, Buffer.alloc(0)), encryptEnvelope(K, Buffer.alloc(40, 3))];
  onlyMsgrErrors('aesCbcDecrypt', 1, envelopes, (b) => aesCbcDecrypt(K, b));
  onlyMsgrErrors('decryptEnvelope', 2, envelopes, (b) => decryptEnvelope(K, b));
  onlyMsgrErrors('readEncrypted', 3, envelopes.map((e) => Buffer.concat([Buffer.from([e.length, 0, 0, 0]), e])), (b) => readEncrypted(new Reader(b), K));
  onlyMsgrErrors('decodeCryptoKey', 4, [encodeCryptoKey(K, { sec: 1, nsec: 2 })], (b) => decodeCryptoKey(b));
  const text = Buffer.from(loadKeyring('v2-cephx'));
  onlyMsgrErrors('parseKeyring', 5, [text, Buffer.from('[a.b]\nkey = "x"\ncaps x = "\\"')], (b) => parseKeyring(b.toString('latin1')));
});

test('fuzz: cephx structure decoders', () => {
  const cl = makeCluster('fuzz-structs');
  const client = cl.client();
  runExchange(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, 8), ConMode.CRC);
  const osd = client.tickets.get(EntityType.OSD)!;
  const az = client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: client.globalId }).initialPayload();
  onlyMsgrErrors('decodeChallenge', 6, [encodeChallenge(5n)], (b) => decodeChallenge(b));
  onlyMsgrErrors('readAuthenticate', 7, [client.buildAuthenticate(1n, client.globalId).subarray(2)], (b) => readAuthenticate(new Reader(b)));
  onlyMsgrErrors('readAuthorizerHead', 8, [az], (b) => readAuthorizerHead(new Reader(b)));
  onlyMsgrErrors('openTicket', 9, [osd.ticket.blob], (b) => openTicket(cl.keys.getServiceSecret(EntityType.OSD, osd.ticket.secretId)!, b));
  onlyMsgrErrors('decodeAuthorizeReply', 10, [], (b) => decodeAuthorizeReply(b, osd.sessionKey));
  onlyMsgrErrors('readServiceTicketReply', 11, [], (b) => readServiceTicketReply(new Reader(b), K, () => K));
  onlyMsgrErrors('decodeMAuthInitial', 12, [encodeMAuthInitial({ methods: [2, 1], name: ADMIN, globalId: 3n })], (b) => decodeMAuthInitial(b));
  onlyMsgrErrors('decodeNonePayload', 13, [new AuthNoneClient({ name: ADMIN }).start(1, 1, { toMon: true, globalId: 0n }).initialPayload()], (b) => decodeNonePayload(b));
});

test('fuzz: cephx client handlers (mon mode, authorizer mode, renewal replies)', () => {
  const cl = makeCluster('fuzz-client');
  const client = cl.client();
  // a real AUTH_DONE payload (secure, with cbl and extra tickets) to mutate
  let donePayload: Buffer = Buffer.alloc(0);
  let doneGid = 0n;
  {
    const h = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
    const s = cl.mon.start(AuthMethod.CEPHX, 8);
    const ch = s.handle(h.initialPayload(), ConMode.SECURE) as { payload: Buffer };
    const done = s.handle(h.handleMore(ch.payload), ConMode.SECURE);
    assert.equal(done.kind, 'done');
    if (done.kind === 'done') {
      donePayload = done.payload;
      doneGid = done.result.globalId;
      h.handleDone(doneGid, ConMode.SECURE, donePayload);
    }
  }
  onlyMsgrErrors('mon handleMore', 20, [encodeChallenge(9n)], (b) => client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }).handleMore(b));
  onlyMsgrErrors('mon handleDone', 21, [donePayload], (b) => {
    const h = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: doneGid });
    h.handleMore(encodeChallenge(9n));
    h.handleDone(doneGid, ConMode.SECURE, b);
  });
  const key = client.tickets.get(EntityType.OSD)!.sessionKey;
  onlyMsgrErrors('authorizer handleMore', 22, [encryptEnvelope(key, encodeChallenge(3n))], (b) =>
    client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: client.globalId }).handleMore(b),
  );
  onlyMsgrErrors('authorizer handleDone', 23, [], (b) => client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: client.globalId }).handleDone(1n, ConMode.CRC, b));
  const { session, step } = cl.mon.startMsgr1(ADMIN, client.globalId);
  const req = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: client.globalId }).handleMore((step as { payload: Buffer }).payload);
  const login = session.handleMAuth(req);
  assert.equal(login.errno, 0);
  const renew = session.handleMAuth(client.buildServiceTicketRequest(0x15));
  assert.ok('payload' in renew && 'payload' in login);
  onlyMsgrErrors('handleRenewalReply', 24, [renew.payload, login.payload], (b) => client.handleRenewalReply(b));
});

test('fuzz: cephx server handlers never throw (mon mode, authorizers, MAuth)', () => {
  const cl = makeCluster('fuzz-server');
  const client = cl.client();
  runExchange(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, 8), ConMode.CRC);
  const monReq = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: client.globalId });
  const first = monReq.initialPayload();
  neverThrows('mon AUTH_REQUEST', 30, [first], (b) => cl.mon.start(AuthMethod.CEPHX, 8).handle(b, ConMode.SECURE));
  const more = monReq.handleMore(encodeChallenge(1n));
  neverThrows('mon AUTH_REQUEST_MORE', 31, [more, client.buildAuthenticate(1n, 0n)], (b) => {
    const h = cl.mon.start(AuthMethod.CEPHX, 8);
    h.handle(first, ConMode.CRC);
    return h.handle(b, ConMode.SECURE);
  });
  const azh = client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: client.globalId });
  const az = azh.initialPayload();
  neverThrows('authorizer AUTH_REQUEST', 32, [az], (b) => cl.osd.start(AuthMethod.CEPHX, 8).handle(b, ConMode.SECURE));
  neverThrows('authorizer on a mon', 33, [az, first], (b) => cl.mon.start(AuthMethod.CEPHX, 8).handle(b, ConMode.CRC));
  neverThrows('authorizer AUTH_REQUEST_MORE', 34, [az], (b) => {
    const h = cl.osd.start(AuthMethod.CEPHX, 8);
    h.handle(az, ConMode.CRC);
    return h.handle(b, ConMode.CRC);
  });
  const { session, step } = cl.mon.startMsgr1(ADMIN, client.globalId);
  session.handleMAuth(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: client.globalId }).handleMore((step as { payload: Buffer }).payload));
  const renewal = client.buildServiceTicketRequest(0x15);
  neverThrows('MAuth requests', 35, [renewal, more], (b) => {
    const out = session.handleMAuth(b);
    return out.errno === 0 ? { kind: 'more', payload: Buffer.alloc(0) } : { kind: 'error', errno: out.errno };
  });
  const none = new AuthNoneServer({ nextGlobalId: () => 1n });
  neverThrows('auth none server', 36, [new AuthNoneClient({ name: ADMIN }).start(1, 1, { toMon: true, globalId: 0n }).initialPayload()], (b) =>
    none.start(AuthMethod.NONE, 8).handle(b, ConMode.CRC),
  );
});
