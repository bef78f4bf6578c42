/**
 * `mon_host` parsing, as Ceph's MonMap::build_initial (init_with_ips → parse_ip_port_vec →
 * _add_ambiguous_addr) does for a client:
 *
 *  - mons are separated by spaces, semicolons or commas (commas inside `[…]` belong to a vector);
 *  - `[v2:1.2.3.4:3300,v1:1.2.3.4:6789]` is one mon with that address vector, as written;
 *  - one address with a type (`v2:1.2.3.4`, `v1:1.2.3.4:6790`) is used as written, the port
 *    defaulting to 3300 (v2) / 6789 (v1);
 *  - one address without a type is ambiguous: port 6789 → v1 only; port 3300 → v2 only; no port →
 *    two entries, v2:IP:3300 and v1:IP:6789 (named `-legacy`); any other port → v2 and v1 on it;
 *  - IPv6 in brackets (`[::1]:3300`, `[v2:[::1]:3300,v1:[::1]:6789]`);
 *  - `localhost` means 127.0.0.1; other host names need a resolver (see resolveMonHost).
 * Mons get Ceph's initial names noname-a, noname-b, … and every address nonce 0 unless written.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { MsgrError, isMsgrError } from '../errors.ts';
import { AddrType, formatAddrVec, parseAddr, type EntityAddr } from '../encoding/types/entity-addr.ts';

export const MON_PORT_IANA = 3300;
export const MON_PORT_LEGACY = 6789;

export interface MonAddr {
  name: string;
  addrs: EntityAddr[];
  /** from the monmap: lower is preferred when hunting (default 0) */
  priority?: number;
  /** from the monmap: relative chance of being picked among equal priorities (default 0 = even) */
  weight?: number;
}

function bad(s: string, why: string): MsgrError {
  return new MsgrError('ERR_CONFIG', `bad mon_host '${s}': ${why}`);
}

/** Split mon_host into per-mon tokens: by whitespace/';', and by ',' outside brackets. */
export function splitMonHost(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of s) {
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (depth < 0) throw bad(s, "unbalanced ']'");
    if (depth === 0 && (c === ',' || c === ';' || /\s/.test(c))) {
      if (cur) out.push(cur);
      cur = '';
      continue;
    }
    if (depth > 0 && /\s/.test(c)) continue;
    cur += c;
  }
  if (depth !== 0) throw bad(s, "unbalanced '['");
  if (cur) out.push(cur);
  return out;
}

/** Split the inside of `[a,b,…]` at top-level commas. */
function splitVec(inner: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of inner) {
    if (c === '[') depth++;
    else if (c === ']') depth--;
    if (c === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

/** A token is an address vector when it is bracketed and holds more than a bare IPv6 address. */
function isVector(tok: string): boolean {
  return tok.startsWith('[') && !/^\[[0-9a-fA-F:.%]*\](:\d+)?(\/\d+)?$/.test(tok);
}

/** The host part of a single (non-vector) token, for host-name detection. */
function hostOf(tok: string): string {
  let t = tok.replace(/^(v1|v2|any):/, '').replace(/\/\d+$/, '');
  if (t.startsWith('[')) return t.slice(1, t.indexOf(']'));
  const colon = t.lastIndexOf(':');
  if (colon >= 0 && t.indexOf(':') === colon) t = t.slice(0, colon);
  return t;
}

function parseOne(tok: string, whole: string, resolved: ReadonlyMap<string, string> | undefined): EntityAddr {
  const host = hostOf(tok);
  let t = tok;
  if (host && host !== 'localhost' && !isIP(host)) {
    const ip = resolved?.get(host);
    if (ip === undefined) throw bad(whole, `'${host}' is not an IP address (host names need resolveMonHost)`);
    t = tok.replace(host, ip.includes(':') ? `[${ip}]` : ip).replace('[[', '[').replace(']]', ']');
  }
  try {
    return parseAddr(t, AddrType.ANY, 0);
  } catch (e) {
    if (!isMsgrError(e)) throw e;
    throw bad(whole, e.message);
  }
}

const withPort = (a: EntityAddr, type: number, port: number): EntityAddr => ({ ...a, type, port });

/** Parse mon_host into the initial mon list (ERR_CONFIG when malformed or empty). */
export function parseMonHost(s: string, resolved?: ReadonlyMap<string, string>): MonAddr[] {
  const mons: MonAddr[] = [];
  const seen = new Set<string>();
  const add = (name: string, addrs: EntityAddr[]): void => {
    const key = formatAddrVec(addrs);
    if (seen.has(key)) return;
    seen.add(key);
    mons.push({ name, addrs });
  };
  const tokens = splitMonHost(s);
  if (!tokens.length) throw bad(s, 'no monitors specified to connect to');
  tokens.forEach((tok, i) => {
    const name = `noname-${i < 26 ? String.fromCharCode(97 + i) : String(i)}`;
    if (isVector(tok)) {
      if (!tok.endsWith(']')) throw bad(s, `malformed address vector '${tok}'`);
      const parts = splitVec(tok.slice(1, -1)).filter((p) => p !== '');
      if (!parts.length) throw bad(s, `empty address vector '${tok}'`);
      // inside a vector an untyped address is msgr2 (entity_addr_t::TYPE_DEFAULT), ports as written
      add(
        name,
        parts.map((p) => {
          const a = parseOne(p, s, resolved);
          return a.type === AddrType.ANY ? { ...a, type: AddrType.MSGR2 } : a;
        }),
      );
      return;
    }
    const a = parseOne(tok, s, resolved);
    if (a.type === AddrType.LEGACY) add(name, [a.port ? a : withPort(a, AddrType.LEGACY, MON_PORT_LEGACY)]);
    else if (a.type === AddrType.MSGR2) add(name, [a.port ? a : withPort(a, AddrType.MSGR2, MON_PORT_IANA)]);
    else if (a.port === MON_PORT_LEGACY) add(`${name}-legacy`, [withPort(a, AddrType.LEGACY, a.port)]);
    else if (a.port === MON_PORT_IANA) add(name, [withPort(a, AddrType.MSGR2, a.port)]);
    else if (a.port === 0) {
      add(name, [withPort(a, AddrType.MSGR2, MON_PORT_IANA)]);
      add(`${name}-legacy`, [withPort(a, AddrType.LEGACY, MON_PORT_LEGACY)]);
    } else {
      add(name, [withPort(a, AddrType.MSGR2, a.port)]);
      add(`${name}-legacy`, [withPort(a, AddrType.LEGACY, a.port)]);
    }
  });
  return mons;
}

/** Host names used in mon_host (not IPs, not localhost). */
export function monHostNames(s: string): string[] {
  const names = new Set<string>();
  for (const tok of splitMonHost(s)) {
    const parts = isVector(tok) ? splitVec(tok.slice(1, -1)) : [tok];
    for (const p of parts) {
      const h = hostOf(p);
      if (h && h !== 'localhost' && !isIP(h)) names.add(h);
    }
  }
  return [...names];
}

export type HostLookup = (host: string) => Promise<string>;

const defaultLookup: HostLookup = async (host) => (await dnsLookup(host)).address;

/** parseMonHost, resolving host names first (Ceph's init_with_hosts). */
export async function resolveMonHost(s: string, lookup: HostLookup = defaultLookup): Promise<MonAddr[]> {
  const resolved = new Map<string, string>();
  for (const h of monHostNames(s)) {
    try {
      resolved.set(h, await lookup(h));
    } catch (e) {
      throw new MsgrError('ERR_CONFIG', `bad mon_host '${s}': cannot resolve '${h}': ${(e as Error).message}`, { cause: e });
    }
  }
  return parseMonHost(s, resolved);
}
