/**
 * The annotated decoder over every real capture in ../shared/captures: all five pcaps (every TCP
 * stream, both directions) and the stream-0 hex files in each of their formats. Frame counts are
 * cross-checked against independent walks (the msgr2 FrameDecoder for crc sessions, the msgr1
 * golden walker), every crc must be ok, and v2-secure-cephx decrypts with v2-cephx.keyring down
 * to the MMonCommand / MMonCommandAck of `ceph -s`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ByteQueue } from '../../../src/encoding/byte-queue.ts';
import { parseKeyring } from '../../../src/core/auth/keyring.ts';
import { tryDecodeBanner } from '../../../src/core/msgr2/banner.ts';
import { FrameDecoder } from '../../../src/core/msgr2/frame-decoder.ts';
import { decode, guessDirection } from '../../../src/tools/decode.ts';
import type { DecodedItem, DecodeResult } from '../../../src/tools/annotate.ts';
import { tcpSegments } from '../../../src/tools/pcap.ts';
import { reassemble } from '../../../src/tools/tcp-streams.ts';
import { CAPTURES_DIR, loadKeyring, V1_CAPTURES, V2_CAPTURES, type CaptureName } from '../../helpers/captures.ts';
import { walk } from '../core/msgr1/walk.ts';

const keyring = parseKeyring(loadKeyring('v2-cephx'));
const file = (n: string): { name: string; data: Buffer } => ({ name: join(CAPTURES_DIR, n), data: readFileSync(join(CAPTURES_DIR, n)) });
const frames = (r: DecodeResult, stream: number, dir: 'c2s' | 's2c'): DecodedItem[] =>
  r.items.filter((i) => i.stream === stream && i.dir === dir && (i.kind === 'frame' || i.kind === 'record'));

/** Frames per direction of a clear msgr2 stream, counted by the real FrameDecoder. */
function v2FrameCount(bytes: Buffer): number {
  const q = new ByteQueue();
  q.push(bytes);
  const b = tryDecodeBanner(q)!;
  const dec = new FrameDecoder({ rev1: (b.supported & 1n) === 1n });
  let n = 0;
  while (dec.readFrame(q)) n++;
  assert.equal(q.length, 0);
  return n;
}

/** Expected frames per stream [c2s, s2c] (secure: clear handshake frames + decrypted ones). */
const EXPECTED: Record<CaptureName, [number, number][]> = {
  'v2-crc-authnone': [[6, 7], [10, 11]],
  'v2-crc-cephx': [[7, 8], [11, 12]],
  'v2-secure-cephx': [[3 + 4, 3 + 5], [3 + 8, 3 + 9]],
  'v1-authnone': [[3, 5], [7, 9]],
  'v1-cephx': [[4, 6], [9, 11]],
};

for (const name of [...V2_CAPTURES, ...V1_CAPTURES]) {
  test(`decode ${name}.pcap: every frame of both streams annotated, crcs ok, counts match independent walks`, () => {
    const r = decode([file(`${name}.pcap`)], { keyring });
    assert.equal(r.streams.length, 2);
    const tcp = reassemble(tcpSegments(readFileSync(join(CAPTURES_DIR, `${name}.pcap`))));
    r.streams.forEach((s, i) => {
      assert.equal(s.badChecks, 0, `${name} stream ${i}: no BAD check`);
      assert.equal(s.protocol, name.startsWith('v1') ? 'msgr1' : 'msgr2.1');
      const [c2s, s2c] = EXPECTED[name][i]!;
      assert.equal(s.frames.c2s, c2s, `${name} stream ${i} c2s`);
      assert.equal(s.frames.s2c, s2c, `${name} stream ${i} s2c`);
      const st = tcp[i]!;
      if (name.startsWith('v2-crc')) {
        assert.equal(v2FrameCount(st.c2s.bytes), c2s);
        assert.equal(v2FrameCount(st.s2c.bytes), s2c);
      }
      if (name.startsWith('v1')) {
        assert.equal(walk('c2s', [st.c2s.bytes]).filter((x) => x.kind === 'record').length, c2s);
        assert.equal(walk('s2c', [st.s2c.bytes]).filter((x) => x.kind === 'record').length, s2c);
      }
      const mine = r.items.filter((x) => x.stream === i);
      // nothing left over: the items tile each direction's bytes exactly
      for (const d of ['c2s', 's2c'] as const) {
        const its = mine.filter((x) => x.dir === d).sort((a, b) => a.offset - b.offset);
        let at = 0;
        for (const it of its) {
          assert.equal(it.offset, at, `${name}/${i}/${d} contiguous at ${at}`);
          at += it.length;
        }
        assert.equal(at, st[d].bytes.length, `${name}/${i}/${d} covers the whole stream`);
        assert.ok(!its.some((x) => x.kind === 'error' || x.kind === 'encrypted'), `${name}/${i}/${d}: no error item`);
      }
      // every message carries a decoded body or, for types without a codec, its raw front
      for (const it of mine) if (it.message) assert.ok(it.message.decoded !== undefined || it.message.raw !== undefined, `${it.message.name} decoded`);
      // capture order: times never go backwards
      for (let k = 1; k < mine.length; k++) assert.ok((mine[k]!.time ?? 0) >= (mine[k - 1]!.time ?? 0));
    });
  });
}

test('decode v2-secure-cephx with v2-cephx.keyring: both streams decrypted, the MMonCommand/Ack of ceph -s inside', () => {
  const r = decode([file('v2-secure-cephx.pcap')], { keyring });
  for (const s of r.streams) {
    assert.equal(s.mode, 'secure');
    assert.equal(s.decrypted, true);
    assert.match(s.auth ?? '', /cephx \(mon mode\) as client\.admin/);
  }
  const s1 = r.items.filter((i) => i.stream === 1);
  const dec = s1.filter((i) => i.decrypted);
  assert.deepEqual(dec.filter((i) => i.dir === 'c2s').map((i) => i.name).slice(0, 2), ['AUTH_SIGNATURE', 'CLIENT_IDENT']);
  const cmds = s1.filter((i) => i.message?.name === 'MMonCommand');
  const acks = s1.filter((i) => i.message?.name === 'MMonCommandAck');
  assert.equal(cmds.length, 2);
  assert.equal(acks.length, 2);
  assert.ok(cmds.every((c) => c.decrypted && c.checks.every((k) => k.ok)));
  const cmd = cmds[1]!.message!.decoded as { cmd: string[] };
  assert.deepEqual(cmd.cmd.map((c) => JSON.parse(c) as unknown), [{ prefix: 'status' }]);
  const ack = acks[1]!.message!.decoded as { r: number; outbl: string };
  assert.equal(ack.r, 0);
  assert.match(ack.outbl, /^text: {2}cluster:\n {4}id: {5}88652b0d-ada1-4155-8410-80208ff7df45/);
});

test('decode v2-secure-cephx without a keyring: the clear handshake, then one encrypted item per direction', () => {
  const r = decode([file('v2-secure-cephx.pcap')]);
  for (const s of r.streams) {
    assert.equal(s.frames.c2s, 3);
    assert.equal(s.frames.s2c, 3);
    assert.ok(!s.decrypted);
  }
  const enc = r.items.filter((i) => i.kind === 'encrypted');
  assert.equal(enc.length, 4);
  assert.match(enc[0]!.error ?? '', /-k KEYRING/);
});

test('hex inputs: stream files, segment files, follow-raw and hex dumps give the same frames as the pcap stream 0', () => {
  for (const name of [...V2_CAPTURES, ...V1_CAPTURES]) {
    const pcap = decode([file(`${name}.pcap`)], { keyring });
    const want = (r: DecodeResult, s: number): string[] => r.items.filter((i) => i.stream === s).map((i) => `${i.dir} ${i.offset} ${i.name} ${i.length}`).sort();
    const ref = want(pcap, 0);
    const pairs = [
      [`${name}.stream0.c2s.hex`, `${name}.stream0.s2c.hex`],
      [`${name}.stream0.c2s.segments.hex`, `${name}.stream0.s2c.segments.hex`],
      [`${name}.stream0.follow-raw.txt`],
    ];
    for (const p of pairs) {
      const r = decode(p.map(file), { keyring });
      assert.equal(r.streams.length, 1, p.join(' '));
      assert.deepEqual(want(r, 0), ref, p.join(' '));
      assert.equal(r.streams[0]!.badChecks, 0);
    }
    // xxd and hexdump -C renderings of the server's stream, direction guessed from the bytes
    const s2c = Buffer.from(readFileSync(join(CAPTURES_DIR, `${name}.stream0.s2c.hex`), 'utf8').replace(/\s+/g, ''), 'hex');
    assert.equal(guessDirection(s2c), 's2c');
    const xxd = dump(s2c, (o, h) => `${o.toString(16).padStart(8, '0')}: ${h.match(/.{1,4}/g)!.join(' ')}  ascii`);
    const hd = dump(s2c, (o, h) => `${o.toString(16).padStart(8, '0')}  ${h.match(/../g)!.join(' ')}  |ascii|`);
    const plain = decode([{ name: 'x.s2c.hex', data: Buffer.from(s2c.toString('hex')) }]);
    for (const text of [xxd, hd]) {
      const r = decode([{ name: 'dump.txt', data: Buffer.from(text) }]);
      assert.deepEqual(r.items.map((i) => [i.dir, i.offset, i.name]), plain.items.map((i) => [i.dir, i.offset, i.name]));
    }
  }
});

function dump(b: Buffer, line: (off: number, hex: string) => string): string {
  const out: string[] = [];
  for (let o = 0; o < b.length; o += 16) out.push(line(o, b.subarray(o, o + 16).toString('hex')));
  return out.join('\n') + '\n';
}

test('a corrupted segment is reported BAD and the walk goes on; a corrupted preamble stops it', () => {
  const c2s = Buffer.from(readFileSync(join(CAPTURES_DIR, 'v2-crc-authnone.stream0.c2s.hex'), 'utf8').replace(/\s+/g, ''), 'hex');
  const good = decode([{ name: 'a.c2s.hex', data: Buffer.from(c2s.toString('hex')) }]);
  const hello = good.items.find((i) => i.name === 'HELLO')!;
  const bad = Buffer.from(c2s);
  bad[hello.offset + 32 + 3]! ^= 0x40; // inside HELLO's payload
  const r = decode([{ name: 'a.c2s.hex', data: Buffer.from(bad.toString('hex')) }]);
  assert.equal(r.streams[0]!.frames.c2s, good.streams[0]!.frames.c2s);
  const h = r.items.find((i) => i.name === 'HELLO')!;
  assert.deepEqual(h.checks.map((c) => [c.what, c.ok]), [['preamble', true], ['seg0', false]]);
  assert.equal(r.streams[0]!.badChecks, 1);
  const auth = good.items.find((i) => i.name === 'AUTH_REQUEST')!;
  const bad2 = Buffer.from(c2s);
  bad2[auth.offset + 5]! ^= 1; // a length byte of the preamble
  const r2 = decode([{ name: 'a.c2s.hex', data: Buffer.from(bad2.toString('hex')) }]);
  const err = r2.items.find((i) => i.kind === 'error')!;
  assert.equal(err.offset, auth.offset);
  assert.match(err.error ?? '', /preamble crc BAD/);
  assert.equal(r2.streams[0]!.frames.c2s, 1, 'only HELLO before it');
});

test('classic pcap (converted from the pcapng) reassembles to the same streams', () => {
  const ng = readFileSync(join(CAPTURES_DIR, 'v2-crc-cephx.pcap'));
  const segs = tcpSegments(ng);
  // rebuild a classic pcap (LINKTYPE_RAW, µs) from the IP packets
  const recs: Buffer[] = [];
  const hdr = Buffer.alloc(24);
  hdr.writeUInt32LE(0xa1b2c3d4, 0);
  hdr.writeUInt16LE(2, 4);
  hdr.writeUInt16LE(4, 6);
  hdr.writeUInt32LE(65535, 16);
  hdr.writeUInt32LE(101, 20);
  recs.push(hdr);
  for (const s of segs) {
    const tcp = Buffer.alloc(20);
    tcp.writeUInt16BE(s.srcPort, 0);
    tcp.writeUInt16BE(s.dstPort, 2);
    tcp.writeUInt32BE(s.seq, 4);
    tcp[12] = 5 << 4;
    tcp[13] = (s.syn ? 2 : 0) | (s.ack ? 0x10 : 0) | (s.fin ? 1 : 0);
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(40 + s.payload.length, 2);
    ip[9] = 6;
    Buffer.from(s.src.split('.').map(Number)).copy(ip, 12);
    Buffer.from(s.dst.split('.').map(Number)).copy(ip, 16);
    const pkt = Buffer.concat([ip, tcp, s.payload]);
    const rh = Buffer.alloc(16);
    rh.writeUInt32LE(Math.floor(s.time), 0);
    rh.writeUInt32LE(Math.round((s.time % 1) * 1e6), 4);
    rh.writeUInt32LE(pkt.length, 8);
    rh.writeUInt32LE(pkt.length, 12);
    recs.push(rh, pkt);
  }
  const a = decode([{ name: 'x.pcap', data: Buffer.concat(recs) }], { keyring });
  const b = decode([{ name: 'x.pcapng', data: ng }], { keyring });
  const key = (r: DecodeResult): string[] => r.items.map((i) => `${i.stream} ${i.dir} ${i.offset} ${i.name}`);
  assert.deepEqual(key(a), key(b));
  assert.deepEqual(frames(a, 1, 'c2s').map((i) => i.name), frames(b, 1, 'c2s').map((i) => i.name));
  assert.equal(a.streams[1]!.client, b.streams[1]!.client);
});
