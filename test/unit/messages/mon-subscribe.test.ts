import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Feature, FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';
import { Message } from '../../../src/messages/message.ts';
import {
  MMonSubscribeAckCodec,
  MMonSubscribeCodec,
  subscribeWhat,
  SUBSCRIBE_ONETIME,
} from '../../../src/messages/mon-subscribe.ts';
import { isMsgrError } from '../../../src/errors.ts';

const ALL = FEATURES_ALL_16_2_15;

test('MMonSubscribe v3: layout of librados\' bootstrap subscription (captured bytes)', () => {
  // from v2-crc-authnone: {config: {0,0}, monmap: {0,0}}, hostname "vm…" (first 48 bytes of the capture)
  const what = subscribeWhat([
    ['monmap', 0],
    ['config', 0],
  ]);
  const m = MMonSubscribeCodec.encode({ what, hostname: 'vm' }, ALL);
  assert.equal(m.version, 3);
  assert.equal(m.compatVersion, 1);
  assert.equal(
    m.front.toString('hex'),
    '02000000' + '06000000636f6e666967' + '000000000000000000' + '060000006d6f6e6d6170' + '000000000000000000' + '02000000766d',
  );
});

test('MMonSubscribe: without SUBSCRIBE2 the legacy form (version 0, have = start-1, onetime byte)', () => {
  const what = subscribeWhat([
    ['osdmap', 10, SUBSCRIBE_ONETIME],
    ['monmap', 0],
    ['config', 1],
  ]);
  const m = MMonSubscribeCodec.encode({ what, hostname: 'ignored' }, ALL & ~Feature.SUBSCRIBE2);
  assert.equal(m.version, 0);
  const items = m.front.subarray(4);
  // config: unused 0, have 0 (start 1 → 0, the ambiguity Ceph notes), onetime 0
  assert.equal(m.front.readUInt32LE(0), 3);
  assert.equal(items.subarray(0, 10).toString('latin1').slice(4), 'config');
  assert.equal(items.length, 3 * (4 + 6 + 17));
  const d = MMonSubscribeCodec.decode(m, ALL);
  assert.equal(d.hostname, '');
  assert.deepEqual(d.what.get('osdmap'), { start: 10n, flags: SUBSCRIBE_ONETIME });
  assert.deepEqual(d.what.get('monmap'), { start: 0n, flags: 0 });
  assert.deepEqual(d.what.get('config'), { start: 0n, flags: 0 });
});

test('MMonSubscribe: a v2 message (no hostname) decodes with hostname ""', () => {
  const m = MMonSubscribeCodec.encode({ what: subscribeWhat([['mgrmap', 0]]), hostname: 'h' }, ALL);
  const v2 = new Message({ type: 15, version: 2, compatVersion: 1, front: m.front.subarray(0, m.front.length - 5) });
  const d = MMonSubscribeCodec.decode(v2, ALL);
  assert.equal(d.hostname, '');
  assert.deepEqual([...d.what.keys()], ['mgrmap']);
});

test('MMonSubscribe: a huge item count is refused before allocating', () => {
  const front = Buffer.from('ffffff7f0000', 'hex');
  try {
    MMonSubscribeCodec.decode(new Message({ type: 15, version: 3, compatVersion: 1, front }), ALL);
    assert.fail('no error');
  } catch (e) {
    assert.ok(isMsgrError(e));
    assert.ok(['ERR_DECODE_SHORT', 'ERR_DECODE_TOO_LARGE'].includes(e.code));
  }
  assert.throws(() => subscribeWhat([['x', -1]]), (e: unknown) => isMsgrError(e) && e.code === 'ERR_INVALID_ARG');
});

test('MMonSubscribeAck: le32 interval + fsid', () => {
  const fsid = '11111111-2222-3333-4444-555555555555';
  const m = MMonSubscribeAckCodec.encode({ interval: 300, fsid }, ALL);
  assert.equal(m.front.toString('hex'), '2c010000' + fsid.replace(/-/g, ''));
  assert.deepEqual(MMonSubscribeAckCodec.decode(m, ALL), { interval: 300, fsid });
});
