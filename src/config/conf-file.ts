/**
 * ceph.conf parsing (Ceph's ConfFile): INI sections `[global]`, `[client]`, `[client.admin]`,
 * `[mon]`, `[mon.a]`…; `key = value` lines where spaces, dashes and underscores in keys are
 * equivalent (`mon host` = `mon-host` = `mon_host`); comments start with `#` or `;` (whole line or
 * after a value); values may be quoted ("…" or '…', with \" / \' escapes) to keep comment
 * characters and surrounding spaces; a backslash escapes the next character in unquoted values;
 * a backslash at the end of a line continues the value on the next line. Keys before the first
 * section belong to [global]. A later duplicate key in a section wins.
 *
 * Metavariables ($cluster, $name, …) are left as they are here; the loader expands them.
 * Malformed input is an ERR_CONFIG MsgrError naming the file and line.
 */
import { MsgrError } from '../errors.ts';
import { normalizeOptionName } from './options.ts';

export interface ConfEntry {
  value: string;
  /** 1-based line of the key */
  line: number;
}

export interface ConfFile {
  /** where the text came from (a path, or a label) */
  source: string;
  /** section name → normalised key → entry; sections in file order */
  sections: Map<string, Map<string, ConfEntry>>;
}

function err(source: string, line: number, why: string): MsgrError {
  return new MsgrError('ERR_CONFIG', `${source}:${line}: ${why}`);
}

/** Join continuation lines; returns [text, first line number] pairs. */
function logicalLines(text: string): [string, number][] {
  const raw = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const out: [string, number][] = [];
  let acc = '';
  let start = 0;
  for (let i = 0; i < raw.length; i++) {
    const line = raw[i]!;
    if (acc === '') start = i + 1;
    // an odd number of trailing backslashes = continuation (an escaped backslash does not count)
    const m = /(\\+)$/.exec(line);
    if (m && m[1]!.length % 2 === 1) {
      acc += line.slice(0, -1);
      if (i === raw.length - 1) out.push([acc, start]);
      continue;
    }
    out.push([acc + line, start]);
    acc = '';
  }
  return out;
}

/** Parse the value part of `key = value` (after the '='). */
function parseValue(s: string, source: string, line: number): string {
  let i = 0;
  while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
  const q = s[i];
  if (q === '"' || q === "'") {
    let out = '';
    let j = i + 1;
    for (; j < s.length; j++) {
      const c = s[j]!;
      if (c === '\\' && j + 1 < s.length && (s[j + 1] === q || s[j + 1] === '\\')) {
        out += s[++j];
        continue;
      }
      if (c === q) break;
      out += c;
    }
    if (j >= s.length) throw err(source, line, `unterminated quoted value`);
    const after = s.slice(j + 1).trim();
    if (after !== '' && !/^[#;]/.test(after)) throw err(source, line, `unexpected text after the quoted value: '${after}'`);
    return out;
  }
  let out = '';
  for (let j = i; j < s.length; j++) {
    const c = s[j]!;
    if (c === '\\' && j + 1 < s.length) {
      out += s[++j];
      continue;
    }
    if (c === '#' || c === ';') break;
    out += c;
  }
  return out.trim();
}

/** Parse ceph.conf text. */
export function parseConfFile(text: string, source = 'ceph.conf'): ConfFile {
  const sections = new Map<string, Map<string, ConfEntry>>();
  const section = (name: string): Map<string, ConfEntry> => {
    let s = sections.get(name);
    if (!s) {
      s = new Map();
      sections.set(name, s);
    }
    return s;
  };
  let current = 'global';
  for (const [line, no] of logicalLines(text)) {
    const t = line.trim();
    if (t === '' || t.startsWith('#') || t.startsWith(';')) continue;
    if (t.startsWith('[')) {
      const m = /^\[([^\]]*)\]\s*(?:[#;].*)?$/.exec(t);
      if (!m) throw err(source, no, `malformed section header: ${t}`);
      const name = m[1]!.trim();
      if (name === '') throw err(source, no, 'empty section name');
      current = name;
      section(current);
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw err(source, no, `expected 'key = value' or '[section]': ${t}`);
    const key = normalizeOptionName(line.slice(0, eq));
    if (key === '' || !/^[A-Za-z0-9_.]+$/.test(key)) throw err(source, no, `bad key '${line.slice(0, eq).trim()}'`);
    section(current).set(key, { value: parseValue(line.slice(eq + 1), source, no), line: no });
  }
  return { source, sections };
}

/**
 * The sections an entity reads, most specific first: `client.admin` → [client.admin, client,
 * global]. (Ceph's get_my_sections.)
 */
export function sectionsFor(entityType: string, entityName: string): string[] {
  const out = [entityName, entityType, 'global'];
  return out.filter((s, i) => out.indexOf(s) === i);
}

/** Look a key up in the given sections (most specific first). */
export function confLookup(conf: ConfFile, sections: readonly string[], key: string): { value: string; section: string; line: number } | undefined {
  const k = normalizeOptionName(key);
  for (const s of sections) {
    const e = conf.sections.get(s)?.get(k);
    if (e) return { value: e.value, section: s, line: e.line };
  }
  return undefined;
}
