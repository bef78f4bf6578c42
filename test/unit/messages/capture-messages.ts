/**
 * Test-only helpers for the message golden tests:
 * - a tiny pcapng reader that reassembles every TCP connection of a capture (IPv4 over Ethernet /
 *   loopback, as tshark writes for `lo`), so stream 1 of the captures (the `status` session) can
 *   be used as well as stream 0, which test/helpers/captures.ts already exposes as hex;
 * - a splitter for msgr2.1 crc-mode byte streams that returns the MESSAGE frames (tag 17) with the
 *   fields of their ceph_msg_header2 and the front / middle / data segments.
 *
 * Deliberately independent of src/core (the real frame decoder is written elsewhere); it trusts
 * its input (captures) and checks only what a golden test needs to be meaningful.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPTURES_DIR, type CaptureName } from '../../helpers/captures.ts';

export interface TcpStream {
  /** index in order of the connections' first packet, like tshark's tcp.stream */
  index: number;
  clientPort: number;
  serverPort: number;
  c2s: Buffer;
  s2c: Buffer;
}

interface Segment {
  seq: number;
  syn: boolean;
  data: Buffer;
}

/** All TCP connections of a pcapng file, each direction reassembled by sequence number. */
export function readPcapngTcpStreams(file: string): TcpStream[] {
  const b = readFileSync(file);
  let off = 0;
  let le = true;
  const linkTypes: number[] = [];
  const conns = new Map<string, { index: number; client: string; dirs: Map<string, Segment[]> }>();
  const rd32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  while (off + 12 <= b.length) {
    const type = b.readUInt32LE(off);
    if (type === 0x0a0d0d0a) le = b.readUInt32LE(off + 8) === 0x1a2b3c4d;
    const len = rd32(off + 4);
    if (len < 12 || off + len > b.length) throw new Error(`bad pcapng block at ${off}`);
    const btype = rd32(off);
    if (btype === 1) {
      linkTypes.push(le ? b.readUInt16LE(off + 8) : b.readUInt16BE(off + 8));
    } else if (btype === 6) {
      const ifid = rd32(off + 8);
      const capLen = rd32(off + 20);
      const pkt = b.subarray(off + 28, off + 28 + capLen);
      const lt = linkTypes[ifid];
      let ip: Buffer;
      if (lt === 1) ip = pkt.subarray(14); // Ethernet
      else if (lt === 113) ip = pkt.subarray(16); // Linux cooked
      else if (lt === 101) ip = pkt; // raw IP
      else throw new Error(`unsupported link type ${lt}`);
      if ((ip[0]! >> 4) === 4 && ip[9] === 6) {
        const ihl = (ip[0]! & 0x0f) * 4;
        const totLen = ip.readUInt16BE(2);
        const tcp = ip.subarray(ihl, totLen);
        const sport = tcp.readUInt16BE(0);
        const dport = tcp.readUInt16BE(2);
        const seq = tcp.readUInt32BE(4);
        const flags = tcp[13]!;
        const doff = (tcp[12]! >> 4) * 4;
        const src = `${ip.subarray(12, 16).join('.')}:${sport}`;
        const dst = `${ip.subarray(16, 20).join('.')}:${dport}`;
        const key = [src, dst].sort().join('|');
        let c = conns.get(key);
        if (!c) {
          c = { index: conns.size, client: src, dirs: new Map() };
          conns.set(key, c);
        }
        const syn = (flags & 0x02) !== 0;
        if (syn && (flags & 0x10) === 0) c.client = src;
        const list = c.dirs.get(src) ?? [];
        list.push({ seq, syn, data: Buffer.from(tcp.subarray(doff)) });
        c.dirs.set(src, list);
      }
    }
    off += len;
  }
  const out: TcpStream[] = [];
  for (const c of conns.values()) {
    const server = [...c.dirs.keys()].find((k) => k !== c.client) ?? '';
    out.push({
      index: c.index,
      clientPort: Number(c.client.split(':')[1]),
      serverPort: Number(server.split(':')[1]),
      c2s: reassemble(c.dirs.get(c.client) ?? []),
      s2c: reassemble(c.dirs.get(server) ?? []),
    });
  }
  return out.sort((x, y) => x.index - y.index);
}

function reassemble(segs: Segment[]): Buffer {
  const syn = segs.find((s) => s.syn);
  const isn = syn ? (syn.seq + 1) >>> 0 : (segs[0]?.seq ?? 0);
  const parts: Buffer[] = [];
  let next = 0;
  const rel = segs
    .filter((s) => s.data.length > 0)
    .map((s) => ({ at: (s.seq - isn) >>> 0, data: s.data }))
    .sort((x, y) => x.at - y.at);
  for (const s of rel) {
    const end = s.at + s.data.length;
    if (end <= next) continue; // retransmission
    if (s.at > next) throw new Error(`gap in TCP stream at ${next}`);
    parts.push(s.data.subarray(next - s.at));
    next = end;
  }
  return Buffer.concat(parts);
}

/** TCP stream `index` of a capture's pcap file. */
export function loadPcapStream(name: CaptureName | string, index: number): TcpStream {
  const file = name.includes('/') ? name : join(CAPTURES_DIR, `${name}.pcap`);
  const s = readPcapngTcpStreams(file)[index];
  if (!s) throw new Error(`no TCP stream ${index} in ${file}`);
  return s;
}

export interface CapturedMessage {
  seq: bigint;
  tid: bigint;
  type: number;
  priority: number;
  version: number;
  dataOff: number;
  ackSeq: bigint;
  flags: number;
  compatVersion: number;
  front: Buffer;
  middle: Buffer;
  data: Buffer;
}

const BANNER_LEN = 8 + 2 + 16;
const TAG_MESSAGE = 17;

/**
 * MESSAGE frames of one direction of a msgr2.1 crc-mode stream (banner first). Throws on
 * anything that is not a crc-mode rev1 frame sequence (so a secure-mode stream is rejected).
 */
export function splitV2CrcMessages(stream: Buffer): CapturedMessage[] {
  if (stream.subarray(0, 8).toString('latin1') !== 'ceph v2\n') throw new Error('not a msgr2 stream');
  const out: CapturedMessage[] = [];
  let off = BANNER_LEN;
  while (off < stream.length) {
    if (off + 32 > stream.length) throw new Error(`truncated preamble at ${off}`);
    const tag = stream[off]!;
    const n = stream[off + 1]!;
    if (n < 1 || n > 4 || tag < 1 || tag > 20) throw new Error(`bad preamble at ${off} (tag ${tag}, ${n} segments)`);
    const lens: number[] = [];
    for (let i = 0; i < n; i++) lens.push(stream.readUInt32LE(off + 2 + i * 6));
    off += 32;
    const segs: Buffer[] = [];
    for (let i = 0; i < n; i++) {
      const len = lens[i]!;
      segs.push(stream.subarray(off, off + len));
      off += len;
      if (i === 0 && len > 0) off += 4; // rev1: segment 0 crc inline
    }
    if (n > 1) off += 13; // rev1 epilogue: late_status + 3 crcs
    if (off > stream.length) throw new Error('truncated frame');
    if (tag !== TAG_MESSAGE) continue;
    const h = segs[0]!;
    if (h.length !== 41) throw new Error(`header2 of ${h.length} bytes`);
    const empty = Buffer.alloc(0);
    out.push({
      seq: h.readBigUInt64LE(0),
      tid: h.readBigUInt64LE(8),
      type: h.readUInt16LE(16),
      priority: h.readUInt16LE(18),
      version: h.readUInt16LE(20),
      dataOff: h.readUInt16LE(26),
      ackSeq: h.readBigUInt64LE(28),
      flags: h[36]!,
      compatVersion: h.readUInt16LE(37),
      front: segs[1] ?? empty,
      middle: segs[2] ?? empty,
      data: segs[3] ?? empty,
    });
  }
  return out;
}
