/**
 * Parsing option values the way Ceph's Option::parse_value does, per type:
 *  - bool: `true`/`false` (any case) or an integer (non-zero = true);
 *  - int/uint: an integer, optionally with an SI suffix (K, M, G, T, P, E = powers of 1000);
 *  - float: a decimal number;
 *  - size: bytes with an optional IEC suffix (B, K/Ki/KiB = 1024, M/Mi/MiB, G, T, P, E);
 *  - secs: a timespan, `30`, `30s`, `5m`, `2h`, `1d`, `1w`, `1 min 30 s` (summed);
 *  - millisecs: an integer number of ms;
 *  - addr / addrvec: a Ceph address / address vector (`v2:1.2.3.4:3300/0`, `[v2:…,v1:…]`);
 *  - uuid: 8-4-4-4-12 hex (or empty).
 * A bad value is an ERR_CONFIG MsgrError naming the option (and where the value came from).
 */
import { MsgrError, isMsgrError } from '../errors.ts';
import { AddrType, parseAddr, parseAddrVec } from '../encoding/types/entity-addr.ts';
import type { OptionDef, OptionValue } from './options.ts';

function bad(name: string, raw: string, why: string, where?: string): MsgrError {
  return new MsgrError('ERR_CONFIG', `bad value for option ${name}${where ? ` (${where})` : ''}: '${raw}': ${why}`);
}

const SI: Record<string, number> = { '': 1, K: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };
const IEC: Record<string, number> = { '': 1, B: 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40, P: 2 ** 50, E: 2 ** 60 };

const TIME_UNITS: [RegExp, number][] = [
  [/^(s|sec|secs|second|seconds)$/, 1],
  [/^(m|min|mins|minute|minutes)$/, 60],
  [/^(h|hr|hrs|hour|hours)$/, 3600],
  [/^(d|day|days)$/, 86400],
  [/^(w|wk|wks|week|weeks)$/, 7 * 86400],
  [/^(mo|month|months)$/, 30 * 86400],
  [/^(y|yr|yrs|year|years)$/, 365 * 86400],
];

export function parseBool(raw: string): boolean | undefined {
  const s = raw.trim();
  if (/^false$/i.test(s)) return false;
  if (/^true$/i.test(s)) return true;
  if (/^[+-]?\d+$/.test(s)) return Number(s) !== 0;
  return undefined;
}

function parseInteger(raw: string): number | undefined {
  const m = /^([+-]?\d+)([KMGTPE]?)$/.exec(raw.trim());
  if (!m) return undefined;
  const v = Number(m[1]) * SI[m[2]!]!;
  return Number.isSafeInteger(v) ? v : undefined;
}

function parseSize(raw: string): number | undefined {
  const m = /^(\d+)(?:([BKMGTPE])(i?B?)?)?$/.exec(raw.trim());
  if (!m) return undefined;
  const unit = m[2] ?? '';
  if (unit === 'B' && m[3]) return undefined;
  const v = Number(m[1]) * IEC[unit]!;
  return Number.isSafeInteger(v) ? v : undefined;
}

/** A Ceph timespan in seconds (fractions allowed for a bare number). */
export function parseTimespan(raw: string): number | undefined {
  const s = raw.trim();
  if (/^\d+(\.\d+)?$/.test(s)) return Number(s);
  let total = 0;
  let rest = s;
  let any = false;
  while (rest.length) {
    const m = /^(\d+)\s*([a-z]+)\s*/i.exec(rest);
    if (!m) return undefined;
    const unit = TIME_UNITS.find(([re]) => re.test(m[2]!));
    if (!unit) return undefined;
    total += Number(m[1]) * unit[1];
    rest = rest.slice(m[0].length);
    any = true;
  }
  return any ? total : undefined;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Parse `raw` for option `name` of definition `def`. `where` (e.g. "ceph.conf:12") goes into the
 * error message.
 */
export function parseOptionValue(name: string, def: OptionDef, raw: string, where?: string): OptionValue {
  const s = raw.trim();
  let v: OptionValue | undefined;
  switch (def.type) {
    case 'str':
      v = s;
      if (def.words) {
        const words = s.split(/[\s,;]+/).filter(Boolean);
        const badWord = words.find((w) => !def.words!.includes(w));
        if (badWord !== undefined) throw bad(name, raw, `'${badWord}' is not one of ${def.words.join(', ')}`, where);
        if (!words.length) throw bad(name, raw, `needs at least one of ${def.words.join(', ')}`, where);
      }
      if (def.pattern && !def.pattern.test(s)) throw bad(name, raw, `expected ${def.patternDesc ?? def.pattern.source}`, where);
      if (def.enum && !def.enum.includes(s)) throw bad(name, raw, `expected one of ${def.enum.join(', ')}`, where);
      return s;
    case 'bool':
      v = parseBool(s);
      if (v === undefined) throw bad(name, raw, 'expected true, false or an integer', where);
      return v;
    case 'int':
    case 'uint':
      v = parseInteger(s);
      if (v === undefined) throw bad(name, raw, 'expected an integer', where);
      if (def.type === 'uint' && v < 0) throw bad(name, raw, 'must not be negative', where);
      break;
    case 'float':
      v = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s) ? Number(s) : undefined;
      if (v === undefined || !Number.isFinite(v)) throw bad(name, raw, 'expected a number', where);
      break;
    case 'size':
      v = parseSize(s);
      if (v === undefined) throw bad(name, raw, 'expected a byte count (e.g. 4096, 100M, 1Gi)', where);
      break;
    case 'secs':
      v = parseTimespan(s);
      if (v === undefined) throw bad(name, raw, 'expected a duration (e.g. 30, 30s, 5m, 1h)', where);
      break;
    case 'millisecs':
      v = /^\d+$/.test(s) ? Number(s) : undefined;
      if (v === undefined) throw bad(name, raw, 'expected a number of milliseconds', where);
      break;
    case 'uuid':
      if (s !== '' && !UUID_RE.test(s)) throw bad(name, raw, 'expected a uuid', where);
      return s.toLowerCase();
    case 'addr':
    case 'addrvec':
      if (s !== '') {
        try {
          if (def.type === 'addr') parseAddr(s, AddrType.ANY);
          else parseAddrVec(s, AddrType.ANY);
        } catch (e) {
          if (!isMsgrError(e)) throw e;
          throw bad(name, raw, e.message, where);
        }
      }
      return s;
  }
  if (def.min !== undefined && v < def.min) throw bad(name, raw, `must be >= ${def.min}`, where);
  if (def.max !== undefined && v > def.max) throw bad(name, raw, `must be <= ${def.max}`, where);
  return v;
}

/** Render a value the way `config show` prints it. */
export function formatOptionValue(v: OptionValue): string {
  return typeof v === 'string' ? v : String(v);
}
