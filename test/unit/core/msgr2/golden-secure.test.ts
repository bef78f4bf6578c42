/**
 * Golden, secure mode: the real librados ↔ ceph-mon 16.2.15 session of the v2-secure-cephx capture
 * (msgr2.1 secure). The connection secret is recovered offline (capture keyring + our cephx client
 * replaying librados' own challenge), then every encrypted frame in both directions is decrypted
 * by FrameDecoder and re-encrypted by FrameEncoder, byte for byte.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { CephxAuthClient } from '../../../../src/core/auth/cephx-client.ts';
import { parseKeyring } from '../../../../src/core/auth/keyring.ts';
import { AuthMethod, ConMode } from '../../../../src/core/auth/types.ts';
import { tryDecodeBanner } from '../../../../src/core/msgr2/banner.ts';
import { FrameDecoder, type Frame } from '../../../../src/core/msgr2/frame-decoder.ts';
import { FrameEncoder } from '../../../../src/core/msgr2/frame-encoder.ts';
import * as F from '../../../../src/core/msgr2/frames.ts';
import { decodeHeader2 } from '../../../../src/core/msgr2/header2.ts';
import { createSecureHandlers } from '../../../../src/core/msgr2/secure.ts';
import { Tag, tagName } from '../../../../src/core/msgr2/tags.ts';
import { loadKeyring, loadStream } from '../../../helpers/captures.ts';

interface Side {
  q: ByteQueue;
  dec: FrameDecoder;
  clear: Frame[];
}

/** Banner + clear frames up to and including `last`; the decoder then sits before the first secure frame. */
function clearPart(stream: Buffer, last: number): Side {
  const q = new ByteQueue();
  q.push(stream);
  const banner = tryDecodeBanner(q);
  assert.ok(banner);
  assert.equal(banner.supported & 1n, 1n, 'msgr2.1');
  const dec = new FrameDecoder({ rev1: true });
  dec.recording = true;
  const clear: Frame[] = [];
  for (;;) {
    const f = dec.readFrame(q);
    assert.ok(f, 'clear frame');
    clear.push(f);
    if (f.tag === last) break;
  }
  dec.recording = false;
  return { q, dec, clear };
}

function connectionSecret(c2s: Side, s2c: Side): Buffer {
  const keyring = parseKeyring(loadKeyring('v2-cephx'));
  const adminKey = keyring.get('client.admin')!.key;
  const find = (side: Side, tag: number): Buffer => side.clear.find((f) => f.tag === tag)!.segments[0]!;
  const more = F.decodeAuthRequestMore(find(c2s, Tag.AUTH_REQUEST_MORE)).payload;
  // librados' client challenge and wanted keys, so that our client replays its exact exchange
  const challenge = Buffer.from(more.subarray(3, 11));
  const wantKeys = more.readUInt32LE(more.length - 4);
  const queue = [challenge];
  const random = (n: number): Buffer => queue.shift() ?? Buffer.alloc(n, 0x5a);
  const client = new CephxAuthClient({ name: { type: EntityType.CLIENT, id: 'admin' }, secret: adminKey, random, now: () => 1_795_676_300_000, wantKeys });
  const h = client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n });
  h.initialPayload();
  assert.deepEqual(h.handleMore(F.decodeAuthReplyMore(find(s2c, Tag.AUTH_REPLY_MORE)).payload), more, 'replay matches librados');
  const done = F.decodeAuthDone(find(s2c, Tag.AUTH_DONE));
  assert.equal(done.conMode, ConMode.SECURE);
  const secret = h.handleDone(done.globalId, done.conMode, done.payload).connectionSecret;
  assert.ok(secret);
  assert.equal(secret.length, 64);
  return secret;
}

test('golden secure (v2-secure-cephx): every encrypted frame decrypts and re-encrypts byte-exact, both directions', () => {
  const c2sStream = loadStream('v2-secure-cephx', 'c2s');
  const s2cStream = loadStream('v2-secure-cephx', 's2c');
  const c2s = clearPart(c2sStream, Tag.AUTH_REQUEST_MORE);
  const s2c = clearPart(s2cStream, Tag.AUTH_DONE);
  assert.deepEqual(c2s.clear.map((f) => tagName(f.tag)), ['HELLO', 'AUTH_REQUEST', 'AUTH_REQUEST_MORE']);
  assert.deepEqual(s2c.clear.map((f) => tagName(f.tag)), ['HELLO', 'AUTH_REPLY_MORE', 'AUTH_DONE']);
  const secret = connectionSecret(c2s, s2c);

  const walks: Record<string, string[]> = {};
  for (const [name, side, senderIsServer] of [['c2s', c2s, false], ['s2c', s2c, true]] as const) {
    // the receiver's rx is crossed with the sender's tx
    side.dec.setSecure(createSecureHandlers(secret, { rev1: true, isServer: !senderIsServer }).rx);
    side.dec.recording = true;
    const enc = new FrameEncoder({ rev1: true });
    enc.setSecure(createSecureHandlers(secret, { rev1: true, isServer: senderIsServer }).tx);
    const tags: string[] = [];
    for (let f = side.dec.readFrame(side.q); f; f = side.dec.readFrame(side.q)) {
      tags.push(tagName(f.tag));
      assert.deepEqual(enc.encodeBytes(f.tag, f.segments, f.preamble.alignments), f.raw, `${name} ${tagName(f.tag)} re-encrypts byte-exact`);
      if (f.tag === Tag.MESSAGE) {
        const h = decodeHeader2(f.segments[0]!);
        assert.equal(h.flags, 3);
      }
    }
    assert.equal(side.q.length, 0, `${name}: whole stream consumed`);
    walks[name] = tags;
  }
  assert.deepEqual(walks.c2s, ['AUTH_SIGNATURE', 'CLIENT_IDENT', 'MESSAGE', 'MESSAGE']);
  assert.deepEqual(walks.s2c, ['AUTH_SIGNATURE', 'SERVER_IDENT', 'MESSAGE', 'MESSAGE', 'MESSAGE']);
});
