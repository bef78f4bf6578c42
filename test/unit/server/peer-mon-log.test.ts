/**
 * The mon-log reading of the live peer-mon tests (test/live/peer-mon-helpers.ts), on lines of a
 * real mon.a log (debug_ms 1) from those runs: the scan must flag what Ceph logs on bad input and
 * must not flag what a socket we closed on purpose produces; the fault accounting must tie every
 * fault of mon.a to such a close.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { badPeerLines, faultAccounting } from '../../live/peer-mon-helpers.ts';

const ME = '[v2:127.0.0.1:52597/0,v1:127.0.0.1:50371/0]';
const V2 = 'v2:127.0.0.1:45413/0';
const T = '2026-11-26T08:44:13.722+0000 7fda057fa6c0';
const conn = (s: string) => `conn(0x55d0fffc15f0 0x55d0fffec1d0 ${s})`;

const V2_LOG = [
  `${T}  1 --2- ${ME} >> ${V2} ${conn('unknown :-1 s=NONE pgs=0 cs=0 l=0 rev1=0 rx=0 tx=0')}.connect`,
  `${T}  1 -- ${ME} --> ${V2} -- mon_probe(probe 82e86822-c226-4adf-81b0-f0bcdd946959 name a leader -1 new mon_release pacific) v8 -- 0x55d0fffe9ef0 con 0x55d0fffc15f0`,
  `${T}  1 --2- ${ME} >> ${V2} ${conn('unknown :-1 s=BANNER_CONNECTING pgs=0 cs=0 l=0 rev1=0 rx=0 tx=0')}._handle_peer_banner_payload supported=1 required=0`,
  `${T}  1 --2- ${ME} >> ${V2} ${conn('crc :-1 s=READY pgs=1 cs=0 l=0 rev1=1 rx=0 tx=0')}.ready entity=mon.? client_cookie=e148f43a7413fffc server_cookie=379a7f230b340fd6 in_seq=0 out_seq=0`,
  `${T}  1 -- ${ME} >> ${V2} conn(0x55d0fffc15f0 msgr2=0x55d0fffec1d0 crc :-1 s=STATE_CONNECTION_ESTABLISHED l=0).read_bulk peer close file descriptor 34`,
  `${T}  1 -- ${ME} >> ${V2} conn(0x55d0fffc15f0 msgr2=0x55d0fffec1d0 crc :-1 s=STATE_CONNECTION_ESTABLISHED l=0).read_until read failed`,
  `${T}  1 --2- ${ME} >> ${V2} ${conn('crc :-1 s=READY pgs=1 cs=0 l=0 rev1=1 rx=0 tx=0')}.handle_read_frame_preamble_main read frame preamble failed r=-1 ((1) Operation not permitted)`,
  `${T}  1 --2- ${ME} >> ${V2} ${conn('unknown :-1 s=READY pgs=1 cs=0 l=0 rev1=1 rx=0 tx=0')}._fault initiating reconnect`,
  `${T}  1 --2- ${ME} >> ${V2} ${conn('unknown :-1 s=BANNER_CONNECTING pgs=1 cs=1 l=0 rev1=1 rx=0 tx=0')}._handle_peer_banner_payload supported=1 required=0`,
  `${T}  1 --2- ${ME} >> ${V2} ${conn('crc :-1 s=READY pgs=1 cs=1 l=0 rev1=1 rx=0 tx=0')}.ready entity=mon.? client_cookie=e148f43a7413fffc server_cookie=379a7f230b340fd6 in_seq=0 out_seq=0`,
  `${T}  1 -- ${ME} --> ${V2} -- mon_probe(probe 82e86822-c226-4adf-81b0-f0bcdd946959 name a leader -1 new mon_release pacific) v8 -- 0x55d0fffeddb0 con 0x55d0fffc15f0`,
  `${T}  1 -- ${ME} send_to--> mon ${V2} -- mon_probe(probe 82e86822-c226-4adf-81b0-f0bcdd946959 name a leader -1 new mon_release pacific) v8 -- ?+0 0x55d0fffeddb0`,
  `${T} 10 mon.a@0(probing) e0 probe_timeout 0x55d0fff7c8a0`,
].join('\n');

const V1 = 'v1:127.0.0.1:55371/0';
const V1_LOG = [
  `${T}  1 -- ${ME} --> ${V1} -- mon_probe(probe 5aa0423b-af86-486c-99cf-c7acb0f4ce7d name a leader -1 new mon_release pacific) v8 -- 0x558cb1650350 con 0x558cb1622150`,
  `${T}  1 -- ${ME} >> ${V1} conn(0x558cb1622150 legacy=0x558cb164cd30 unknown :-1 s=STATE_CONNECTION_ESTABLISHED l=0).read_bulk peer close file descriptor 34`,
  `${T}  1 -- ${ME} >> ${V1} conn(0x558cb1622150 legacy=0x558cb164cd30 unknown :-1 s=STATE_CONNECTION_ESTABLISHED l=0).read_until read failed`,
  `${T}  1 --1- ${ME} >> ${V1} conn(0x558cb1622150 0x558cb164cd30 :-1 s=OPENED pgs=1 cs=1 l=0).handle_message read tag failed`,
  `${T}  0 --1- ${ME} >> ${V1} conn(0x558cb1622150 0x558cb164cd30 :-1 s=OPENED pgs=1 cs=1 l=0).fault initiating reconnect`,
  `${T}  1 --1- ${ME} >> ${V1} conn(0x558cb1622150 0x558cb164cd30 :-1 s=CONNECTING_SEND_CONNECT_MSG pgs=1 cs=2 l=0).handle_connect_reply_1 read connect reply failed`,
].join('\n');

test('normal closes are not flagged; the accounting ties each fault to a socket we closed', () => {
  assert.deepEqual(badPeerLines(V2_LOG), []);
  assert.deepEqual(badPeerLines(V1_LOG), []);
  const a = faultAccounting(V2_LOG, V2);
  assert.deepEqual(
    { sent: a.sent, probes: a.sentProbes, closes: a.socketCloses, faults: a.faults, unexplained: a.unexplained, modes: a.readyModes },
    { sent: 2, probes: 2, closes: 1, faults: 1, unexplained: [], modes: ['crc', 'crc'] },
  );
  const b = faultAccounting(V1_LOG, V1);
  assert.deepEqual({ sent: b.sent, closes: b.socketCloses, faults: b.faults, unexplained: b.unexplained }, { sent: 1, closes: 1, faults: 1, unexplained: [] });
  // lines about another peer do not count
  assert.equal(faultAccounting(V2_LOG, 'v2:127.0.0.1:1/0').lines.length, 0);
});

test('a reset socket (RST: we closed with unread bytes) during the handshake explains a fault too', () => {
  const log = [
    `${T}  1 --2- ${ME} >> ${V2} ${conn('unknown :-1 s=BANNER_CONNECTING pgs=0 cs=0 l=0 rev1=1 rx=0 tx=0')}._handle_peer_banner_payload supported=1 required=0`,
    `${T}  1 -- ${ME} >> ${V2} conn(0x5592aa8efd70 msgr2=0x5592aa9184c0 unknown :-1 s=STATE_CONNECTION_ESTABLISHED l=0).read_bulk reading from fd=34 : -104 Unknown error -104`,
    `${T}  1 -- ${ME} >> ${V2} conn(0x5592aa8efd70 msgr2=0x5592aa9184c0 unknown :-1 s=STATE_CONNECTION_ESTABLISHED l=0).read_until read failed`,
    `${T}  1 --2- ${ME} >> ${V2} ${conn('unknown :-1 s=BANNER_CONNECTING pgs=0 cs=0 l=0 rev1=1 rx=0 tx=0')}._handle_peer_banner read peer banner failed r=-1 ((1) Operation not permitted)`,
    `${T}  1 --2- ${ME} >> ${V2} ${conn('unknown :-1 s=START_CONNECT pgs=0 cs=0 l=0 rev1=1 rx=0 tx=0')}._fault waiting 0.400000`,
  ].join('\n');
  assert.deepEqual(badPeerLines(log), []);
  const a = faultAccounting(log, V2);
  assert.deepEqual({ closes: a.socketCloses, faults: a.faults, unexplained: a.unexplained }, { closes: 1, faults: 1, unexplained: [] });
});

test('a fault without a socket closed by us is unexplained', () => {
  const log = V2_LOG.split('\n');
  // drop the close (and the read failures) before the fault: a fault out of the blue
  const cut = log.filter((l) => !/peer close|read_until|preamble failed/.test(l)).join('\n');
  const a = faultAccounting(cut, V2);
  assert.equal(a.faults, 1);
  assert.equal(a.unexplained.length, 1);
  assert.match(a.unexplained[0]!, /_fault initiating reconnect/);
});

test('what Ceph logs on bad input from a server is flagged (v2, v1, cephx, decode)', () => {
  const bad = [
    `--2- ${ME} >> ${V2} ${conn('unknown :-1 s=AUTH_CONNECTING pgs=0 cs=0 l=0 rev1=1 rx=0 tx=0')}.handle_auth_bad_method method=2 result (13) Permission denied, allowed methods=[2], allowed modes=[2,1]`,
    `--2- ${ME} >> ${V2} ${conn('crc :-1 s=READY pgs=1 cs=0 l=0 rev1=1 rx=0 tx=0')}.handle_message got old message 3 <= 5 0x1 mon_probe, discarding`,
    `--2- ${ME} >> ${V2} ${conn('crc :-1 s=READY pgs=1 cs=0 l=0 rev1=1 rx=0 tx=0')}.handle_message missed message?  skipped from seq 0 to 4`,
    `--2- ${ME} >> ${V2} ${conn('crc :-1 s=READY pgs=1 cs=0 l=0 rev1=1 rx=0 tx=0')}.handle_read_frame_preamble_main not in ready state!`,
    `--2- ${ME} >> ${V2} ${conn('crc :-1 s=SESSION_CONNECTING pgs=0 cs=0 l=0 rev1=1 rx=0 tx=0')}.handle_server_ident not in session connect state!`,
    `--2- ${ME} >> ${V2} ${conn('crc :-1 s=SESSION_RECONNECTING pgs=1 cs=1 l=0 rev1=1 rx=0 tx=0')}.handle_session_reset received session reset full=1`,
    `--2- ${ME} >> ${V2} ${conn('crc :-1 s=SESSION_CONNECTING pgs=0 cs=0 l=0 rev1=1 rx=0 tx=0')}.handle_server_ident peer identifies as [v2:127.0.0.1:45413/7], does not include v2:127.0.0.1:45413/0`,
    `--2- ${ME} >> ${V2} ${conn('crc :-1 s=READY pgs=1 cs=0 l=0 rev1=1 rx=0 tx=0')}.run_continuation failed decoding of frame header: End of buffer`,
    `--2- ${ME} >> ${V2} ${conn('crc :-1 s=READY pgs=1 cs=0 l=0 rev1=1 rx=0 tx=0')}.handle_read_frame_dispatch received unknown tag=99`,
    `--1- ${ME} >> ${V1} conn(0x1 0x2 :-1 s=CONNECTING_SEND_CONNECT_MSG pgs=0 cs=0 l=0).handle_connect_reply_2 connect got BADAUTHORIZER`,
    `--1- ${ME} >> ${V1} conn(0x1 0x2 :-1 s=CONNECTING_SEND_CONNECT_MSG pgs=0 cs=1 l=0).handle_connect_reply_2 connect got RESETSESSION`,
    `--1- ${ME} >> ${V1} conn(0x1 0x2 :-1 s=OPENED pgs=1 cs=1 l=0).handle_message bad tag 99`,
    `--1- ${ME} >> ${V1} conn(0x1 0x2 :-1 s=OPENED pgs=1 cs=1 l=0).handle_message_header got bad header crc 1 != 2`,
    `--1- ${ME} >> ${V1} conn(0x1 0x2 :-1 s=OPENED pgs=1 cs=1 l=0).handle_message_footer Signature check failed`,
    `bad crc in front 123 != exp 456`,
    `failed to decode message of type 67 v8: End of buffer`,
    `mon.a@0(probing) e0 handle_auth_done failed verifying authorizer reply`,
    `verify_authorizer_reply bad nonce got 1 expected 2 sent 1`,
  ];
  for (const l of bad) assert.deepEqual(badPeerLines(`${T}  1 ${l}`).length, 1, l);
});
