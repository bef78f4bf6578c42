import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';
import { Message } from '../../../src/messages/message.ts';
import { MAuthCodec, MAuthReplyCodec } from '../../../src/messages/auth.ts';

const ALL = FEATURES_ALL_16_2_15;

test('MAuth: paxos prefix, protocol, payload blob, monmap_epoch; an old sender without the epoch decodes as 0', () => {
  const m = MAuthCodec.encode({ protocol: 2, authPayload: Buffer.from('0a0b', 'hex'), monmapEpoch: 3 }, ALL);
  assert.equal(m.front.toString('hex'), '0000000000000000ffff0000000000000000' + '02000000' + '020000000a0b' + '03000000');
  const old = new Message({ type: 17, front: m.front.subarray(0, m.front.length - 4) });
  assert.equal(MAuthCodec.decode(old, ALL).monmapEpoch, 0);
});

test('MAuthReply: protocol, s32 result, global_id, result_bl, result_msg', () => {
  const m = MAuthReplyCodec.encode({ protocol: 1, result: 0, globalId: 4115n, resultBl: Buffer.alloc(0), resultMsg: '' }, ALL);
  assert.equal(m.front.toString('hex'), '01000000' + '00000000' + '1310000000000000' + '00000000' + '00000000');
  assert.deepEqual(MAuthReplyCodec.decode(m, ALL).globalId, 4115n);
});
