/**
 * Fuzz targets above the wire: every message codec of the catalogue (registry.ts; fronts under
 * random header versions), the MonMap / MonInfo / paxos decoders and MonClient's incoming
 * dispatch; cephx structures (challenge, authenticate, tickets, authorizer head/body, authorize
 * reply, service ticket reply, envelopes), MAuth, auth-none payloads; the auth handlers a server
 * runs on peer input (mon AUTH_REQUEST / _MORE, authorizers, MAuth, auth none — these must never
 * throw: they answer with an error step) and the client handlers; the keyring and key parsers.
 */
import { Buffer } from 'node:buffer';
import { decryptEnvelope, encryptEnvelope, readEncrypted } from '../../src/core/auth/cephx-crypto.ts';
import { decodeAuthorizeReply, decodeChallenge, encodeAuthorizeReply, encodeChallenge, openTicket, readAuthenticate, readAuthorize, readAuthorizerHead, readAuthTicket, readServiceTicketReply, readTicketBlob } from '../../src/core/auth/cephx-structs.ts';
import { decodeCryptoKey, encodeCryptoKey, parseKeyring, parseKeyValue, readCryptoKey } from '../../src/core/auth/keyring.ts';
import { decodeMAuthInitial, encodeMAuthInitial } from '../../src/core/auth/mauth.ts';
import { AuthNoneClient, AuthNoneServer, decodeNonePayload } from '../../src/core/auth/none.ts';
import { AuthMethod, ConMode, type AuthServerStep } from '../../src/core/auth/types.ts';
import { Reader } from '../../src/encoding/reader.ts';
import { Writer } from '../../src/encoding/writer.ts';
import { EntityType } from '../../src/encoding/types/entity-name.ts';
import { MsgrError } from '../../src/errors.ts';
import { Message } from '../../src/messages/message.ts';
import { decodeMonInfo, encodeMonInfo } from '../../src/messages/mon-info.ts';
import { decodeMonMap, encodeMonMap } from '../../src/messages/mon-map.ts';
import { decodePaxosPrefix, encodePaxosPrefix } from '../../src/messages/paxos-prefix.ts';
import { CATALOGUE, defaultRegistry } from '../../src/messages/registry.ts';
import { decodeIncoming } from '../../src/monc/incoming.ts';
import { loadKeyring } from '../helpers/captures.ts';
import { ADMIN, makeCluster, runExchange } from '../unit/core/auth/fixture.ts';
import { FEATURES, sampleMonMap, samples } from '../unit/messages/samples.ts';
import type { Rand, Target } from './harness.ts';

const K = Buffer.alloc(16, 0x11);

function messageTargets(): Target[] {
  const all = samples();
  const out: Target[] = CATALOGUE.map((codec): Target => {
    const mine = all.filter((s) => s.codec === codec).map((s) => codec.encode(s.body, FEATURES));
    return {
      name: `message ${codec.name}`,
      seeds: mine.map((m) => m.front),
      run(input: Buffer, r: Rand) {
        const ref = mine[r.int(mine.length)];
        const version = r.int(4) === 0 ? r.int(20) : (ref?.version ?? codec.headVersion);
        const compat = r.int(4) === 0 ? r.int(20) : (ref?.compatVersion ?? codec.compatVersion);
        const data = r.int(2) ? (ref?.data ?? Buffer.alloc(0)) : input.subarray(0, r.int(input.length + 1));
        const msg = new Message({ type: codec.type, version, compatVersion: compat, front: input, middle: ref?.middle ?? Buffer.alloc(0), data });
        codec.decode(msg, FEATURES);
      },
    };
  });
  const mm = sampleMonMap();
  const monmap = encodeMonMap(mm, FEATURES);
  const w = new Writer(256);
  encodeMonInfo(w, mm.mons.get('b')!, FEATURES);
  const info = Buffer.from(w.view());
  const pw = new Writer(16);
  encodePaxosPrefix(pw);
  const withType = all.map((s) => ({ type: s.codec.type, front: s.codec.encode(s.body, FEATURES).front }));
  out.push(
    { name: 'MonMap', seeds: [monmap], run: (i) => void decodeMonMap(i) },
    { name: 'MonInfo', seeds: [info], run: (i) => void decodeMonInfo(new Reader(i)) },
    { name: 'paxos prefix', seeds: [Buffer.from(pw.view())], run: (i) => void decodePaxosPrefix(new Reader(i)) },
    {
      name: 'registry decode + MonClient incoming (any type)',
      seeds: withType.map((x) => Buffer.concat([Buffer.from([x.type & 0xff, x.type >> 8]), x.front])),
      run(input) {
        if (input.length < 2) return;
        const msg = new Message({ type: input.readUInt16LE(0), front: input.subarray(2) });
        try {
          defaultRegistry.decode(msg, FEATURES);
        } finally {
          decodeIncoming(msg, FEATURES);
        }
      },
    },
  );
  return out;
}

/** A server handler must answer every input with a step (AUTH_BAD_METHOD on error), never throw. */
function step(s: AuthServerStep): void {
  if (!['done', 'more', 'error'].includes(s.kind)) throw new Error(`bad step ${JSON.stringify(s)}`);
  if (s.kind === 'error' && !(s.errno < 0)) throw new Error(`errno ${s.errno}`);
}

function authTargets(): Target[] {
  const cl = makeCluster('fuzz-decoders');
  const client = cl.client();
  runExchange(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, 8), ConMode.CRC);
  const osd = client.tickets.get(EntityType.OSD)!;
  const monReq = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: client.globalId });
  const first = monReq.initialPayload();
  const more = monReq.handleMore(encodeChallenge(1n));
  const az = client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: client.globalId }).initialPayload();
  const authenticate = client.buildAuthenticate(1n, client.globalId);
  const envelopes = [encryptEnvelope(K, Buffer.alloc(0)), encryptEnvelope(K, Buffer.alloc(40, 3))];
  const { session, step: s1 } = cl.mon.startMsgr1(ADMIN, client.globalId);
  session.handleMAuth(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: client.globalId }).handleMore((s1 as { payload: Buffer }).payload));
  const renewal = client.buildServiceTicketRequest(0x15);
  const noneFirst = new AuthNoneClient({ name: ADMIN }).start(1, 1, { toMon: true, globalId: 0n }).initialPayload();
  const none = new AuthNoneServer({ nextGlobalId: () => 1n });
  const osdSecret = cl.keys.getServiceSecret(EntityType.OSD, osd.ticket.secretId)!;
  const azReader = new Reader(az);
  readAuthorizerHead(azReader);
  const azBody = az.subarray(azReader.off);
  const server = (name: string, seeds: Buffer[], fn: (b: Buffer) => AuthServerStep): Target => ({ name, seeds, noThrow: true, run: (i) => step(fn(i)) });
  return [
    { name: 'cephx challenge', seeds: [encodeChallenge(5n)], run: (i) => void decodeChallenge(i) },
    { name: 'cephx authenticate', seeds: [authenticate.subarray(2)], run: (i) => void readAuthenticate(new Reader(i)) },
    { name: 'cephx ticket blob', seeds: [Buffer.concat([Buffer.from([1]), Buffer.from(new BigUint64Array([osd.ticket.secretId]).buffer), Buffer.from([osd.ticket.blob.length, 0, 0, 0]), osd.ticket.blob])], run: (i) => void readTicketBlob(new Reader(i)) },
    { name: 'cephx sealed ticket', seeds: [osd.ticket.blob], run: (i) => void openTicket(osdSecret, i) },
    { name: 'cephx auth ticket', seeds: [], run: (i) => void readAuthTicket(new Reader(i)) },
    { name: 'cephx authorizer head', seeds: [az], run: (i) => void readAuthorizerHead(new Reader(i)) },
    { name: 'cephx authorizer body', seeds: [azBody], run: (i) => void readAuthorize(new Reader(i), osd.sessionKey) },
    { name: 'cephx authorize reply', seeds: [encodeAuthorizeReply(osd.sessionKey, 6n), encodeAuthorizeReply(osd.sessionKey, 7n, Buffer.alloc(64, 1))], run: (i) => void decodeAuthorizeReply(i, osd.sessionKey) },
    { name: 'cephx service ticket reply', seeds: [], run: (i) => void readServiceTicketReply(new Reader(i), K, () => K) },
    { name: 'cephx envelope', seeds: envelopes, run: (i) => void decryptEnvelope(K, i) },
    { name: 'cephx encrypted blob', seeds: envelopes.map((e) => Buffer.concat([Buffer.from([e.length, 0, 0, 0]), e])), run: (i) => void readEncrypted(new Reader(i), K) },
    { name: 'MAuth initial', seeds: [encodeMAuthInitial({ methods: [2, 1], name: ADMIN, globalId: 3n })], run: (i) => void decodeMAuthInitial(i) },
    { name: 'auth none payload', seeds: [noneFirst], run: (i) => void decodeNonePayload(i) },
    server('server: mon AUTH_REQUEST', [first], (b) => cl.mon.start(AuthMethod.CEPHX, 8).handle(b, ConMode.SECURE)),
    server('server: mon AUTH_REQUEST_MORE', [more, authenticate], (b) => {
      const h = cl.mon.start(AuthMethod.CEPHX, 8);
      h.handle(first, ConMode.CRC);
      return h.handle(b, ConMode.SECURE);
    }),
    server('server: authorizer (osd)', [az], (b) => cl.osd.start(AuthMethod.CEPHX, 8).handle(b, ConMode.SECURE)),
    server('server: authorizer on a mon', [az, first], (b) => cl.mon.start(AuthMethod.CEPHX, 8).handle(b, ConMode.CRC)),
    server('server: MAuth (msgr1 mon session)', [renewal, more], (b) => {
      const o = session.handleMAuth(b);
      return o.errno === 0 ? { kind: 'more', payload: Buffer.alloc(0) } : { kind: 'error', errno: o.errno };
    }),
    server('server: auth none', [noneFirst], (b) => none.start(AuthMethod.NONE, 8).handle(b, ConMode.CRC)),
    { name: 'client: mon AUTH_REPLY_MORE', seeds: [encodeChallenge(9n)], run: (i) => void client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }).handleMore(i) },
    { name: 'client: authorizer reply', seeds: [encryptEnvelope(osd.sessionKey, encodeChallenge(3n))], run: (i) => void client.start(AuthMethod.CEPHX, EntityType.OSD, { toMon: false, globalId: client.globalId }).handleMore(i) },
  ];
}

function keyringTargets(): Target[] {
  const text = Buffer.from(loadKeyring('v2-cephx'), 'latin1');
  const key = encodeCryptoKey(K, { sec: 1, nsec: 2 });
  return [
    { name: 'keyring parser', seeds: [text, Buffer.from('[a.b]\nkey = "x"\ncaps x = "\\"'), Buffer.from('[client.x]\n\tkey = AQ==\n')], run: (i) => void parseKeyring(i.toString('latin1')) },
    { name: 'key (base64) parser', seeds: [Buffer.from(key.toString('base64'))], run: (i) => void parseKeyValue(i.toString('latin1')) },
    { name: 'CryptoKey', seeds: [key], run: (i) => void decodeCryptoKey(i) },
    { name: 'CryptoKey (reader)', seeds: [key], run: (i) => void readCryptoKey(new Reader(i)) },
  ];
}

export function appTargets(): Target[] {
  const t = [...messageTargets(), ...authTargets(), ...keyringTargets()];
  for (const x of t) if (!x.name) throw new MsgrError('ERR_INVALID_ARG', 'unnamed fuzz target');
  return t;
}
