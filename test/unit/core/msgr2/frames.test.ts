import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isMsgrError } from '../../../../src/errors.ts';
import { AddrType, makeAddr, type EntityAddr } from '../../../../src/encoding/types/entity-addr.ts';
import * as F from '../../../../src/core/msgr2/frames.ts';
import { decodeControlFrame } from '../../../../src/core/msgr2/control-frame.ts';
import { Tag, tagName } from '../../../../src/core/msgr2/tags.ts';
import { CRC_CAPTURES, DIRS, EXPECTED_WALK, golden } from './golden.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `not a MsgrError: ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

/** encode/decode pairs by tag (MESSAGE excluded). */
type Codec = { enc: (f: never) => Buffer; dec: (b: Buffer) => unknown };
const CODECS: Record<number, Codec> = {
  [Tag.HELLO]: { enc: F.encodeHello, dec: F.decodeHello },
  [Tag.AUTH_REQUEST]: { enc: F.encodeAuthRequest, dec: F.decodeAuthRequest },
  [Tag.AUTH_BAD_METHOD]: { enc: F.encodeAuthBadMethod, dec: F.decodeAuthBadMethod },
  [Tag.AUTH_REPLY_MORE]: { enc: F.encodeAuthReplyMore, dec: F.decodeAuthReplyMore },
  [Tag.AUTH_REQUEST_MORE]: { enc: F.encodeAuthRequestMore, dec: F.decodeAuthRequestMore },
  [Tag.AUTH_DONE]: { enc: F.encodeAuthDone, dec: F.decodeAuthDone },
  [Tag.AUTH_SIGNATURE]: { enc: F.encodeAuthSignature, dec: F.decodeAuthSignature },
  [Tag.CLIENT_IDENT]: { enc: F.encodeClientIdent, dec: F.decodeClientIdent },
  [Tag.SERVER_IDENT]: { enc: F.encodeServerIdent, dec: F.decodeServerIdent },
  [Tag.IDENT_MISSING_FEATURES]: { enc: F.encodeIdentMissingFeatures, dec: F.decodeIdentMissingFeatures },
  [Tag.SESSION_RECONNECT]: { enc: F.encodeSessionReconnect, dec: F.decodeSessionReconnect },
  [Tag.SESSION_RESET]: { enc: F.encodeSessionReset, dec: F.decodeSessionReset },
  [Tag.SESSION_RETRY]: { enc: F.encodeSessionRetry, dec: F.decodeSessionRetry },
  [Tag.SESSION_RETRY_GLOBAL]: { enc: F.encodeSessionRetryGlobal, dec: F.decodeSessionRetryGlobal },
  [Tag.SESSION_RECONNECT_OK]: { enc: F.encodeSessionReconnectOk, dec: F.decodeSessionReconnectOk },
  [Tag.WAIT]: { enc: F.encodeWait, dec: F.decodeWait },
  [Tag.KEEPALIVE2]: { enc: F.encodeKeepalive2, dec: F.decodeKeepalive2 },
  [Tag.KEEPALIVE2_ACK]: { enc: F.encodeKeepalive2Ack, dec: F.decodeKeepalive2Ack },
  [Tag.ACK]: { enc: F.encodeAck, dec: F.decodeAck },
  [Tag.COMPRESSION_REQUEST]: { enc: F.encodeCompressionRequest, dec: F.decodeCompressionRequest },
  [Tag.COMPRESSION_DONE]: { enc: F.encodeCompressionDone, dec: F.decodeCompressionDone },
};

const MON_V2: EntityAddr = makeAddr(AddrType.MSGR2, '127.0.0.1', 3300, 0);
const MON_V1: EntityAddr = makeAddr(AddrType.LEGACY, '127.0.0.1', 6789, 0);

for (const name of CRC_CAPTURES) {
  for (const dir of DIRS) {
    const walk = EXPECTED_WALK[name][dir];
    test(`frames golden ${name} ${dir}: ${walk.filter((t) => t !== 'MESSAGE').join(', ')} decode typed and re-encode byte-exact`, () => {
      const { frames } = golden(name, dir);
      assert.deepEqual(frames.map((f) => tagName(f.tag)), walk);
      let controls = 0;
      for (const f of frames) {
        if (f.tag === Tag.MESSAGE) continue;
        controls++;
        assert.equal(f.segments.length, 1, 'control frames have one segment');
        const payload = f.segments[0]!;
        const codec = CODECS[f.tag]!;
        const typed = codec.dec(payload);
        assert.deepEqual(codec.enc(typed as never), payload, `${tagName(f.tag)} re-encodes byte-exact`);
        assert.deepEqual(decodeControlFrame(f.tag, payload), { tag: f.tag, frame: typed });
      }
      assert.equal(controls, walk.filter((t) => t !== 'MESSAGE').length);
    });
  }
}

test('frames golden: values Ceph put in the handshake frames', () => {
  const c = golden('v2-crc-authnone', 'c2s').frames;
  const s = golden('v2-crc-authnone', 's2c').frames;
  const ch = F.decodeHello(c[0]!.segments[0]!);
  assert.equal(ch.entityType, 8); // client
  assert.deepEqual(ch.peerAddr, MON_V2);
  const sh = F.decodeHello(s[0]!.segments[0]!);
  assert.equal(sh.entityType, 1); // mon
  assert.equal(sh.peerAddr.type, AddrType.MSGR2);
  assert.equal(sh.peerAddr.ip, '127.0.0.1');
  const ar = F.decodeAuthRequest(c[1]!.segments[0]!);
  assert.equal(ar.method, 1);
  assert.deepEqual(ar.preferredModes, [1]);
  assert.equal(ar.payload.toString('hex'), '0a080000000500000061646d696e0000000000000000');
  const done = F.decodeAuthDone(s[1]!.segments[0]!);
  assert.equal(done.conMode, 1);
  assert.equal(done.payload.length, 0);
  assert.ok(done.globalId > 0n);
  assert.deepEqual(F.decodeAuthSignature(c[2]!.segments[0]!).signature, Buffer.alloc(32));
  const ci = F.decodeClientIdent(c[3]!.segments[0]!);
  assert.equal(ci.gid, -1n);
  assert.equal(ci.globalSeq, 1n);
  assert.deepEqual(ci.targetAddr, MON_V2);
  assert.equal(ci.addrs.length, 1);
  assert.equal(ci.addrs[0]!.type, AddrType.ANY);
  assert.equal(ci.requiredFeatures, 0x0800000000000000n);
  const si = F.decodeServerIdent(s[3]!.segments[0]!);
  assert.deepEqual(si.addrs, [MON_V2, MON_V1]);
  assert.equal(si.supportedFeatures, 0x3f01cfbdfffdffffn);
  assert.equal(si.requiredFeatures, 0x0c01020002040000n);
  assert.equal(si.flags, 1n);
  assert.equal(si.serverCookie, 0n);
});

test('frames: wire §2.11 B AUTH_REQUEST payload and §3.1 AUTH_BAD_METHOD example', () => {
  const p = F.encodeAuthRequest({ method: 1, preferredModes: [1], payload: Buffer.from('0a080000000500000061646d696e0000000000000000', 'hex') });
  assert.equal(p.toString('hex'), '01000000' + '01000000' + '01000000' + '16000000' + '0a080000000500000061646d696e0000000000000000');
  const bad = F.encodeAuthBadMethod({ method: 2, result: -13, allowedMethods: [2, 1], allowedModes: [2, 1] });
  assert.equal(bad.toString('hex'), '02000000' + 'f3ffffff' + '020000000200000001000000' + '020000000200000001000000');
  assert.deepEqual(F.decodeAuthBadMethod(bad), { method: 2, result: -13, allowedMethods: [2, 1], allowedModes: [2, 1] });
});

test('frames: fixed-layout payloads byte-exact', () => {
  assert.equal(F.encodeKeepalive2({ stamp: { sec: 0x01020304, nsec: 999999999 } }).toString('hex'), '04030201ff c9 9a 3b'.replace(/ /g, ''));
  assert.equal(F.encodeAck({ seq: 0x1122334455667788n }).toString('hex'), '8877665544332211');
  assert.equal(F.encodeAck({ seq: 5n }).toString('hex'), '0500000000000000');
  assert.equal(F.encodeSessionReset({ full: true }).toString('hex'), '01');
  assert.equal(F.encodeWait({}).length, 0);
  assert.equal(F.encodeIdentMissingFeatures({ features: 0x0401020002040000n }).toString('hex'), '0000040200020104');
  assert.equal(F.encodeCompressionDone({ isCompress: true, method: 3 }).toString('hex'), '0103000000');
  assert.equal(F.encodeCompressionRequest({ isCompress: false, preferredMethods: [1, 3] }).toString('hex'), '00' + '02000000' + '0100000003000000');
  assert.deepEqual(F.decodeSessionReset(Buffer.from([7])), { full: true });
  assert.deepEqual(F.decodeSessionReset(Buffer.from([0])), { full: false });
});

test('frames: short payloads → ERR_DECODE_SHORT for every tag with fields', () => {
  const samples: Record<number, Buffer> = {
    [Tag.HELLO]: F.encodeHello({ entityType: 8, peerAddr: MON_V2 }),
    [Tag.AUTH_REQUEST]: F.encodeAuthRequest({ method: 2, preferredModes: [2, 1], payload: Buffer.from('abc') }),
    [Tag.AUTH_BAD_METHOD]: F.encodeAuthBadMethod({ method: 1, result: -95, allowedMethods: [2], allowedModes: [1, 2] }),
    [Tag.AUTH_REPLY_MORE]: F.encodeAuthReplyMore({ payload: Buffer.from('xy') }),
    [Tag.AUTH_REQUEST_MORE]: F.encodeAuthRequestMore({ payload: Buffer.from('xyz') }),
    [Tag.AUTH_DONE]: F.encodeAuthDone({ globalId: 4115n, conMode: 2, payload: Buffer.from('p') }),
    [Tag.AUTH_SIGNATURE]: F.encodeAuthSignature({ signature: Buffer.alloc(32, 9) }),
    [Tag.CLIENT_IDENT]: F.encodeClientIdent({ addrs: [MON_V2], targetAddr: MON_V2, gid: -1n, globalSeq: 1n, supportedFeatures: 3n, requiredFeatures: 1n, flags: 1n, clientCookie: 9n }),
    [Tag.SERVER_IDENT]: F.encodeServerIdent({ addrs: [MON_V2, MON_V1], gid: 0n, globalSeq: 3n, supportedFeatures: 3n, requiredFeatures: 1n, flags: 1n, serverCookie: 0n }),
    [Tag.IDENT_MISSING_FEATURES]: F.encodeIdentMissingFeatures({ features: 1n }),
    [Tag.SESSION_RECONNECT]: F.encodeSessionReconnect({ addrs: [MON_V2], clientCookie: 1n, serverCookie: 2n, globalSeq: 3n, connectSeq: 4n, msgSeq: 5n }),
    [Tag.SESSION_RESET]: F.encodeSessionReset({ full: false }),
    [Tag.SESSION_RETRY]: F.encodeSessionRetry({ connectSeq: 7n }),
    [Tag.SESSION_RETRY_GLOBAL]: F.encodeSessionRetryGlobal({ globalSeq: 8n }),
    [Tag.SESSION_RECONNECT_OK]: F.encodeSessionReconnectOk({ msgSeq: 9n }),
    [Tag.KEEPALIVE2]: F.encodeKeepalive2({ stamp: { sec: 1, nsec: 2 } }),
    [Tag.KEEPALIVE2_ACK]: F.encodeKeepalive2Ack({ stamp: { sec: 3, nsec: 4 } }),
    [Tag.ACK]: F.encodeAck({ seq: 10n }),
    [Tag.COMPRESSION_REQUEST]: F.encodeCompressionRequest({ isCompress: true, preferredMethods: [1] }),
    [Tag.COMPRESSION_DONE]: F.encodeCompressionDone({ isCompress: true, method: 1 }),
  };
  for (const [t, full] of Object.entries(samples)) {
    const tag = Number(t);
    const codec = CODECS[tag]!;
    // full payload round-trips; plus trailing bytes are ignored (Ceph's ControlFrame::Decode never checks)
    const v = codec.dec(full);
    assert.deepEqual(codec.enc(v as never), full, tagName(tag));
    assert.deepEqual(codec.dec(Buffer.concat([full, Buffer.from([1, 2, 3])])), v, `${tagName(tag)} with trailing bytes`);
    for (let n = 0; n < full.length; n++) {
      assert.equal(code(() => codec.dec(Buffer.from(full.subarray(0, n)))), 'ERR_DECODE_SHORT', `${tagName(tag)} cut at ${n}`);
    }
  }
  assert.deepEqual(F.decodeWait(Buffer.from('ignored')), {});
});

test('frames: hostile counts and lengths → MsgrError without allocating', () => {
  // AUTH_REQUEST: 2^32-1 preferred modes (over the item cap), then 2^20 (more than the bytes left)
  assert.equal(code(() => F.decodeAuthRequest(Buffer.from('01000000' + 'ffffffff', 'hex'))), 'ERR_DECODE_TOO_LARGE');
  assert.equal(code(() => F.decodeAuthRequest(Buffer.from('01000000' + '00001000', 'hex'))), 'ERR_DECODE_SHORT');
  assert.equal(code(() => F.decodeAuthReplyMore(Buffer.from('ffffff00', 'hex'))), 'ERR_DECODE_SHORT');
  assert.equal(code(() => F.decodeAuthReplyMore(Buffer.from('ffffffff', 'hex'))), 'ERR_DECODE_TOO_LARGE');
  // addrvec with a bad marker, addr with a bad marker
  assert.equal(code(() => F.decodeServerIdent(Buffer.from('07', 'hex'))), 'ERR_DECODE_INVALID');
  assert.equal(code(() => F.decodeHello(Buffer.from('0807', 'hex'))), 'ERR_DECODE_INVALID');
});

test('frames: encoder argument checks', () => {
  assert.equal(code(() => F.encodeAuthSignature({ signature: Buffer.alloc(31) })), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => F.encodeAck({ seq: -1n })), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => F.encodeAck({ seq: 1n << 64n })), 'ERR_ENCODE_INVALID');
  assert.equal(code(() => F.encodeSessionRetry({ connectSeq: -1n })), 'ERR_ENCODE_INVALID');
});

// ---------------------------------------------------------------- property round trips

const u64 = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n });
const s64 = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a));
const addr = fc
  .record({
    type: fc.constantFrom(0, 1, 2, 3),
    ip: fc.oneof(fc.ipV4(), fc.constantFrom('::1', 'fe80::1', '2001:db8::42')),
    port: fc.integer({ min: 0, max: 65535 }),
    nonce: u32,
    flowinfo: u32,
    scopeId: u32,
  }, { noNullPrototype: true })
  .map((a): EntityAddr => {
    const base = makeAddr(a.type, a.ip, a.port, a.nonce);
    // IPv6 addresses decode with explicit flowinfo / scope_id
    return base.family === 10 ? { ...base, flowinfo: a.flowinfo, scopeId: a.scopeId } : base;
  });
const addrs = fc.array(addr, { maxLength: 3 });
const stamp = fc.record({ sec: u32, nsec: u32 }, { noNullPrototype: true });

const rec = <T extends Record<string, fc.Arbitrary<unknown>>>(m: T) => fc.record(m, { noNullPrototype: true });

const ARBS: [number, fc.Arbitrary<unknown>][] = [
  [Tag.HELLO, rec({ entityType: fc.integer({ min: 0, max: 255 }), peerAddr: addr })],
  [Tag.AUTH_REQUEST, rec({ method: u32, preferredModes: fc.array(u32, { maxLength: 4 }), payload: bytes })],
  [Tag.AUTH_BAD_METHOD, rec({ method: u32, result: fc.integer({ min: -0x80000000, max: 0x7fffffff }), allowedMethods: fc.array(u32, { maxLength: 4 }), allowedModes: fc.array(u32, { maxLength: 4 }) })],
  [Tag.AUTH_REPLY_MORE, rec({ payload: bytes })],
  [Tag.AUTH_REQUEST_MORE, rec({ payload: bytes })],
  [Tag.AUTH_DONE, rec({ globalId: u64, conMode: u32, payload: bytes })],
  [Tag.AUTH_SIGNATURE, fc.uint8Array({ minLength: 32, maxLength: 32 }).map((a) => ({ signature: Buffer.from(a) }))],
  [Tag.CLIENT_IDENT, rec({ addrs, targetAddr: addr, gid: s64, globalSeq: u64, supportedFeatures: u64, requiredFeatures: u64, flags: u64, clientCookie: u64 })],
  [Tag.SERVER_IDENT, rec({ addrs, gid: s64, globalSeq: u64, supportedFeatures: u64, requiredFeatures: u64, flags: u64, serverCookie: u64 })],
  [Tag.IDENT_MISSING_FEATURES, rec({ features: u64 })],
  [Tag.SESSION_RECONNECT, rec({ addrs, clientCookie: u64, serverCookie: u64, globalSeq: u64, connectSeq: u64, msgSeq: u64 })],
  [Tag.SESSION_RESET, rec({ full: fc.boolean() })],
  [Tag.SESSION_RETRY, rec({ connectSeq: u64 })],
  [Tag.SESSION_RETRY_GLOBAL, rec({ globalSeq: u64 })],
  [Tag.SESSION_RECONNECT_OK, rec({ msgSeq: u64 })],
  [Tag.WAIT, fc.constant({})],
  [Tag.KEEPALIVE2, rec({ stamp })],
  [Tag.KEEPALIVE2_ACK, rec({ stamp })],
  [Tag.ACK, rec({ seq: u64 })],
  [Tag.COMPRESSION_REQUEST, rec({ isCompress: fc.boolean(), preferredMethods: fc.array(u32, { maxLength: 6 }) })],
  [Tag.COMPRESSION_DONE, rec({ isCompress: fc.boolean(), method: u32 })],
];

test('frames: property — decode(encode(f)) deep-equals f and encode(decode(b)) === b, every tag', () => {
  assert.equal(ARBS.length, Object.keys(CODECS).length);
  for (const [tag, arb] of ARBS) {
    const codec = CODECS[tag]!;
    fc.assert(
      fc.property(arb, (f) => {
        const b = codec.enc(f as never);
        const back = codec.dec(b);
        assert.deepEqual(back, f, tagName(tag));
        assert.deepEqual(codec.enc(back as never), b);
      }),
      { numRuns: 200, seed: 42 + tag },
    );
  }
});
