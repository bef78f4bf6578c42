/**
 * Hex inputs of the decoder, recognised by their shape:
 *
 *  - plain hex, any whitespace (the captures' `NAME.streamN.DIR.hex` files: 32 bytes a line, and
 *    `…segments.hex`: one TCP segment a line) — one direction;
 *  - `xxd` dumps (`00000010: 0a0d 0d0a …  ascii`) and `hexdump -C` / Ceph `hexdump` dumps
 *    (`00000010  63 65 70 68 …  |ceph…|`) — one direction;
 *  - tshark `-z follow,tcp,raw` output (`NAME.streamN.follow-raw.txt`): both directions, node 0's
 *    lines flush left, node 1's indented by a tab, in the order they were captured.
 *
 * The direction of a one-direction file comes from its name (`c2s`, `s2c`) when it says so.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../errors.ts';
import type { Direction } from './tcp-streams.ts';

export type HexInput =
  | { kind: 'one-way'; dir: 'c2s' | 's2c' | undefined; bytes: Buffer; format: 'plain' | 'xxd' | 'hexdump' }
  | { kind: 'two-way'; c2s: Direction; s2c: Direction; client?: string; server?: string; format: 'follow-raw' };

function bad(name: string, msg: string): MsgrError {
  return new MsgrError('ERR_DECODE_INVALID', `${name}: ${msg}`);
}

function hexBytes(name: string, s: string, line: number): Buffer {
  const h = s.replace(/\s+/g, '');
  if (h.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(h)) throw bad(name, `line ${line}: not hex`);
  return Buffer.from(h, 'hex');
}

/** The direction a file name announces (…c2s…, …s2c…), if any. */
export function directionFromName(name: string): 'c2s' | 's2c' | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1);
  if (/(^|[._-])c2s([._-]|$)/.test(base)) return 'c2s';
  if (/(^|[._-])s2c([._-]|$)/.test(base)) return 's2c';
  return undefined;
}

/** Parse a hex file (see the module comment for the formats). */
export function parseHexInput(text: string, name = 'input'): HexInput {
  const lines = text.split(/\r?\n/);
  if (lines.some((l) => /^Follow:\s*tcp,\s*raw/i.test(l))) return followRaw(lines, name);
  const dir = directionFromName(name);
  const body = lines.filter((l) => l.trim() !== '' && !l.startsWith('#'));
  if (body.length && body.every((l) => /^\s*[0-9a-fA-F]{4,16}:\s/.test(l))) {
    const parts = body.map((l, i) => {
      const rest = l.slice(l.indexOf(':') + 1).replace(/^ /, '');
      const cut = rest.indexOf('  ');
      return hexBytes(name, cut >= 0 ? rest.slice(0, cut) : rest, i + 1);
    });
    return { kind: 'one-way', dir, bytes: Buffer.concat(parts), format: 'xxd' };
  }
  if (body.length && body.every((l) => /^\s*[0-9a-fA-F]{4,16}(\s{1,2}[0-9a-fA-F]{2})+\s*(\|.*\|)?\s*$|^\s*[0-9a-fA-F]{4,16}\s*$|^\*$/.test(l))) {
    const parts: Buffer[] = [];
    body.forEach((l, i) => {
      if (l === '*') throw bad(name, `line ${i + 1}: '*' (repeated lines) is not supported; dump with -v`);
      const noAscii = l.replace(/\|.*\|\s*$/, '');
      const cols = noAscii.trim().split(/\s+/).slice(1);
      parts.push(hexBytes(name, cols.join(''), i + 1));
    });
    return { kind: 'one-way', dir, bytes: Buffer.concat(parts), format: 'hexdump' };
  }
  const parts = body.map((l, i) => hexBytes(name, l, i + 1));
  return { kind: 'one-way', dir, bytes: Buffer.concat(parts), format: 'plain' };
}

function followRaw(lines: string[], name: string): HexInput {
  const c2s: Buffer[] = [];
  const s2c: Buffer[] = [];
  const dirs: { c2s: Direction; s2c: Direction } = {
    c2s: { bytes: Buffer.alloc(0), chunks: [] },
    s2c: { bytes: Buffer.alloc(0), chunks: [] },
  };
  let client: string | undefined;
  let server: string | undefined;
  let seq = 0;
  const off = { c2s: 0, s2c: 0 };
  lines.forEach((l, i) => {
    const node = /^Node ([01]):\s*(\S+)/.exec(l);
    if (node) {
      if (node[1] === '0') client = node[2];
      else server = node[2];
      return;
    }
    if (!l.trim() || /^(=+|Follow:|Filter:)/.test(l)) return;
    const d = l.startsWith('\t') || l.startsWith(' ') ? 's2c' : 'c2s';
    const b = hexBytes(name, l, i + 1);
    (d === 'c2s' ? c2s : s2c).push(b);
    dirs[d].chunks.push({ offset: off[d], length: b.length, time: seq++ });
    off[d] += b.length;
  });
  dirs.c2s.bytes = Buffer.concat(c2s);
  dirs.s2c.bytes = Buffer.concat(s2c);
  return { kind: 'two-way', ...dirs, ...(client ? { client } : {}), ...(server ? { server } : {}), format: 'follow-raw' };
}
