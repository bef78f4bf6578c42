import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isMsgrError } from '../../../../src/errors.ts';
import { decodeControlFrame } from '../../../../src/core/msgr2/control-frame.ts';
import * as F from '../../../../src/core/msgr2/frames.ts';
import { Tag, tagName } from '../../../../src/core/msgr2/tags.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `not a MsgrError: ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

test('control-frame: dispatches each tag to its own decoder', () => {
  const u64 = Buffer.from('2a00000000000000', 'hex'); // 42
  const cases: [number, Buffer, unknown][] = [
    [Tag.IDENT_MISSING_FEATURES, u64, { features: 42n }],
    [Tag.SESSION_RETRY, u64, { connectSeq: 42n }],
    [Tag.SESSION_RETRY_GLOBAL, u64, { globalSeq: 42n }],
    [Tag.SESSION_RECONNECT_OK, u64, { msgSeq: 42n }],
    [Tag.ACK, u64, { seq: 42n }],
    [Tag.KEEPALIVE2, u64, { stamp: { sec: 42, nsec: 0 } }],
    [Tag.KEEPALIVE2_ACK, u64, { stamp: { sec: 42, nsec: 0 } }],
    [Tag.SESSION_RESET, u64, { full: true }],
    [Tag.WAIT, u64, {}],
    [Tag.AUTH_REPLY_MORE, Buffer.from('0100000007', 'hex'), { payload: Buffer.from([7]) }],
    [Tag.AUTH_REQUEST_MORE, Buffer.from('0100000008', 'hex'), { payload: Buffer.from([8]) }],
    [Tag.AUTH_SIGNATURE, Buffer.alloc(32, 3), { signature: Buffer.alloc(32, 3) }],
    [Tag.COMPRESSION_DONE, Buffer.from('0102000000', 'hex'), { isCompress: true, method: 2 }],
    [Tag.COMPRESSION_REQUEST, Buffer.from('000100000003000000', 'hex'), { isCompress: false, preferredMethods: [3] }],
    [Tag.AUTH_DONE, F.encodeAuthDone({ globalId: 7n, conMode: 2, payload: Buffer.from('x') }), { globalId: 7n, conMode: 2, payload: Buffer.from('x') }],
  ];
  for (const [tag, payload, want] of cases) assert.deepEqual(decodeControlFrame(tag, payload), { tag, frame: want }, tagName(tag));
  // every control tag has a decoder
  for (let tag = 1; tag <= 22; tag++) {
    if (tag === Tag.MESSAGE) continue;
    assert.notEqual(code(() => decodeControlFrame(tag, Buffer.alloc(300))), 'ERR_FRAME_UNKNOWN_TAG', tagName(tag));
  }
});

test('control-frame: MESSAGE and unknown tags → ERR_FRAME_UNKNOWN_TAG', () => {
  for (const tag of [0, Tag.MESSAGE, 23, 99, 255]) {
    assert.equal(code(() => decodeControlFrame(tag, Buffer.alloc(41))), 'ERR_FRAME_UNKNOWN_TAG', String(tag));
  }
});
