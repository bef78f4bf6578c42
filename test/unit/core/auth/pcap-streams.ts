/**
 * Test-only: reassemble the TCP byte streams of a capture's .pcap (pcapng, Ethernet, IPv4) so the
 * auth golden tests can also use stream 1 (the librados session, which asks for extra tickets),
 * not only the stream-0 hex dumps. Loopback captures have no loss; segments are ordered by
 * sequence number and retransmitted bytes are dropped.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CAPTURES_DIR, type CaptureName } from '../../../helpers/captures.ts';

interface Seg {
  seq: number;
  data: Buffer;
}
interface Conn {
  clientPort: number;
  serverPort: number;
  c2s: Seg[];
  s2c: Seg[];
  isn: { c2s?: number; s2c?: number };
}

export interface TcpStream {
  clientPort: number;
  serverPort: number;
  c2s: Buffer;
  s2c: Buffer;
}

function packets(file: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let off = 0;
  let le = true;
  while (off + 12 <= file.length) {
    const type = file.readUInt32LE(off);
    if (type === 0x0a0d0d0a) le = file.readUInt32LE(off + 8) === 0x1a2b3c4d;
    const len = le ? file.readUInt32LE(off + 4) : file.readUInt32BE(off + 4);
    if (len < 12 || off + len > file.length) throw new Error(`pcapng: bad block at ${off}`);
    if (type === 6) {
      const capLen = le ? file.readUInt32LE(off + 20) : file.readUInt32BE(off + 20);
      out.push(file.subarray(off + 28, off + 28 + capLen));
    } else if (type === 3) {
      const origLen = le ? file.readUInt32LE(off + 8) : file.readUInt32BE(off + 8);
      out.push(file.subarray(off + 12, off + 12 + Math.min(origLen, len - 16)));
    }
    off += len;
  }
  return out;
}

/** All TCP connections of a capture in the order they were opened (stream 0, 1, …). */
export function tcpStreams(name: CaptureName): TcpStream[] {
  const file = readFileSync(join(CAPTURES_DIR, `${name}.pcap`));
  const conns = new Map<string, Conn>();
  const order: Conn[] = [];
  for (const p of packets(file)) {
    if (p.length < 14 + 20 || p.readUInt16BE(12) !== 0x0800) continue;
    const ip = p.subarray(14);
    if (ip[9] !== 6) continue;
    const ihl = (ip[0]! & 0x0f) * 4;
    const totalLen = ip.readUInt16BE(2);
    const tcp = ip.subarray(ihl, totalLen);
    const sport = tcp.readUInt16BE(0);
    const dport = tcp.readUInt16BE(2);
    const seq = tcp.readUInt32BE(4);
    const flags = tcp[13]!;
    const dataOff = (tcp[12]! >> 4) * 4;
    const data = tcp.subarray(dataOff);
    const syn = (flags & 0x02) !== 0;
    const ack = (flags & 0x10) !== 0;
    const key = sport < dport ? `${sport}-${dport}` : `${dport}-${sport}`;
    let c = conns.get(key);
    if (!c) {
      if (!syn || ack) continue; // only connections whose SYN we saw
      c = { clientPort: sport, serverPort: dport, c2s: [], s2c: [], isn: {} };
      conns.set(key, c);
      order.push(c);
    }
    const dir = sport === c.clientPort ? 'c2s' : 's2c';
    if (syn) {
      c.isn[dir] = (seq + 1) >>> 0;
      continue;
    }
    if (data.length > 0) c[dir].push({ seq, data: Buffer.from(data) });
  }
  const assemble = (segs: Seg[], isn: number | undefined): Buffer => {
    if (isn === undefined) return Buffer.alloc(0);
    const rel = segs.map((s) => ({ at: (s.seq - isn) >>> 0, data: s.data })).sort((a, b) => a.at - b.at);
    const parts: Buffer[] = [];
    let next = 0;
    for (const s of rel) {
      const end = s.at + s.data.length;
      if (end <= next) continue;
      if (s.at > next) throw new Error('pcap: gap in TCP stream');
      parts.push(s.data.subarray(next - s.at));
      next = end;
    }
    return Buffer.concat(parts);
  };
  return order.map((c) => ({
    clientPort: c.clientPort,
    serverPort: c.serverPort,
    c2s: assemble(c.c2s, c.isn.c2s),
    s2c: assemble(c.s2c, c.isn.s2c),
  }));
}
