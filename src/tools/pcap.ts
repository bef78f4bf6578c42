/**
 * Reading packet captures: classic pcap (either byte order, µs or ns timestamps) and pcapng
 * (SHB/IDB/EPB/SPB/obsolete PB blocks, either byte order, per-interface timestamp resolution),
 * then peeling the link layer (Ethernet with VLAN tags, Linux cooked SLL/SLL2, BSD loopback,
 * raw IP) and IPv4/IPv6 down to TCP segments.
 *
 * Everything thrown is a MsgrError with code ERR_DECODE_INVALID (not a capture, truncated block).
 * Packets that are not TCP are skipped; truncated packets (snaplen) keep what was captured.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../errors.ts';

export interface CapturedPacket {
  /** seconds since the epoch (fractional) */
  time: number;
  /** LINKTYPE_* of the interface it was captured on */
  linkType: number;
  data: Buffer;
}

export interface TcpSegment {
  time: number;
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  syn: boolean;
  ack: boolean;
  fin: boolean;
  rst: boolean;
  payload: Buffer;
}

export const LinkType = { NULL: 0, ETHERNET: 1, RAW: 101, LINUX_SLL: 113, LOOP: 108, IPV4: 228, IPV6: 229, LINUX_SLL2: 276 } as const;

function bad(msg: string): MsgrError {
  return new MsgrError('ERR_DECODE_INVALID', `capture: ${msg}`);
}

/** Is this buffer a pcap or pcapng file? */
export function isCapture(b: Buffer): boolean {
  if (b.length < 4) return false;
  const m = b.readUInt32LE(0);
  return m === 0x0a0d0d0a || m === 0xa1b2c3d4 || m === 0xd4c3b2a1 || m === 0xa1b23c4d || m === 0x4d3cb2a1;
}

/** Every packet of a pcap or pcapng file, in file order. */
export function readCapture(b: Buffer): CapturedPacket[] {
  if (b.length < 4) throw bad('file too short');
  return b.readUInt32LE(0) === 0x0a0d0d0a ? readPcapng(b) : readPcap(b);
}

function readPcap(b: Buffer): CapturedPacket[] {
  if (b.length < 24) throw bad('pcap header truncated');
  const magicLE = b.readUInt32LE(0);
  let le: boolean;
  if (magicLE === 0xa1b2c3d4 || magicLE === 0xa1b23c4d) le = true;
  else if (b.readUInt32BE(0) === 0xa1b2c3d4 || b.readUInt32BE(0) === 0xa1b23c4d) le = false;
  else throw bad('not a pcap or pcapng file');
  const magic = le ? magicLE : b.readUInt32BE(0);
  const nano = magic === 0xa1b23c4d;
  const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const out: CapturedPacket[] = [];
  let off = 24;
  while (off + 16 <= b.length) {
    const sec = u32(off);
    const frac = u32(off + 4);
    const incl = u32(off + 8);
    if (off + 16 + incl > b.length) throw bad(`pcap record at ${off} truncated`);
    out.push({ time: sec + frac / (nano ? 1e9 : 1e6), linkType, data: b.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
  }
  return out;
}

interface Iface {
  linkType: number;
  /** timestamp units per second */
  units: number;
}

function readPcapng(b: Buffer): CapturedPacket[] {
  const out: CapturedPacket[] = [];
  let ifaces: Iface[] = [];
  let le = true;
  let off = 0;
  while (off + 12 <= b.length) {
    const rawType = b.readUInt32LE(off);
    if (rawType === 0x0a0d0d0a) {
      const bom = b.readUInt32LE(off + 8);
      if (bom === 0x1a2b3c4d) le = true;
      else if (bom === 0x4d3c2b1a) le = false;
      else throw bad(`bad byte-order magic at ${off}`);
      ifaces = []; // a new section starts a new interface list
    }
    const u32 = (o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
    const u16 = (o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
    const type = u32(off);
    const len = u32(off + 4);
    if (len < 12 || len % 4 !== 0 || off + len > b.length) throw bad(`bad block length ${len} at ${off}`);
    const body = off + 8;
    const end = off + len - 4;
    if (type === 1) {
      const linkType = u16(body);
      let units = 1e6;
      // options after linktype(2) reserved(2) snaplen(4)
      for (let o = body + 8; o + 4 <= end; ) {
        const code = u16(o);
        const olen = u16(o + 2);
        if (code === 0) break;
        if (code === 9 && olen >= 1) {
          const v = b[o + 4]!;
          units = v & 0x80 ? 2 ** (v & 0x7f) : 10 ** (v & 0x7f);
        }
        o += 4 + ((olen + 3) & ~3);
      }
      ifaces.push({ linkType, units });
    } else if (type === 6 || type === 2) {
      const ifId = type === 6 ? u32(body) : u16(body);
      const hi = u32(body + 4);
      const lo = u32(body + 8);
      const cap = u32(body + 12);
      const data = body + 20;
      if (data + cap > end) throw bad(`packet block at ${off} truncated`);
      const iface = ifaces[ifId] ?? { linkType: LinkType.ETHERNET, units: 1e6 };
      out.push({ time: (hi * 2 ** 32 + lo) / iface.units, linkType: iface.linkType, data: b.subarray(data, data + cap) });
    } else if (type === 3) {
      const orig = u32(body);
      const iface = ifaces[0] ?? { linkType: LinkType.ETHERNET, units: 1e6 };
      out.push({ time: 0, linkType: iface.linkType, data: b.subarray(body + 4, body + 4 + Math.min(orig, end - body - 4)) });
    }
    off += len;
  }
  return out;
}

/** The IP packet inside a link-layer frame, or undefined (not IP / unknown link type). */
export function ipPayload(linkType: number, f: Buffer): Buffer | undefined {
  switch (linkType) {
    case LinkType.ETHERNET: {
      let o = 12;
      let et = f.length >= 14 ? f.readUInt16BE(o) : 0;
      while ((et === 0x8100 || et === 0x88a8) && f.length >= o + 6) {
        o += 4;
        et = f.readUInt16BE(o);
      }
      return et === 0x0800 || et === 0x86dd ? f.subarray(o + 2) : undefined;
    }
    case LinkType.LINUX_SLL:
      return f.length >= 16 && [0x0800, 0x86dd].includes(f.readUInt16BE(14)) ? f.subarray(16) : undefined;
    case LinkType.LINUX_SLL2:
      return f.length >= 20 && [0x0800, 0x86dd].includes(f.readUInt16BE(0)) ? f.subarray(20) : undefined;
    case LinkType.NULL:
    case LinkType.LOOP:
      return f.length >= 4 ? f.subarray(4) : undefined;
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6:
      return f;
    default:
      return undefined;
  }
}

function ip6(b: Buffer, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 16; i += 2) parts.push(b.readUInt16BE(o + i).toString(16));
  return parts.join(':').replace(/(^|:)0(:0)+(:|$)/, '::');
}

/** The TCP segment inside an IP packet, or undefined. */
export function tcpSegment(time: number, ip: Buffer): TcpSegment | undefined {
  if (ip.length < 20) return undefined;
  const v = ip[0]! >> 4;
  let src: string;
  let dst: string;
  let tcp: Buffer;
  if (v === 4) {
    if (ip[9] !== 6) return undefined;
    const ihl = (ip[0]! & 0x0f) * 4;
    const total = Math.min(ip.readUInt16BE(2) || ip.length, ip.length);
    src = `${ip[12]}.${ip[13]}.${ip[14]}.${ip[15]}`;
    dst = `${ip[16]}.${ip[17]}.${ip[18]}.${ip[19]}`;
    tcp = ip.subarray(ihl, total);
  } else if (v === 6) {
    if (ip.length < 40) return undefined;
    let next = ip[6]!;
    let o = 40;
    // skip hop-by-hop, routing, destination options extension headers
    while ((next === 0 || next === 43 || next === 60) && ip.length >= o + 8) {
      next = ip[o]!;
      o += (ip[o + 1]! + 1) * 8;
    }
    if (next !== 6) return undefined;
    src = `[${ip6(ip, 8)}]`;
    dst = `[${ip6(ip, 24)}]`;
    tcp = ip.subarray(o, Math.min(40 + ip.readUInt16BE(4), ip.length));
  } else return undefined;
  if (tcp.length < 20) return undefined;
  const flags = tcp[13]!;
  const dataOff = (tcp[12]! >> 4) * 4;
  return {
    time,
    src,
    dst,
    srcPort: tcp.readUInt16BE(0),
    dstPort: tcp.readUInt16BE(2),
    seq: tcp.readUInt32BE(4),
    syn: (flags & 0x02) !== 0,
    ack: (flags & 0x10) !== 0,
    fin: (flags & 0x01) !== 0,
    rst: (flags & 0x04) !== 0,
    payload: tcp.subarray(Math.min(dataOff, tcp.length)),
  };
}

/** Every TCP segment of a capture, in capture order. */
export function tcpSegments(file: Buffer): TcpSegment[] {
  const out: TcpSegment[] = [];
  for (const p of readCapture(file)) {
    const ip = ipPayload(p.linkType, p.data);
    if (!ip) continue;
    const s = tcpSegment(p.time, ip);
    if (s) out.push(s);
  }
  return out;
}

