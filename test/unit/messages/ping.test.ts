import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { isMsgrError } from '../../../src/errors.ts';
import { FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';
import { MPingCodec, pingReplyFront, pingReplyText } from '../../../src/messages/ping.ts';

const ALL = FEATURES_ALL_16_2_15;

test('MPing: empty ping is v1/compat 1; a front-carrying reply is v1/compat 0 like a mon\'s', () => {
  const p = MPingCodec.encode({}, ALL);
  assert.deepEqual([p.type, p.version, p.compatVersion, p.payloadLength], [2, 1, 1, 0]);
  const withData = MPingCodec.encode({ data: Buffer.from('xyz') }, ALL);
  assert.equal(withData.compatVersion, 1);
  assert.ok(withData.data.equals(Buffer.from('xyz')));
  const reply = MPingCodec.encode({ front: pingReplyFront('{"health":{}}') }, ALL);
  assert.equal(reply.compatVersion, 0);
  assert.equal(pingReplyText(MPingCodec.decode(reply, ALL)), '{"health":{}}');
});

test('MPing: segments are kept as views; pingReplyText rejects a malformed front with ERR_DECODE_*', () => {
  const m = MPingCodec.encode({ front: Buffer.from('ffff0000', 'hex'), middle: Buffer.from('m'), data: Buffer.from('d') }, ALL);
  const d = MPingCodec.decode(m, ALL);
  assert.equal(d.front!.buffer, m.front.buffer);
  assert.ok(d.middle!.equals(Buffer.from('m')));
  try {
    pingReplyText(d);
    assert.fail('no error');
  } catch (e) {
    assert.ok(isMsgrError(e));
    assert.ok(e.code.startsWith('ERR_DECODE_'));
  }
});
