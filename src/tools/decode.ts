/**
 * The annotated decoder behind `ceph-msgr decode`: inputs (pcap / pcapng captures, hex stream
 * files, hex dumps, tshark follow-raw output) → TCP streams (both directions) → every banner,
 * frame and record of every Ceph session in them, annotated (see annotate.ts), in capture order
 * when times are known.
 *
 * One-direction hex files named `…c2s…` and `…s2c…` that differ only there are paired into one
 * connection (so a secure session given as two stream files can be decrypted).
 */
import { Buffer } from 'node:buffer';
import type { Keyring } from '../core/auth/keyring.ts';
import { MsgrError } from '../errors.ts';
import { badChecks, type DecodedItem, type DecodeResult, type Dir, type StreamSummary } from './annotate.ts';
import { directionFromName, parseHexInput } from './hex-input.ts';
import { decodeV1Session } from './msgr1-session.ts';
import { decodeV2Session, type V2Context } from './msgr2-session.ts';
import { isCapture, tcpSegments } from './pcap.ts';
import { reassemble, timeAt, type Direction } from './tcp-streams.ts';

export interface DecodeInput {
  /** file name (directions and pairing are read from it) */
  name: string;
  data: Buffer;
}

export interface DecodeOptions {
  keyring?: Keyring;
  /** direction of a one-direction hex input whose name does not say */
  direction?: Dir;
}

interface Conn {
  label: string;
  client: string;
  server: string;
  c2s: Direction;
  s2c: Direction;
}

const V2 = Buffer.from('ceph v2\n');
const V1 = Buffer.from('ceph v027');
const empty = (): Direction => ({ bytes: Buffer.alloc(0), chunks: [] });
const oneChunk = (bytes: Buffer): Direction => ({ bytes, chunks: bytes.length ? [{ offset: 0, length: bytes.length, time: 0 }] : [] });

/** Which side wrote these bytes (for a one-direction input that does not say). */
export function guessDirection(b: Buffer): Dir {
  if (b.subarray(0, V1.length).equals(V1)) {
    // server: banner + its addr + our addr (legacy entity_addr_t: type, nonce, then BE family)
    const fam = b.length >= 155 ? b.readUInt16BE(153) : 0;
    return fam === 2 || fam === 10 ? 's2c' : 'c2s';
  }
  // msgr2: after the banner (26) and HELLO, a client sends AUTH_REQUEST (tag 2)
  if (b.length >= 26 + 32) {
    const helloLen = b.readUInt32LE(26 + 2);
    const next = 26 + 32 + helloLen + 4;
    if (b.length > next) return b[next] === 2 ? 'c2s' : 's2c';
  }
  return 'c2s';
}

function connections(inputs: readonly DecodeInput[], opts: DecodeOptions): Conn[] {
  const out: Conn[] = [];
  const oneWay: { name: string; dir: Dir; bytes: Buffer }[] = [];
  for (const inp of inputs) {
    if (isCapture(inp.data)) {
      for (const s of reassemble(tcpSegments(inp.data))) {
        if (!s.c2s.bytes.length && !s.s2c.bytes.length) continue;
        out.push({ label: `${inp.name}#${s.index}`, client: s.client, server: s.server, c2s: s.c2s, s2c: s.s2c });
      }
      continue;
    }
    const h = parseHexInput(inp.data.toString('utf8'), inp.name);
    if (h.kind === 'two-way') out.push({ label: inp.name, client: h.client ?? 'client', server: h.server ?? 'server', c2s: h.c2s, s2c: h.s2c });
    else oneWay.push({ name: inp.name, dir: h.dir ?? opts.direction ?? guessDirection(h.bytes), bytes: h.bytes });
  }
  const used = new Set<number>();
  oneWay.forEach((a, i) => {
    if (used.has(i)) return;
    used.add(i);
    const other = a.name.replace(/c2s|s2c/g, (m) => (m === 'c2s' ? 's2c' : 'c2s'));
    const j = directionFromName(a.name) ? oneWay.findIndex((b, k) => !used.has(k) && b.name === other && b.dir !== a.dir) : -1;
    const b = j >= 0 ? oneWay[j] : undefined;
    if (b) used.add(j);
    const c2s = a.dir === 'c2s' ? a.bytes : b?.bytes;
    const s2c = a.dir === 's2c' ? a.bytes : b?.bytes;
    out.push({
      label: b ? a.name.replace(/c2s|s2c/g, '{c2s,s2c}') : a.name,
      client: 'client',
      server: 'server',
      c2s: c2s ? oneChunk(c2s) : empty(),
      s2c: s2c ? oneChunk(s2c) : empty(),
    });
  });
  return out;
}

/** Decode every connection of the inputs. */
export function decode(inputs: readonly DecodeInput[], opts: DecodeOptions = {}): DecodeResult {
  const ctx: V2Context = { keyring: opts.keyring, sessionKeys: new Map() };
  const streams: StreamSummary[] = [];
  const items: DecodedItem[] = [];
  connections(inputs, opts).forEach((cn, index) => {
    const summary: StreamSummary = { index, client: cn.client, server: cn.server, protocol: 'unknown', frames: { c2s: 0, s2c: 0 }, badChecks: 0, notes: [`input ${cn.label}`] };
    const first = cn.c2s.bytes.length ? cn.c2s.bytes : cn.s2c.bytes;
    let its: DecodedItem[];
    if (first.subarray(0, V2.length).equals(V2)) its = decodeV2Session(index, cn.c2s.bytes, cn.s2c.bytes, ctx, summary);
    else if (first.subarray(0, V1.length).equals(V1) || first.subarray(0, first.length).equals(V1.subarray(0, first.length))) its = decodeV1Session(index, cn.c2s.bytes, cn.s2c.bytes, summary);
    else {
      summary.notes.push('not a Ceph session (no msgr banner)');
      its = [];
    }
    for (const d of ['c2s', 's2c'] as const) if (cn[d].gapAt !== undefined) summary.notes.push(`${d}: bytes missing from offset ${cn[d].gapAt} (capture loss)`);
    for (const it of its) {
      const t = timeAt(cn[it.dir], it.offset + Math.max(0, it.length - 1));
      if (t !== undefined) it.time = t;
      if (it.kind === 'frame' || it.kind === 'record') summary.frames[it.dir]++;
    }
    its = its.map((it, i) => ({ it, i })).sort((a, b) => (a.it.time ?? 0) - (b.it.time ?? 0) || a.i - b.i).map((x) => x.it);
    summary.badChecks = badChecks(its);
    streams.push(summary);
    items.push(...its);
  });
  if (!streams.length) throw new MsgrError('ERR_DECODE_INVALID', 'no TCP stream with data in the input');
  return { streams, items };
}
