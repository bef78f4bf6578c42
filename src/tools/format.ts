/**
 * Text rendering of a DecodeResult: one header line per TCP stream (endpoints, protocol, mode,
 * auth), then one line per banner / frame / record — direction, offset, name, on-wire size,
 * segment lengths, every check (ok / BAD) — followed by indented lines with the decoded fields and,
 * for messages, the header and the typed payload.
 */
import type { CrcCheck, DecodedItem, DecodeResult, StreamSummary } from './annotate.ts';

const MAX_BODY = 1500;

function hex32(n: number | undefined): string {
  return n === undefined ? '?' : `0x${n.toString(16).padStart(8, '0')}`;
}

function check(c: CrcCheck): string {
  if (c.ok) return `${c.what} ok`;
  return c.expected !== undefined ? `${c.what} BAD (sent ${hex32(c.expected)}, computed ${hex32(c.computed)})` : `${c.what} BAD`;
}

function value(v: unknown): string {
  if (typeof v === 'string') return /[\s"=]/.test(v) || v === '' ? JSON.stringify(v) : v;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s;
}

function clip(s: string): string {
  return s.length > MAX_BODY ? `${s.slice(0, MAX_BODY)}…(${s.length} chars)` : s;
}

export function formatStreamHeader(s: StreamSummary): string {
  const parts = [`stream ${s.index}  ${s.client} -> ${s.server}  ${s.protocol}`];
  if (s.mode) parts.push(`${s.mode} mode`);
  if (s.auth) parts.push(`auth: ${s.auth}`);
  if (s.decrypted) parts.push('decrypted');
  return parts.join(', ');
}

export function formatItem(it: DecodedItem): string[] {
  const where = `${it.dir} @${String(it.offset).padEnd(6)}`;
  let head = `  ${where} ${it.name.padEnd(20)} ${String(it.length).padStart(6)} B`;
  if (it.segments) head += `  segs [${it.segments.join(',')}]`;
  if (it.checks.length) head += `  ${it.checks.map(check).join(', ')}`;
  if (it.decrypted) head += '  (decrypted)';
  const out = [head];
  const pad = '      ';
  if (it.error) out.push(`${pad}!! ${it.error}`);
  if (it.fields && Object.keys(it.fields).length) out.push(pad + clip(Object.entries(it.fields).map(([k, v]) => `${k}=${value(v)}`).join(' ')));
  const m = it.message;
  if (m) {
    out.push(
      `${pad}${m.name}(${m.type}) seq=${m.seq} tid=${m.tid} prio=${m.priority} v${m.version}/${m.compatVersion}` +
        `${m.ackSeq !== undefined ? ` ack_seq=${m.ackSeq}` : ''} flags=0x${m.flags.toString(16)}${m.src ? ` src=${m.src}` : ''}` +
        ` front=${m.frontLen} middle=${m.middleLen} data=${m.dataLen}`,
    );
    if (m.decoded !== undefined) out.push(pad + clip(JSON.stringify(m.decoded)));
    if (m.decodeError) out.push(`${pad}!! does not decode: ${m.decodeError}`);
    if (m.raw !== undefined) out.push(`${pad}front (raw): ${m.raw}`);
  }
  return out;
}

/** The whole result as text (ends with a newline). */
export function formatDecodeResult(r: DecodeResult): string {
  const lines: string[] = [];
  for (const s of r.streams) {
    lines.push(formatStreamHeader(s));
    for (const n of s.notes) lines.push(`  # ${n}`);
    for (const it of r.items) if (it.stream === s.index) lines.push(...formatItem(it));
    lines.push(`  = ${s.frames.c2s} frames c2s, ${s.frames.s2c} frames s2c, ${s.badChecks ? `${s.badChecks} BAD checks` : 'all checks ok'}`, '');
  }
  const frames = r.streams.reduce((n, s) => n + s.frames.c2s + s.frames.s2c, 0);
  const bad = r.streams.reduce((n, s) => n + s.badChecks, 0);
  lines.push(`${r.streams.length} stream(s), ${frames} frames/records, ${bad ? `${bad} BAD checks` : 'no BAD checks'}`);
  return lines.join('\n') + '\n';
}
