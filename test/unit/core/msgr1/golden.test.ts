/**
 * Golden tests: the msgr1 codecs against real Ceph 16.2.15 captures (v1-authnone, v1-cephx), both
 * directions, stream 0 (stream files + TCP segments) and stream 1 (reassembled from the pcap: the
 * `ceph -s` session with MMonCommand and a 73 KB MMonCommandAck data payload).
 * Every item is decoded, checked against facts of the capture, and re-encoded byte-exact.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { CAPTURES_DIR, loadSegments, loadStream, V1_CAPTURES, type CaptureName } from '../../../helpers/captures.ts';
import { tcpStreams, type TcpStream } from './pcapng.ts';
import { bytewise, splitAt, summary, walk, type Item } from './walk.ts';
import { encodeMsgr1ClientHello, encodeMsgr1ServerHello } from '../../../../src/core/msgr1/banner.ts';
import {
  encodeMsgr1Connect,
  encodeMsgr1ConnectReply,
  Msgr1ConnectFlag,
  Msgr1Tag,
  protocolVersionFor,
} from '../../../../src/core/msgr1/connect.ts';
import { encodeMsgr1Message } from '../../../../src/core/msgr1/header.ts';
import { encodeMsgr1Record, encodeMsgr1Seq, type Msgr1Record } from '../../../../src/core/msgr1/records.ts';
import { crc32c } from '../../../../src/encoding/crc32c.ts';
import { formatAddr } from '../../../../src/encoding/types/entity-addr.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { Feature, FEATURES_ALL_16_2_15, hasFeature } from '../../../../src/encoding/types/features.ts';

type Dir = 'c2s' | 's2c';

const pcaps = new Map<CaptureName, TcpStream[]>();
function streamsOf(name: CaptureName): TcpStream[] {
  let s = pcaps.get(name);
  if (!s) pcaps.set(name, (s = tcpStreams(join(CAPTURES_DIR, `${name}.pcap`))));
  return s;
}

/** Ceph message type numbers seen in these captures. */
const T = { MMonMap: 4, MMonSubscribe: 15, MAuth: 17, MAuthReply: 18, MOSDMap: 41, MMonCommand: 50, MMonCommandAck: 51, MConfig: 62, MMgrMap: 1796 };

/** Expected message types per capture, stream and direction (read off tshark / the wire doc §7). */
const EXPECTED_TYPES: Record<string, number[]> = {
  'v1-authnone/0/c2s': [T.MAuth, T.MMonSubscribe],
  'v1-authnone/0/s2c': [T.MAuthReply, T.MMonMap, T.MConfig, T.MMonMap],
  'v1-cephx/0/c2s': [T.MAuth, T.MAuth, T.MMonSubscribe],
  'v1-cephx/0/s2c': [T.MAuthReply, T.MAuthReply, T.MMonMap, T.MConfig, T.MMonMap],
  'v1-authnone/1/c2s': [T.MAuth, T.MMonSubscribe, T.MMonSubscribe, T.MMonSubscribe, T.MMonCommand, T.MMonCommand],
  'v1-authnone/1/s2c': [T.MAuthReply, T.MMonMap, T.MConfig, T.MMonMap, T.MMgrMap, T.MOSDMap, T.MMonCommandAck, T.MMonCommandAck],
  'v1-cephx/1/c2s': [T.MAuth, T.MAuth, T.MAuth, T.MMonSubscribe, T.MMonSubscribe, T.MMonSubscribe, T.MMonCommand, T.MMonCommand],
  'v1-cephx/1/s2c': [
    T.MAuthReply,
    T.MAuthReply,
    T.MMonMap,
    T.MAuthReply,
    T.MConfig,
    T.MMonMap,
    T.MMgrMap,
    T.MOSDMap,
    T.MMonCommandAck,
    T.MMonCommandAck,
  ],
};

interface Case {
  name: CaptureName;
  stream: 0 | 1;
  dir: Dir;
  bytes: Buffer;
  segments: Buffer[];
  tcp: TcpStream;
}

function cases(): Case[] {
  const out: Case[] = [];
  for (const name of V1_CAPTURES) {
    const tcp = streamsOf(name);
    for (const dir of ['c2s', 's2c'] as const) {
      out.push({ name, stream: 0, dir, bytes: loadStream(name, dir), segments: loadSegments(name, dir), tcp: tcp[0]! });
      const s1 = tcp[1]!;
      out.push({ name, stream: 1, dir, bytes: s1[dir], segments: dir === 'c2s' ? s1.c2sSegments : s1.s2cSegments, tcp: s1 });
    }
  }
  return out;
}
const label = (c: Case): string => `${c.name}/${c.stream}/${c.dir}`;

function records(items: Item[]): Msgr1Record[] {
  return items.flatMap((i) => (i.kind === 'record' ? [i.record] : []));
}

function reencode(items: Item[]): Buffer {
  const parts: Buffer[] = [];
  for (const it of items) {
    switch (it.kind) {
      case 'server_hello':
        parts.push(encodeMsgr1ServerHello(it.hello.serverAddr, it.hello.peerAddrForMe));
        break;
      case 'client_hello':
        parts.push(encodeMsgr1ClientHello(it.hello.addr));
        break;
      case 'connect':
        parts.push(encodeMsgr1Connect(it.connect));
        break;
      case 'connect_reply':
        parts.push(encodeMsgr1ConnectReply(it.reply));
        break;
      case 'seq':
        parts.push(encodeMsgr1Seq(it.seq));
        break;
      case 'record':
        parts.push(...encodeMsgr1Record(it.record, true));
        break;
    }
  }
  return Buffer.concat(parts);
}

test('golden: the stream files equal the pcap reassembly (sanity of the pcap helper)', () => {
  for (const name of V1_CAPTURES) {
    const s0 = streamsOf(name)[0]!;
    assert.ok(s0.c2s.equals(loadStream(name, 'c2s')), name);
    assert.ok(s0.s2c.equals(loadStream(name, 's2c')), name);
    assert.equal(streamsOf(name).length, 2, name);
  }
});

for (const c of cases()) {
  test(`golden ${label(c)}: handshake facts, records, byte-exact re-encoding`, () => {
    const items = walk(c.dir, [c.bytes]);
    const first = items[0]!;
    const second = items[1]!;
    const third = items[2]!;
    if (c.dir === 's2c') {
      assert.equal(first.kind, 'server_hello');
      assert.equal(first.hello.raw.length, 281);
      assert.equal(formatAddr(first.hello.serverAddr), `v1:127.0.0.1:${c.tcp.serverPort}/0`);
      // the mon reports the client's TCP source address, nonce 0
      assert.equal(formatAddr(first.hello.peerAddrForMe), `v1:127.0.0.1:${c.tcp.clientPort}/0`);
      assert.equal(second.kind, 'connect_reply');
      assert.equal(second.reply.tag, Msgr1Tag.SEQ);
      assert.equal(second.reply.features, FEATURES_ALL_16_2_15);
      assert.equal(second.reply.protocolVersion, protocolVersionFor(EntityType.MON, EntityType.CLIENT, false));
      assert.equal(second.reply.connectSeq, 1); // client's connect_seq 0 + 1
      assert.equal(second.reply.flags & Msgr1ConnectFlag.LOSSY, Msgr1ConnectFlag.LOSSY);
      assert.equal(second.reply.authorizer.length, 0);
    } else {
      assert.equal(first.kind, 'client_hello');
      assert.equal(first.hello.raw.length, 145);
      assert.equal(first.hello.addr.ip, '127.0.0.1');
      assert.equal(first.hello.addr.port, 0); // unbound client
      assert.notEqual(first.hello.addr.nonce, 0);
      assert.equal(second.kind, 'connect');
      assert.equal(second.connect.features, FEATURES_ALL_16_2_15);
      assert.equal(second.connect.hostType, EntityType.CLIENT);
      assert.equal(second.connect.protocolVersion, protocolVersionFor(EntityType.CLIENT, EntityType.MON, true));
      assert.equal(second.connect.connectSeq, 0);
      assert.equal(second.connect.globalSeq, 1);
      assert.equal(second.connect.authorizerProtocol, 0); // no authorizer towards a mon (§5.2)
      assert.equal(second.connect.authorizer.length, 0);
      assert.ok(hasFeature(second.connect.features, Feature.MSG_AUTH)); // so footers are 21 bytes
      assert.ok(hasFeature(second.connect.features, Feature.RECONNECT_SEQ)); // so the mon replied SEQ
    }
    assert.deepEqual(third, { kind: 'seq', seq: 0n });

    const recs = records(items);
    assert.equal(items.length, 3 + recs.length);
    assert.equal(recs[0]!.kind, c.dir === 'c2s' ? 'keepalive2' : 'keepalive2_ack');
    const msgs = recs.flatMap((r) => (r.kind === 'message' ? [r] : []));
    assert.equal(msgs.length, recs.length - 1);
    assert.deepEqual(
      msgs.map((m) => m.header.type),
      EXPECTED_TYPES[label(c)],
    );
    msgs.forEach((m, i) => {
      assert.equal(m.message.seq, BigInt(i + 1), 'seqs are dense from 1');
      assert.equal(m.footer.flags, 1, 'COMPLETE, not signed, crcs on');
      assert.equal(m.footer.sig, 0n);
      assert.equal(m.footer.frontCrc, crc32c(0, m.message.front));
      assert.equal(m.footer.dataCrc, crc32c(0, m.message.data));
      assert.equal(m.message.type, m.header.type);
      assert.equal(m.message.src, m.header.src);
      assert.equal(m.message.tid, m.header.tid);
      assert.equal(m.message.front.length + m.message.middle.length + m.message.data.length, m.message.payloadLength);
      if (c.dir === 's2c') {
        assert.deepEqual(m.header.src, { type: EntityType.MON, num: 0n });
        assert.equal(m.message.priority, 196); // mons send at CEPH_MSG_PRIO_HIGH
      } else {
        assert.equal(m.header.src.type, EntityType.CLIENT);
        assert.equal(m.message.priority, 127);
      }
      // the sender's path reproduces the captured bytes too
      const parts = encodeMsgr1Message(m.message, { seq: m.header.seq, src: m.header.src, msgAuth: true });
      assert.deepEqual(Buffer.concat(parts), Buffer.concat(encodeMsgr1Record(m, true)));
    });
    if (c.dir === 'c2s') {
      // before authenticating the client is client.-1; afterwards its global id
      assert.equal(msgs[0]!.header.src.num, -1n);
    }
    if (c.stream === 1 && c.dir === 's2c') {
      const ack = msgs.find((m) => m.header.type === T.MMonCommandAck)!;
      assert.ok(ack.message.data.length > 70000, 'MMonCommandAck carries its output in the data segment');
    }
    assert.ok(reencode(items).equals(c.bytes), 're-encoding reproduces the capture byte for byte');
  });

  test(`golden ${label(c)}: real TCP segmentation, one byte at a time, readHeader path`, () => {
    const whole = summary(walk(c.dir, [c.bytes]));
    assert.ok(Buffer.concat(c.segments).equals(c.bytes));
    assert.deepEqual(summary(walk(c.dir, c.segments)), whole);
    assert.deepEqual(summary(walk(c.dir, c.segments, { useReadHeader: true })), whole);
    assert.deepEqual(summary(walk(c.dir, bytewise(c.bytes), { useReadHeader: true })), whole);
  });
}

test('golden: the keepalive2_ack echoes the client keepalive2 stamp', () => {
  for (const name of V1_CAPTURES) {
    for (const s of streamsOf(name)) {
      const k2 = records(walk('c2s', [s.c2s]))[0]!;
      const ack = records(walk('s2c', [s.s2c]))[0]!;
      assert.equal(k2.kind, 'keepalive2');
      assert.equal(ack.kind, 'keepalive2_ack');
      assert.deepEqual(ack.stamp, k2.stamp);
    }
  }
});

test('golden: stream 0 parses identically when split at every byte offset', () => {
  let splits = 0;
  for (const name of V1_CAPTURES) {
    for (const dir of ['c2s', 's2c'] as const) {
      const bytes = loadStream(name, dir);
      const whole = summary(walk(dir, [bytes]));
      for (let k = 1; k < bytes.length; k++) {
        assert.deepEqual(summary(walk(dir, splitAt(bytes, [k]), { useReadHeader: k % 2 === 0 })), whole, `${name} ${dir} split at ${k}`);
        splits++;
      }
    }
  }
  assert.ok(splits > 3000);
});

test('golden: stream 1 parses identically under 200 random multi-way splits', () => {
  let seed = 0x9e3779b9;
  const rnd = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  for (const name of V1_CAPTURES) {
    const s1 = streamsOf(name)[1]!;
    for (const dir of ['c2s', 's2c'] as const) {
      const bytes = s1[dir];
      const whole = summary(walk(dir, [bytes]));
      for (let i = 0; i < 50; i++) {
        const cuts = Array.from({ length: 1 + rnd(40) }, () => 1 + rnd(bytes.length - 1));
        assert.deepEqual(summary(walk(dir, splitAt(bytes, cuts), { useReadHeader: i % 2 === 1 })), whole, `${name} ${dir} cuts ${cuts.join(',')}`);
      }
    }
  }
});
