/**
 * Test helper: the TCP byte streams of a pcapng capture (Ethernet / IPv4 / TCP, as our loopback
 * captures are), reassembled per direction by sequence number. Lets the msgr1 golden tests read
 * stream 1 of the captures (the `ceph -s` session with MMonCommand), which has no stream files.
 */
import { readFileSync } from 'node:fs';

export interface TcpStream {
  /** Client = the side that sent the SYN (or, lacking one, the higher port). */
  clientPort: number;
  serverPort: number;
  c2s: Buffer;
  s2c: Buffer;
  /** Payload-carrying segments per direction, in capture order. */
  c2sSegments: Buffer[];
  s2cSegments: Buffer[];
}

interface Seg {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  syn: boolean;
  ack: boolean;
  payload: Buffer;
}

function packets(file: string): Buffer[] {
  const b = readFileSync(file);
  const out: Buffer[] = [];
  let off = 0;
  let le = true;
  while (off + 12 <= b.length) {
    const type = b.readUInt32LE(off);
    if (type === 0x0a0d0d0a) le = b.readUInt32LE(off + 8) === 0x1a2b3c4d;
    const len = le ? b.readUInt32LE(off + 4) : b.readUInt32BE(off + 4);
    if (len < 12 || off + len > b.length) throw new Error(`bad pcapng block at ${off}`);
    const t = le ? type : b.readUInt32BE(off);
    if (t === 6) {
      const capLen = le ? b.readUInt32LE(off + 20) : b.readUInt32BE(off + 20);
      out.push(b.subarray(off + 28, off + 28 + capLen));
    }
    off += len;
  }
  return out;
}

function parseSeg(frame: Buffer): Seg | undefined {
  if (frame.length < 14 || frame.readUInt16BE(12) !== 0x0800) return undefined; // IPv4 only
  const ip = frame.subarray(14);
  const ihl = (ip[0]! & 0x0f) * 4;
  if (ip[9] !== 6) return undefined;
  const totalLen = ip.readUInt16BE(2);
  const tcp = ip.subarray(ihl, totalLen);
  const dataOff = (tcp[12]! >> 4) * 4;
  const ipStr = (o: number): string => `${ip[o]}.${ip[o + 1]}.${ip[o + 2]}.${ip[o + 3]}`;
  return {
    src: ipStr(12),
    dst: ipStr(16),
    srcPort: tcp.readUInt16BE(0),
    dstPort: tcp.readUInt16BE(2),
    seq: tcp.readUInt32BE(4),
    syn: (tcp[13]! & 0x02) !== 0,
    ack: (tcp[13]! & 0x10) !== 0,
    payload: tcp.subarray(dataOff),
  };
}

/** Reassemble one direction: order by sequence number, drop retransmitted bytes. */
function reassemble(segs: Seg[]): { bytes: Buffer; segments: Buffer[] } {
  const data = segs.filter((s) => s.payload.length > 0);
  if (data.length === 0) return { bytes: Buffer.alloc(0), segments: [] };
  const base = Math.min(...segs.map((s) => (s.syn ? s.seq + 1 : s.seq)));
  const sorted = [...data].sort((a, b) => a.seq - b.seq);
  const parts: Buffer[] = [];
  let end = base;
  for (const s of sorted) {
    const rel = s.seq - end;
    if (rel > 0) throw new Error('gap in TCP stream');
    const fresh = s.payload.subarray(-rel);
    if (fresh.length > 0) parts.push(fresh);
    end += fresh.length;
  }
  return { bytes: Buffer.concat(parts), segments: data.map((s) => s.payload) };
}

/** All TCP streams of a pcapng file, in order of first appearance. */
export function tcpStreams(file: string): TcpStream[] {
  const byKey = new Map<string, Seg[]>();
  for (const f of packets(file)) {
    const s = parseSeg(f);
    if (!s) continue;
    const a = `${s.src}:${s.srcPort}`;
    const b = `${s.dst}:${s.dstPort}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let list = byKey.get(key);
    if (!list) byKey.set(key, (list = []));
    list.push(s);
  }
  const out: TcpStream[] = [];
  for (const segs of byKey.values()) {
    const syn = segs.find((s) => s.syn && !s.ack);
    const first = segs[0]!;
    const clientPort = syn ? syn.srcPort : Math.max(first.srcPort, first.dstPort);
    const serverPort = clientPort === first.srcPort ? first.dstPort : first.srcPort;
    const c2s = reassemble(segs.filter((s) => s.srcPort === clientPort));
    const s2c = reassemble(segs.filter((s) => s.srcPort === serverPort));
    out.push({ clientPort, serverPort, c2s: c2s.bytes, s2c: s2c.bytes, c2sSegments: c2s.segments, s2cSegments: s2c.segments });
  }
  return out;
}
