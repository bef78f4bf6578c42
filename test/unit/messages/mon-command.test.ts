import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';
import { MMonCommandAckCodec, MMonCommandCodec } from '../../../src/messages/mon-command.ts';
import { PAXOS_PREFIX_LEN } from '../../../src/messages/paxos-prefix.ts';
import { FSID } from './samples.ts';

const ALL = FEATURES_ALL_16_2_15;

test('MMonCommand: the wire §7.2 80-byte front for {"prefix": "status", "format": "json"}; tid in the header, input in data', () => {
  const cmd = '{"prefix": "status", "format": "json"}';
  const m = MMonCommandCodec.encode({ fsid: FSID, cmd: [cmd], tid: 42n, inbl: Buffer.from('in') }, ALL);
  assert.equal(m.front.length, 80);
  assert.equal(
    m.front.toString('hex'),
    '0000000000000000' + 'ffff' + '0000000000000000' + FSID.replace(/-/g, '') + '01000000' + '26000000' + Buffer.from(cmd).toString('hex'),
  );
  assert.equal(m.tid, 42n);
  assert.ok(m.data.equals(Buffer.from('in')));
  const d = MMonCommandCodec.decode(m, ALL);
  assert.deepEqual(d.paxos, { version: 0n, sessionMon: -1, sessionMonTid: 0n });
  assert.equal(d.tid, 42n);
});

test('MMonCommandAck: r, rs, echoed cmd after the paxos prefix; output from the data segment', () => {
  const m = MMonCommandAckCodec.encode({ r: -2, rs: 'ENOENT', cmd: ['{}'], outbl: Buffer.from('[]'), tid: 5n }, ALL);
  assert.equal(m.front.readInt32LE(PAXOS_PREFIX_LEN), -2);
  const d = MMonCommandAckCodec.decode(m, ALL);
  assert.deepEqual([d.r, d.rs, d.cmd, d.tid, d.outbl!.toString()], [-2, 'ENOENT', ['{}'], 5n, '[]']);
});
