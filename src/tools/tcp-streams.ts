/**
 * TCP stream reassembly for the decoder: segments are grouped by connection (4-tuple), numbered
 * in order of first appearance (as tshark's tcp.stream), and each direction is rebuilt in
 * sequence-number order with retransmitted bytes dropped. The client is the side that sent the
 * SYN; for a capture that starts mid-connection, the side talking to a Ceph port (3300, 6789) or
 * else the higher port.
 *
 * Each direction keeps, besides its bytes, the arrival time of every chunk (so frames of both
 * directions can be printed in capture order) and where a gap (lost bytes) cut it short.
 */
import { Buffer } from 'node:buffer';
import type { TcpSegment } from './pcap.ts';

export interface Chunk {
  /** byte offset in the direction's stream */
  offset: number;
  length: number;
  time: number;
}

export interface Direction {
  bytes: Buffer;
  chunks: Chunk[];
  /** offset where bytes are missing (the stream is cut there), if any */
  gapAt?: number;
}

export interface TcpStream {
  index: number;
  client: string;
  server: string;
  c2s: Direction;
  s2c: Direction;
  /** a SYN was seen (the stream starts at its beginning) */
  fromStart: boolean;
}

const CEPH_PORTS = new Set([3300, 6789]);

interface Pending {
  index: number;
  a: string;
  b: string;
  client?: string;
  segs: TcpSegment[];
}

/** Reassemble every TCP connection of a capture. */
export function reassemble(segments: readonly TcpSegment[]): TcpStream[] {
  const byKey = new Map<string, Pending>();
  const order: Pending[] = [];
  for (const s of segments) {
    const a = `${s.src}:${s.srcPort}`;
    const b = `${s.dst}:${s.dstPort}`;
    const key = a < b ? `${a}|${b}` : `${b}|${a}`;
    let p = byKey.get(key);
    // a new SYN on a finished 4-tuple starts a new stream (port reuse)
    if (p && s.syn && !s.ack && p.segs.some((x) => x.payload.length > 0)) p = undefined;
    if (!p) {
      p = { index: order.length, a, b, segs: [] };
      byKey.set(key, p);
      order.push(p);
    }
    if (s.syn && !s.ack) p.client ??= a;
    p.segs.push(s);
  }
  return order.map((p) => build(p));
}

function endpointPort(ep: string): number {
  return Number(ep.slice(ep.lastIndexOf(':') + 1));
}

function build(p: Pending): TcpStream {
  let client = p.client;
  if (!client) {
    const pa = endpointPort(p.a);
    const pb = endpointPort(p.b);
    if (CEPH_PORTS.has(pb) && !CEPH_PORTS.has(pa)) client = p.a;
    else if (CEPH_PORTS.has(pa) && !CEPH_PORTS.has(pb)) client = p.b;
    else client = pa > pb ? p.a : p.b;
  }
  const server = client === p.a ? p.b : p.a;
  const from = (ep: string) => p.segs.filter((s) => `${s.src}:${s.srcPort}` === ep);
  return {
    index: p.index,
    client,
    server,
    c2s: direction(from(client)),
    s2c: direction(from(server)),
    fromStart: p.client !== undefined,
  };
}

/** Rebuild one direction: order by (relative) sequence number, drop bytes already seen. */
export function direction(segs: readonly TcpSegment[]): Direction {
  const syn = segs.find((s) => s.syn);
  const data = segs.filter((s) => s.payload.length > 0);
  if (!data.length) return { bytes: Buffer.alloc(0), chunks: [] };
  const isn = syn ? (syn.seq + 1) >>> 0 : data.reduce((m, s) => (((s.seq - m) | 0) < 0 ? s.seq : m), data[0]!.seq);
  const rel = data
    .map((s, i) => ({ at: (s.seq - isn) >>> 0, s, i }))
    .filter((x) => x.at < 0x80000000) // before the ISN: stale retransmission
    .sort((x, y) => x.at - y.at || x.i - y.i);
  const parts: Buffer[] = [];
  const chunks: Chunk[] = [];
  let next = 0;
  let gapAt: number | undefined;
  for (const { at, s } of rel) {
    const end = at + s.payload.length;
    if (end <= next) continue;
    if (at > next) {
      gapAt = next;
      break;
    }
    const fresh = s.payload.subarray(next - at);
    parts.push(fresh);
    chunks.push({ offset: next, length: fresh.length, time: s.time });
    next = end;
  }
  const out: Direction = { bytes: Buffer.concat(parts), chunks };
  if (gapAt !== undefined) out.gapAt = gapAt;
  return out;
}

/** The time the byte at `offset` arrived (the chunk holding it), or undefined. */
export function timeAt(d: Direction, offset: number): number | undefined {
  let lo = 0;
  let hi = d.chunks.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = d.chunks[mid]!;
    if (offset < c.offset) hi = mid - 1;
    else if (offset >= c.offset + c.length) lo = mid + 1;
    else return c.time;
  }
  return undefined;
}
