/**
 * Ceph keyrings (wire §6.4 "Keys"): the plaintext `[entity]` / `key = AQ…` / `caps x = "…"`
 * format, and the CryptoKey encoding behind the base64 (le16 type, utime created, le16 length,
 * secret). Pure: parses text, never touches files (the shell reads the file).
 */
import { Buffer } from 'node:buffer';
import { MsgrError, isMsgrError, type ErrorCode } from '../../errors.ts';
import { Reader } from '../../encoding/reader.ts';
import { encode, type Writer } from '../../encoding/writer.ts';
import { decodeUTime, encodeUTime, ZERO_UTIME, type UTime } from '../../encoding/types/utime.ts';
import { formatEntityName, type EntityName } from '../../encoding/types/entity-name.ts';
import { AES_KEY_LEN } from './cephx-crypto.ts';

export const CryptoType = { NONE: 0, AES: 1 } as const;

/** A decoded CryptoKey. */
export interface CryptoKey {
  type: number;
  created: UTime;
  /** the raw secret (16 bytes for AES) */
  secret: Buffer;
}

export interface KeyringEntry {
  /** 16-byte AES secret */
  key: Buffer;
  /** caps by service, e.g. { mon: 'allow *' } */
  caps: Record<string, string>;
  /** creation time stored with the key (kept so a rewritten keyring has the same base64) */
  created?: UTime;
}

/** Entity name as written in the keyring (`client.admin`, `mon.`) → entry. */
export type Keyring = Map<string, KeyringEntry>;

/** Read a CryptoKey from a denc stream. Requires AES with a 16-byte secret. */
export function readCryptoKey(r: Reader, code: ErrorCode = 'ERR_DECODE_INVALID'): CryptoKey {
  const type = r.u16();
  const created = decodeUTime(r);
  const len = r.u16();
  const secret = r.bytes(len);
  if (type !== CryptoType.AES) throw new MsgrError(code, `crypto key type ${type} (only AES=1 is supported)`, { origin: 'remote' });
  if (len < AES_KEY_LEN) throw new MsgrError(code, `AES key of ${len} bytes (need ${AES_KEY_LEN})`, { origin: 'remote' });
  return { type, created, secret };
}

export function writeCryptoKey(w: Writer, k: { secret: Uint8Array; created?: UTime; type?: number }): void {
  if (k.secret.length > 0xffff) throw new MsgrError('ERR_ENCODE_INVALID', 'crypto key too long');
  w.u16(k.type ?? CryptoType.AES);
  encodeUTime(w, k.created ?? ZERO_UTIME);
  w.u16(k.secret.length).bytes(k.secret);
}

/** Decode the binary form behind a keyring's base64 `key =` value (28 bytes for AES). */
export function decodeCryptoKey(b: Buffer): CryptoKey {
  try {
    const r = new Reader(b);
    const k = readCryptoKey(r, 'ERR_KEYRING');
    r.expectEnd('crypto key');
    return k;
  } catch (e) {
    if (isMsgrError(e) && e.code === 'ERR_KEYRING') throw e;
    throw new MsgrError('ERR_KEYRING', `malformed crypto key: ${(e as Error).message}`, { cause: e });
  }
}

/** Encode a secret as CryptoKey bytes (type AES). */
export function encodeCryptoKey(secret: Buffer, created: UTime = ZERO_UTIME): Buffer {
  return encode((w) => writeCryptoKey(w, { secret, created }), 32);
}

const BASE64_RE = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Decode a keyring `key =` value (base64 of a CryptoKey). */
export function parseKeyValue(b64: string): CryptoKey {
  const s = b64.trim();
  if (s.length === 0 || !BASE64_RE.test(s)) throw new MsgrError('ERR_KEYRING', 'key is not valid base64');
  return decodeCryptoKey(Buffer.from(s, 'base64'));
}

/** The base64 text for a keyring `key =` line. */
export function formatKeyValue(secret: Buffer, created: UTime = ZERO_UTIME): string {
  return encodeCryptoKey(secret, created).toString('base64');
}

/** Strip a trailing comment (# or ;) that is not inside double quotes. */
function stripComment(line: string): string {
  let inQuote = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '\\' && inQuote) i++;
    else if (c === '"') inQuote = !inQuote;
    else if (!inQuote && (c === '#' || c === ';')) return line.slice(0, i);
  }
  return line;
}

/** Unquote a value: "a \"b\"" → a "b"; unquoted values are trimmed. */
function unquote(v: string, lineNo: number): string {
  const s = v.trim();
  if (!s.startsWith('"')) {
    if (s.includes('"')) throw new MsgrError('ERR_KEYRING', `line ${lineNo}: stray quote in value`);
    return s;
  }
  let out = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\') {
      const n = s[i + 1];
      if (n === undefined) break;
      out += n;
      i++;
    } else if (c === '"') {
      if (s.slice(i + 1).trim() !== '') throw new MsgrError('ERR_KEYRING', `line ${lineNo}: text after closing quote`);
      return out;
    } else out += c;
  }
  throw new MsgrError('ERR_KEYRING', `line ${lineNo}: unterminated quote`);
}

/**
 * Parse keyring text. Accepts what Ceph writes and reads: `[section]` headers, `key = value`
 * lines with any spaces/tabs, `caps <service> = "<spec>"` (quoted or not), `auid = n` (ignored),
 * blank lines and `#`/`;` comments. Every section must carry a valid key. Errors: ERR_KEYRING.
 */
export function parseKeyring(text: string): Keyring {
  const out: Keyring = new Map();
  let cur: { name: string; entry: Partial<KeyringEntry> & { caps: Record<string, string> } } | undefined;
  const finish = (): void => {
    if (!cur) return;
    if (!cur.entry.key) throw new MsgrError('ERR_KEYRING', `[${cur.name}] has no key`);
    out.set(cur.name, { key: cur.entry.key, caps: cur.entry.caps, created: cur.entry.created ?? ZERO_UTIME });
  };
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = stripComment(lines[i]!).trim();
    if (line === '') continue;
    if (line.startsWith('[')) {
      const m = /^\[\s*([^\]\s]+)\s*\]$/.exec(line);
      if (!m) throw new MsgrError('ERR_KEYRING', `line ${lineNo}: bad section header`);
      finish();
      const name = m[1]!;
      if (!/^[a-z]+\..*$/.test(name)) throw new MsgrError('ERR_KEYRING', `line ${lineNo}: bad entity name '${name}'`);
      if (out.has(name)) throw new MsgrError('ERR_KEYRING', `line ${lineNo}: duplicate section [${name}]`);
      cur = { name, entry: { caps: {} } };
      continue;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new MsgrError('ERR_KEYRING', `line ${lineNo}: expected 'name = value'`);
    if (!cur) throw new MsgrError('ERR_KEYRING', `line ${lineNo}: setting outside of a [section]`);
    const name = line.slice(0, eq).trim().replace(/[\s_]+/g, ' ');
    const value = unquote(line.slice(eq + 1), lineNo);
    if (name === 'key') {
      if (cur.entry.key) throw new MsgrError('ERR_KEYRING', `line ${lineNo}: second key for [${cur.name}]`);
      const k = parseKeyValue(value);
      cur.entry.key = k.secret;
      cur.entry.created = k.created;
    } else if (name.startsWith('caps ')) {
      const svc = name.slice(5).trim();
      if (svc === '') throw new MsgrError('ERR_KEYRING', `line ${lineNo}: caps without a service`);
      cur.entry.caps[svc] = value;
    } else if (name === 'auid') {
      // obsolete; Ceph ignores it
    } else {
      throw new MsgrError('ERR_KEYRING', `line ${lineNo}: unknown setting '${name}'`);
    }
  }
  finish();
  return out;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Write keyring text the way `ceph auth get` does (caps in key order, quoted). */
export function keyringText(entries: Keyring | Iterable<readonly [string, KeyringEntry]>): string {
  let s = '';
  for (const [name, e] of entries) {
    if (!/^[a-z]+\.\S*$/.test(name)) throw new MsgrError('ERR_KEYRING', `bad entity name '${name}'`);
    s += `[${name}]\n\tkey = ${formatKeyValue(e.key, e.created ?? ZERO_UTIME)}\n`;
    for (const svc of Object.keys(e.caps).sort()) s += `\tcaps ${svc} = ${quote(e.caps[svc]!)}\n`;
  }
  return s;
}

/** The entry for an entity (`client.admin`, an EntityName), or ERR_KEYRING. */
export function keyringEntry(keyring: Keyring, name: string | EntityName): KeyringEntry {
  const n = typeof name === 'string' ? name : formatEntityName(name);
  const e = keyring.get(n);
  if (!e) throw new MsgrError('ERR_KEYRING', `no key for ${n} in the keyring`);
  return e;
}
