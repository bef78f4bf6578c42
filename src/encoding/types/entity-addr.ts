/**
 * entity_addr_t and entity_addrvec_t: new (marker 1 / 2) and legacy (136-byte) encodings,
 * IPv4 and IPv6, parsing and printing in Ceph's `v2:1.2.3.4:3300/nonce` syntax, and the memcmp
 * ordering Ceph uses to break connection races.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';

export const AddrType = { NONE: 0, LEGACY: 1, MSGR2: 2, ANY: 3, CIDR: 4 } as const;
export type AddrTypeValue = (typeof AddrType)[keyof typeof AddrType];

export const AF_INET = 2;
export const AF_INET6 = 10;

/** An entity address. `ip` is dotted IPv4 or an IPv6 string ('' when family is 0). */
export interface EntityAddr {
  readonly type: number;
  readonly nonce: number;
  /** 0 (blank), 2 (AF_INET) or 10 (AF_INET6), Linux numbering */
  readonly family: number;
  readonly ip: string;
  readonly port: number;
  /** IPv6 only */
  readonly flowinfo?: number;
  readonly scopeId?: number;
}

export type EntityAddrVec = readonly EntityAddr[];

export const BLANK_ADDR: EntityAddr = Object.freeze({ type: AddrType.NONE, nonce: 0, family: 0, ip: '', port: 0 });

export function makeAddr(type: number, ip: string, port: number, nonce = 0): EntityAddr {
  const family = ip === '' ? 0 : ip.includes(':') ? AF_INET6 : AF_INET;
  return { type, nonce: nonce >>> 0, family, ip: family === AF_INET6 ? normalizeIp6(ip) : ip, port };
}

// ---------------------------------------------------------------- ip helpers

function ip4ToBytes(ip: string): Buffer {
  const parts = ip.split('.');
  if (parts.length !== 4) throw new MsgrError('ERR_INVALID_ARG', `bad IPv4 address '${ip}'`);
  const b = Buffer.alloc(4);
  parts.forEach((p, i) => {
    const n = Number(p);
    if (!/^\d{1,3}$/.test(p) || n > 255) throw new MsgrError('ERR_INVALID_ARG', `bad IPv4 address '${ip}'`);
    b[i] = n;
  });
  return b;
}

function ip6ToBytes(ip: string): Buffer {
  let s = ip;
  const b = Buffer.alloc(16);
  // embedded IPv4 tail (::ffff:1.2.3.4)
  const m = /^(.*:)(\d+\.\d+\.\d+\.\d+)$/.exec(s);
  let tail: Buffer | undefined;
  if (m) {
    tail = ip4ToBytes(m[2]!);
    s = m[1]! + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) throw new MsgrError('ERR_INVALID_ARG', `bad IPv6 address '${ip}'`);
  const head = halves[0] ? halves[0].split(':') : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(':') : [];
  if (halves.length === 1 && head.length !== 8) throw new MsgrError('ERR_INVALID_ARG', `bad IPv6 address '${ip}'`);
  if (head.length + rest.length > 8) throw new MsgrError('ERR_INVALID_ARG', `bad IPv6 address '${ip}'`);
  const groups = [...head, ...new Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  groups.forEach((g, i) => {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) throw new MsgrError('ERR_INVALID_ARG', `bad IPv6 address '${ip}'`);
    b.writeUInt16BE(parseInt(g, 16), i * 2);
  });
  if (tail) tail.copy(b, 12);
  return b;
}

function bytesToIp6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // longest run of zeros (length >= 2) becomes '::'
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] === 0) {
      let j = i;
      while (j < 8 && groups[j] === 0) j++;
      if (j - i > bestLen && j - i >= 2) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j;
    } else i++;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return hex.slice(0, bestStart).join(':') + '::' + hex.slice(bestStart + bestLen).join(':');
}

export function normalizeIp6(ip: string): string {
  return bytesToIp6(ip6ToBytes(ip));
}

/** The address's sockaddr body after the family: port (BE) + address (+ IPv6 extras). */
function sockaddrBytes(a: EntityAddr): Buffer {
  if (a.family === AF_INET) {
    const b = Buffer.alloc(14);
    b.writeUInt16BE(a.port, 0);
    ip4ToBytes(a.ip).copy(b, 2);
    return b;
  }
  if (a.family === AF_INET6) {
    const b = Buffer.alloc(26);
    b.writeUInt16BE(a.port, 0);
    b.writeUInt32BE((a.flowinfo ?? 0) >>> 0, 2);
    ip6ToBytes(a.ip).copy(b, 6);
    b.writeUInt32LE((a.scopeId ?? 0) >>> 0, 22);
    return b;
  }
  return Buffer.alloc(26); // blank: Ceph's union is 28 bytes (2 family + 26)
}

function addrFromSockaddr(type: number, nonce: number, family: number, body: Reader): EntityAddr {
  if (family === AF_INET) {
    const port = body.u16be();
    const ipb = body.bytes(4);
    return { type, nonce, family, ip: `${ipb[0]}.${ipb[1]}.${ipb[2]}.${ipb[3]}`, port };
  }
  if (family === AF_INET6) {
    const port = body.u16be();
    const fb = body.bytes(4);
    const flowinfo = fb.readUInt32BE(0);
    const ip = bytesToIp6(body.bytes(16));
    const scopeId = body.u32();
    return { type, nonce, family, ip, port, flowinfo, scopeId };
  }
  if (family === 0) return { type, nonce, family: 0, ip: '', port: 0 };
  throw new MsgrError('ERR_DECODE_INVALID', `unsupported address family ${family}`, { origin: 'remote' });
}

// ---------------------------------------------------------------- new encoding (marker 1)

/** entity_addr_t, new encoding: u8 1, ENCODE_START(1,1), type, nonce, sockaddr. */
export function encodeEntityAddr(w: Writer, a: EntityAddr): void {
  w.u8(1);
  const t = w.beginVersioned(1, 1);
  w.u32(a.type).u32(a.nonce);
  if (a.family === 0) {
    // Ceph encodes a blank address with its full 28-byte union (family 0)
    w.u32(28).zeros(28);
  } else {
    const body = sockaddrBytes(a);
    w.u32(2 + body.length);
    w.u16(a.family);
    w.bytes(body);
  }
  w.endVersioned(t);
}

/** Decode entity_addr_t after the marker byte has been consumed (marker 1). */
function decodeEntityAddrBody(r: Reader): EntityAddr {
  return r.versioned(
    1,
    (s) => {
      const type = s.u32();
      const nonce = s.u32();
      const len = s.u32();
      if (len === 0) return { type, nonce, family: 0, ip: '', port: 0 };
      if (len < 2) throw new MsgrError('ERR_DECODE_INVALID', `sockaddr length ${len}`, { origin: 'remote' });
      const body = s.sub(len);
      const family = body.u16();
      const max = family === AF_INET ? 16 : family === AF_INET6 ? 28 : 28;
      if (len > max) throw new MsgrError('ERR_DECODE_INVALID', `sockaddr length ${len} for family ${family}`, { origin: 'remote' });
      return addrFromSockaddr(type, nonce, family, body);
    },
    'entity_addr_t',
  );
}

/** entity_addr_t in any encoding (marker 0 = legacy, 1 = new). */
export function decodeEntityAddr(r: Reader): EntityAddr {
  const marker = r.buf[r.off];
  if (marker === undefined) r.need(1);
  if (marker === 0) return decodeEntityAddrLegacy(r);
  if (marker !== 1) throw new MsgrError('ERR_DECODE_INVALID', `entity_addr_t marker ${marker}`, { origin: 'remote' });
  r.u8();
  return decodeEntityAddrBody(r);
}

// ---------------------------------------------------------------- legacy encoding (136 bytes)

/** Legacy ceph_entity_addr: le32 type(0), le32 nonce, sockaddr_storage (BE family), 136 bytes. */
export function encodeEntityAddrLegacy(w: Writer, a: EntityAddr): void {
  w.u32(0).u32(a.nonce);
  w.u16be(a.family);
  if (a.family === 0) {
    w.zeros(126);
    return;
  }
  const body = sockaddrBytes(a);
  w.bytes(body);
  w.zeros(126 - body.length);
}

export function decodeEntityAddrLegacy(r: Reader): EntityAddr {
  r.u32(); // type field, written as 0
  const nonce = r.u32();
  const ss = r.sub(128);
  const family = ss.u16be();
  const type = family === 0 ? AddrType.NONE : AddrType.LEGACY;
  return addrFromSockaddr(type, nonce, family, ss);
}

// ---------------------------------------------------------------- addrvec

/** entity_addrvec_t: u8 2, le32 count, addrs (new encoding). */
export function encodeEntityAddrVec(w: Writer, v: EntityAddrVec): void {
  w.u8(2).u32(v.length);
  for (const a of v) encodeEntityAddr(w, a);
}

export function decodeEntityAddrVec(r: Reader): EntityAddr[] {
  const marker = r.buf[r.off];
  if (marker === undefined) r.need(1);
  if (marker === 0) return [decodeEntityAddrLegacy(r)];
  if (marker === 1) return [decodeEntityAddr(r)];
  if (marker !== 2) throw new MsgrError('ERR_DECODE_INVALID', `entity_addrvec_t marker ${marker}`, { origin: 'remote' });
  r.u8();
  return r.list(decodeEntityAddr, 35 - 28);
}

// ---------------------------------------------------------------- text form

const TYPE_PREFIX: Record<number, string> = { 0: 'none', 1: 'v1', 2: 'v2', 3: 'any', 4: 'cidr' };

/** Ceph's printed form, e.g. `v2:127.0.0.1:3300/0`, `v1:[::1]:6789/12`. */
export function formatAddr(a: EntityAddr): string {
  const prefix = TYPE_PREFIX[a.type] ?? `type${a.type}`;
  if (a.family === 0) return `${prefix}:-/${a.nonce}`;
  const host = a.family === AF_INET6 ? `[${a.ip}]` : a.ip;
  return `${prefix}:${host}:${a.port}/${a.nonce}`;
}

export function formatAddrVec(v: EntityAddrVec): string {
  return `[${v.map(formatAddr).join(',')}]`;
}

/**
 * Parse one address: `v2:1.2.3.4:3300`, `v1:1.2.3.4:6789/123`, `1.2.3.4:6789`, `[::1]:3300`,
 * `any:1.2.3.4:0`, `1.2.3.4` (port = defaultPort). `defaultType` applies without a prefix.
 */
export function parseAddr(s: string, defaultType: number = AddrType.ANY, defaultPort = 0): EntityAddr {
  let rest = s.trim();
  let type = defaultType;
  const pm = /^(v1|v2|any|none):/.exec(rest);
  if (pm) {
    type = { v1: AddrType.LEGACY, v2: AddrType.MSGR2, any: AddrType.ANY, none: AddrType.NONE }[pm[1] as 'v1'];
    rest = rest.slice(pm[0].length);
  }
  let nonce = 0;
  const slash = rest.lastIndexOf('/');
  if (slash >= 0) {
    const ns = rest.slice(slash + 1);
    if (!/^\d+$/.test(ns)) throw new MsgrError('ERR_INVALID_ARG', `bad nonce in address '${s}'`);
    nonce = Number(ns) >>> 0;
    rest = rest.slice(0, slash);
  }
  let host: string;
  let port = defaultPort;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) throw new MsgrError('ERR_INVALID_ARG', `bad address '${s}'`);
    host = rest.slice(1, close);
    const after = rest.slice(close + 1);
    if (after) {
      if (!/^:\d+$/.test(after)) throw new MsgrError('ERR_INVALID_ARG', `bad port in address '${s}'`);
      port = Number(after.slice(1));
    }
  } else if ((rest.match(/:/g) ?? []).length > 1) {
    host = rest; // bare IPv6 without port
  } else {
    const colon = rest.lastIndexOf(':');
    if (colon >= 0) {
      host = rest.slice(0, colon);
      const ps = rest.slice(colon + 1);
      if (!/^\d+$/.test(ps)) throw new MsgrError('ERR_INVALID_ARG', `bad port in address '${s}'`);
      port = Number(ps);
    } else host = rest;
  }
  if (port > 65535) throw new MsgrError('ERR_INVALID_ARG', `port out of range in '${s}'`);
  if (host === '' || host === '-') return { type, nonce, family: 0, ip: '', port: 0 };
  if (host === 'localhost') host = '127.0.0.1';
  if (host.includes(':')) ip6ToBytes(host);
  else ip4ToBytes(host);
  return makeAddr(type, host, port, nonce);
}

/**
 * Parse an address vector: `[v2:1.2.3.4:3300,v1:1.2.3.4:6789]` or a single address.
 */
export function parseAddrVec(s: string, defaultType: number = AddrType.ANY, defaultPort = 0): EntityAddr[] {
  const t = s.trim();
  if (t.startsWith('[') && !/^\[[0-9a-fA-F:.]*\](:\d+)?(\/\d+)?$/.test(t)) {
    if (!t.endsWith(']')) throw new MsgrError('ERR_INVALID_ARG', `bad address vector '${s}'`);
    const inner = t.slice(1, -1).trim();
    if (!inner) return [];
    return inner.split(',').map((p) => parseAddr(p, defaultType, defaultPort));
  }
  return [parseAddr(t, defaultType, defaultPort)];
}

// ---------------------------------------------------------------- comparison

/** Byte image of Ceph's in-memory entity_addr_t on a little-endian host (for memcmp). */
export function addrMemImage(a: EntityAddr): Buffer {
  const b = Buffer.alloc(8 + 28);
  b.writeUInt32LE(a.type >>> 0, 0);
  b.writeUInt32LE(a.nonce >>> 0, 4);
  b.writeUInt16LE(a.family, 8); // host order family
  sockaddrBytes(a).copy(b, 10);
  return b;
}

/** Ceph's `entity_addr_t` ordering (memcmp of the in-memory struct): <0, 0, >0. */
export function compareAddr(a: EntityAddr, b: EntityAddr): number {
  return Buffer.compare(addrMemImage(a), addrMemImage(b));
}

export function addrEquals(a: EntityAddr, b: EntityAddr): boolean {
  return compareAddr(a, b) === 0;
}

/** Same socket endpoint (family, ip, port), ignoring type and nonce. */
export function sameEndpoint(a: EntityAddr, b: EntityAddr): boolean {
  return a.family === b.family && a.ip === b.ip && a.port === b.port;
}

export function addrVecEquals(a: EntityAddrVec, b: EntityAddrVec): boolean {
  return a.length === b.length && a.every((x, i) => addrEquals(x, b[i]!));
}

/** The first address of a given type in a vector (v2 entry: AddrType.MSGR2). */
export function pickAddr(v: EntityAddrVec, type: number): EntityAddr | undefined {
  return v.find((a) => a.type === type);
}

/** The same address with other fields replaced. */
export function withAddr(a: EntityAddr, patch: Partial<EntityAddr>): EntityAddr {
  return { ...a, ...patch };
}

/** True if the address has no IP (blank, or 0.0.0.0 / ::). */
export function isBlankIp(a: EntityAddr): boolean {
  return a.family === 0 || a.ip === '0.0.0.0' || a.ip === '::';
}
