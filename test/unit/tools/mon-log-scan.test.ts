/**
 * The live tests' mon-log scan (badLogLines): what the mon logs about bytes we sent is flagged;
 * the `ceph` CLI's own zero-fsid first command (mon-up.sh's `ceph health` probe while a mon is
 * still starting, seen in CI) is attributed to the CLI and not to us. The log lines are a live
 * 16.2.15 mon's, at debug_ms 20.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badLogLines, cephCliPeers } from '../../live/helpers.ts';

const T = '2026-11-26T13:36:15.113+0000';
const rx = (peer: string, prefix: string): string =>
  `${T} 7f7e54ff96c0  1 -- v1:127.0.0.1:42749/0 <== client.4098 ${peer} 5 ==== mon_command({"prefix": "${prefix}"} v 0) v1 ==== 80+0+0 (unknown 1045356603 0 0) 0x7fb458014620 con 0x7f7e340060e0`;
const wrongFsid = (peer: string, prefix: string): string[] => [
  `${T} 7f7e54ff96c0  0 mon.a@0(leader) e1 handle_command on fsid 00000000-0000-0000-0000-000000000000 != cf5d0b9b-62a8-4947-a7c1-202539e705b4`,
  `${T} 7f7e5d7fa6c0 20 --1- v1:127.0.0.1:42749/0 >> ${peer} conn(0x7f7e340060e0 0x7f7e34008510 :42749 s=OPENED pgs=1 cs=1 l=1).prepare_send_message m mon_command_ack([{"prefix": "${prefix}"}]=-1 wrong fsid v0) v1`,
  `${T} 7f7e54ff96c0  1 -- v1:127.0.0.1:42749/0 --> ${peer} -- mon_command_ack([{"prefix": "${prefix}"}]=-1 wrong fsid v0) v1 -- 0x55c7aa632940 con 0x7f7e340060e0`,
];
const CLI = 'v1:127.0.0.1:0/1505857384';
const US = 'v1:127.0.0.1:0/2222222222';

test('a wrong fsid from the ceph CLI (it asked get_command_descriptions) is not ours', () => {
  const log = [rx(CLI, 'get_command_descriptions'), ...wrongFsid(CLI, 'get_command_descriptions')].join('\n');
  assert.deepEqual([...cephCliPeers(log)], ['127.0.0.1:0/1505857384']);
  assert.deepEqual(badLogLines(log), []);
});

test('a wrong fsid on any other connection is flagged, the peerless mon line included', () => {
  const log = [rx(CLI, 'get_command_descriptions'), rx(US, 'status'), ...wrongFsid(US, 'status')].join('\n');
  const bad = badLogLines(log);
  assert.equal(bad.length, 3);
  assert.match(bad[0]!, /handle_command on fsid 0+-/);
});

test('decode failures of our connections stay flagged next to CLI sessions', () => {
  const log = [
    rx(CLI, 'get_command_descriptions'),
    `${T} 7f7e5d7fa6c0  1 --2- [v2:127.0.0.1:3300/0,v1:127.0.0.1:6789/0] >> v2:127.0.0.1:0/99 conn(0x1 0x2 crc :-1 s=READY pgs=2 cs=0 l=1 rev1=1 crypto rx=0 tx=0 comp rx=0 tx=0).handle_message decode message failed`,
    `${T} 7f7e5d7fa6c0  0 bad crc in front 1 != exp 2 from v2:127.0.0.1:0/99`,
  ].join('\n');
  assert.equal(badLogLines(log).length, 2);
});

test('a complaint about a peer the mon has no address for yet is flagged even next to a CLI line', () => {
  const log = [
    rx(CLI, 'get_command_descriptions'),
    `${T} 7f7e5d7fa6c0  1 --2- [v2:127.0.0.1:52449/0,v1:127.0.0.1:53231/0] >>  conn(0x7f308c0057e0 0x7f308c005be0 unknown :-1 s=HELLO_ACCEPTING pgs=0 cs=0 l=0 rev1=1 rx=0 tx=0).handle_read_frame_preamble_main bad preamble crc calculated=2166914375 expected=1515870810`,
    `${T} 7f7e5d7fa6c0  1 --2- [v2:127.0.0.1:52449/0,v1:127.0.0.1:53231/0] >> 127.0.0.1:0/1711076603 conn(0x7f308c004e20 0x7f308c005220 crc :-1 s=THROTTLE_DONE pgs=1 cs=0 l=1 rev1=1 rx=0 tx=0).handle_message decode message failed`,
    ...wrongFsid(CLI, 'get_command_descriptions'),
  ].join('\n');
  const bad = badLogLines(log);
  assert.equal(bad.length, 2);
  assert.match(bad[0]!, /bad preamble crc/);
  assert.match(bad[1]!, /decode message failed/);
});
