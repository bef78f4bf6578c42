/**
 * Ceph-style option arguments (CEPH_ARGS and the command line), as ceph_argparse / md_config_t
 * parse_argv do:
 *  - any option of the table as `--ms-foo V`, `--ms_foo V`, `--ms-foo=V`, `--ms_foo=V`;
 *  - bool options: `--ms-foo` (true), `--no-ms-foo` (false) or `--ms-foo=false`;
 *    a bool option never takes the next argument;
 *  - the early options: `-c/--conf FILE`, `-n/--name TYPE.ID`, `-i/--id/--user ID` (= client.ID),
 *    `--cluster NAME`, and the short forms `-k KEYRING` (keyring), `-m MONHOST` (mon_host);
 *  - `--` ends option parsing (it is kept in `rest`, followed by the arguments after it).
 * Everything else (positional arguments, unknown `--flags`) is returned in `rest`, in order, for
 * the caller (a CLI command) to interpret or reject.
 */
import { MsgrError } from '../errors.ts';
import { findOption, normalizeOptionName } from './options.ts';

export type ArgOrigin = 'CEPH_ARGS' | 'command line';

export interface ArgSetting {
  /** normalised option name (`name` for -n/--id, `conf` for -c, …) */
  name: string;
  value: string;
  origin: ArgOrigin;
  /** the argument as written, for error messages */
  arg: string;
}

export interface ParsedArgs {
  settings: ArgSetting[];
  rest: string[];
}

const SHORT: Record<string, string> = { '-c': 'conf', '-n': 'name', '-i': 'id', '-k': 'keyring', '-m': 'mon_host' };
const LONG_ALIASES: Record<string, string> = { user: 'id', id: 'id' };

/** Split an environment string (CEPH_ARGS) into arguments: whitespace, with '…' / "…" quoting. */
export function splitArgString(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  let have = false;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < s.length) cur += s[++i];
      else cur += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      have = true;
    } else if (/\s/.test(c)) {
      if (have) out.push(cur);
      cur = '';
      have = false;
    } else if (c === '\\' && i + 1 < s.length) {
      cur += s[++i];
      have = true;
    } else {
      cur += c;
      have = true;
    }
  }
  if (quote) throw new MsgrError('ERR_CONFIG', `unterminated ${quote} quote in '${s}'`);
  if (have) out.push(cur);
  return out;
}

/** Parse option arguments; unknown ones and positional ones go to `rest`. */
export function parseCephArgs(argv: readonly string[], origin: ArgOrigin = 'command line'): ParsedArgs {
  const settings: ArgSetting[] = [];
  const rest: string[] = [];
  const needValue = (i: number, arg: string): string => {
    const v = argv[i + 1];
    if (v === undefined) throw new MsgrError('ERR_CONFIG', `option ${arg} needs a value (${origin})`);
    return v;
  };
  const push = (name: string, value: string, arg: string): void => {
    if (name === 'id') settings.push({ name: 'name', value: `client.${value}`, origin, arg });
    else settings.push({ name, value, origin, arg });
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--') {
      rest.push(...argv.slice(i)); // keep the '--' so callers know what follows is positional
      break;
    }
    const short = SHORT[arg];
    if (short) {
      push(short, needValue(i, arg), arg);
      i++;
      continue;
    }
    if (!arg.startsWith('--') || arg.length === 2) {
      rest.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const rawName = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
    const inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    const norm = normalizeOptionName(rawName);
    const alias = LONG_ALIASES[norm];
    if (alias) {
      const v = inline ?? needValue(i, arg);
      if (inline === undefined) i++;
      push(alias, v, arg);
      continue;
    }
    const found = findOption(norm);
    if (found) {
      if (found.def.type === 'bool') {
        push(found.name, inline ?? 'true', arg);
        continue;
      }
      const v = inline ?? needValue(i, arg);
      if (inline === undefined) i++;
      push(found.name, v, arg);
      continue;
    }
    if (norm.startsWith('no_') && inline === undefined) {
      const neg = findOption(norm.slice(3));
      if (neg && neg.def.type === 'bool') {
        push(neg.name, 'false', arg);
        continue;
      }
    }
    rest.push(arg);
  }
  return { settings, rest };
}
