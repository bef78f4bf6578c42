/**
 * The decoder's output model: one `DecodedItem` per unit on the wire (banner, msgr2 frame, msgr1
 * hello / connect / reply / record), each with its direction, byte offset, on-wire length, the
 * integrity checks done (crc ok/BAD, GCM tag), the decoded fields and, for messages, the header
 * and the typed payload from the message registry. `plain()` turns decoded values into JSON-safe
 * data (bigints as strings, addresses formatted, buffers as hex).
 */
import { Buffer } from 'node:buffer';
import { formatAddr, type EntityAddr } from '../encoding/types/entity-addr.ts';
import { defaultRegistry } from '../messages/registry.ts';
import type { Message } from '../messages/message.ts';

export type Dir = 'c2s' | 's2c';

export interface CrcCheck {
  /** 'preamble', 'seg0', … (msgr2 crc), 'gcm' (secure), 'header', 'front', 'middle', 'data' (msgr1) */
  what: string;
  ok: boolean;
  expected?: number;
  computed?: number;
}

export interface DecodedMessage {
  type: number;
  name: string;
  seq: string;
  tid: string;
  priority: number;
  version: number;
  compatVersion: number;
  ackSeq?: string;
  flags: number;
  src?: string;
  frontLen: number;
  middleLen: number;
  dataLen: number;
  /** the registry's decoding (plain data), when the type has a codec and it decoded */
  decoded?: unknown;
  decodeError?: string;
  /** raw front (hex, truncated) for types without a codec */
  raw?: string;
}

export interface DecodedItem {
  stream: number;
  dir: Dir;
  offset: number;
  /** on-wire bytes */
  length: number;
  /** capture time (s) of the chunk that completed it; for follow-raw input, the chunk index */
  time?: number;
  kind: 'banner' | 'frame' | 'hello' | 'connect' | 'connect_reply' | 'seq' | 'record' | 'encrypted' | 'error';
  /** tag / record name (HELLO, MESSAGE, MSG, ACK, …) */
  name: string;
  /** logical segment lengths (msgr2) */
  segments?: number[];
  checks: CrcCheck[];
  /** decrypted from a secure-mode frame */
  decrypted?: boolean;
  fields?: Record<string, unknown>;
  message?: DecodedMessage;
  error?: string;
}

export interface StreamSummary {
  index: number;
  client: string;
  server: string;
  protocol: 'msgr2.0' | 'msgr2.1' | 'msgr1' | 'unknown';
  mode?: 'crc' | 'secure';
  /** e.g. "cephx (mon mode) as client.admin, global_id 4115" */
  auth?: string;
  /** secure frames were decrypted with the keyring */
  decrypted?: boolean;
  frames: Record<Dir, number>;
  badChecks: number;
  notes: string[];
}

export interface DecodeResult {
  streams: StreamSummary[];
  items: DecodedItem[];
}

const HEX_LIMIT = 48;

export function hexPreview(b: Uint8Array, limit = HEX_LIMIT): string {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
  return buf.length <= limit ? buf.toString('hex') : `${buf.subarray(0, limit).toString('hex')}…(${buf.length} bytes)`;
}

const TEXT_LIMIT = 240;

/** 'text:…' for a non-empty buffer of printable UTF-8 (a command's output, JSON), else undefined. */
function printable(b: Uint8Array): string | undefined {
  if (b.length < 4) return undefined;
  const s = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('utf8');
  if (!/^[\t\n\r\x20-\x7e\u00a0-\uffff]*$/.test(s) || s.includes('\ufffd')) return undefined;
  return s.length <= TEXT_LIMIT ? `text:${s}` : `text:${s.slice(0, TEXT_LIMIT)}…(${b.length} bytes)`;
}

function isAddr(v: object): v is EntityAddr {
  const o = v as Record<string, unknown>;
  return typeof o.type === 'number' && typeof o.nonce === 'number' && typeof o.ip === 'string' && typeof o.port === 'number';
}

const HEX_KEYS = /feature|cookie|flags|required|supported|mask|keys/i;

/** JSON-safe rendering of decoded values (see the module comment). */
export function plain(v: unknown, key = ''): unknown {
  if (typeof v === 'bigint') return HEX_KEYS.test(key) ? `0x${v.toString(16)}` : v.toString();
  if (v === null || typeof v !== 'object') return v;
  if (v instanceof Uint8Array) return printable(v) ?? hexPreview(v);
  if (Array.isArray(v)) return v.map((x) => plain(x, key));
  if (v instanceof Map) return Object.fromEntries([...v.entries()].map(([k, x]) => [String(k), plain(x, String(k))]));
  if (v instanceof Set) return [...v].map((x) => plain(x, key));
  if (isAddr(v)) return formatAddr(v);
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(v)) if (typeof x !== 'function') out[k] = plain(x, k);
  return out;
}

/** Run the message registry over a received message; never throws. */
export function decodeMessageBody(msg: Message, features: bigint): Pick<DecodedMessage, 'decoded' | 'decodeError' | 'raw'> {
  if (!defaultRegistry.has(msg.type)) return { raw: hexPreview(msg.front, 96) };
  try {
    return { decoded: plain(defaultRegistry.decode(msg, features)) };
  } catch (e) {
    return { decodeError: (e as Error).message, raw: hexPreview(msg.front, 96) };
  }
}

export function messageName(type: number): string {
  return defaultRegistry.name(type);
}

/** Count of failed checks over items. */
export function badChecks(items: readonly DecodedItem[]): number {
  let n = 0;
  for (const it of items) for (const c of it.checks) if (!c.ok) n++;
  return n;
}
