import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { isMsgrError } from '../../../src/errors.ts';
import { FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';
import { Message } from '../../../src/messages/message.ts';
import { MMonGetVersionCodec, MMonGetVersionReplyCodec } from '../../../src/messages/mon-get-version.ts';

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex');

/** ceph_msg_header2 as laid out in wire §4.4 (41 bytes). */
function header2(m: Message, seq: bigint, ackSeq: bigint, flags: number): Buffer {
  const b = Buffer.alloc(41);
  b.writeBigUInt64LE(seq, 0);
  b.writeBigUInt64LE(m.tid, 8);
  b.writeUInt16LE(m.type, 16);
  b.writeUInt16LE(m.priority === 0 ? 127 : m.priority, 18);
  b.writeUInt16LE(m.version, 20);
  b.writeUInt32LE(0, 22);
  b.writeUInt16LE(m.dataOff, 26);
  b.writeBigUInt64LE(ackSeq, 28);
  b[36] = flags;
  b.writeUInt16LE(m.compatVersion, 37);
  return b;
}

test('MMonGetVersion: the wire §2.11 B worked example (handle 7, "osdmap", tid 7)', () => {
  // segments of the 108-byte MESSAGE frame given in the reference
  const wantHeader = hex('01000000000000000700000000000000 1300 7f00 0100 00000000 0000 0000000000000000 03 0100 0000');
  const wantFront = hex('0700000000000000 06000000 6f73646d6170');
  const m = MMonGetVersionCodec.encode({ handle: 7n, what: 'osdmap', tid: 7n }, FEATURES_ALL_16_2_15);
  assert.ok(m.front.equals(wantFront));
  assert.equal(m.middle.length, 0);
  assert.equal(m.data.length, 0);
  assert.ok(header2(m, 1n, 0n, 3).equals(wantHeader));
  const d = MMonGetVersionCodec.decode(new Message({ type: 19, tid: 7n, front: wantFront }), FEATURES_ALL_16_2_15);
  assert.deepEqual(d, { handle: 7n, what: 'osdmap', tid: 7n });
});

test('MMonGetVersionReply: v2 has oldest_version; a v1 reply decodes with 0', () => {
  const m = MMonGetVersionReplyCodec.encode({ handle: 1n, version: 5n, oldestVersion: 2n }, FEATURES_ALL_16_2_15);
  assert.deepEqual([m.version, m.compatVersion, m.front.length], [2, 2, 24]);
  assert.equal(m.tid, 0n);
  const v1 = new Message({ type: 20, version: 1, compatVersion: 1, front: m.front.subarray(0, 16) });
  assert.deepEqual(MMonGetVersionReplyCodec.decode(v1, FEATURES_ALL_16_2_15), { handle: 1n, version: 5n, oldestVersion: 0n, tid: 0n });
  const shortV2 = new Message({ type: 20, version: 2, compatVersion: 2, front: m.front.subarray(0, 16) });
  try {
    MMonGetVersionReplyCodec.decode(shortV2, FEATURES_ALL_16_2_15);
    assert.fail('decoded a truncated v2 reply');
  } catch (e) {
    assert.ok(isMsgrError(e));
    assert.equal(e.code, 'ERR_DECODE_SHORT');
  }
});
