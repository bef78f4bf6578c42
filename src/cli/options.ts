/**
 * Option handling shared by every subcommand, Ceph-style:
 *
 *   -c/--conf FILE   -k/--keyring FILE   -n/--name TYPE.ID   --id/--user ID   -m MONHOST
 *   --cluster NAME   any Ceph option as --ms-foo V / --ms_foo=V / --no-ms-foo   CEPH_ARGS, CEPH_CONF
 *   -f/--format plain|json|json-pretty   --ms-mode crc|secure|"secure crc" (= ms_mon_client_mode)
 *   --connect-timeout SECS (= client_mount_timeout)   -h/--help
 *
 * Commands may declare their own flags (`flags`): `{ '--in-file': true }` takes a value,
 * `{ '--force': false }` does not. Whatever is left must be positional, else it is a usage error.
 */
import { parseCephArgs, type ArgSetting } from '../config/args.ts';
import { CephConfig } from '../config/config.ts';
import { loadConfig } from '../config/load.ts';
import type { CliIO } from './command.ts';
import { UsageError } from './errors.ts';

export type OutputFormat = 'plain' | 'json' | 'json-pretty';

export interface CommonOptions {
  config: CephConfig;
  /** -f; undefined when not given */
  format: OutputFormat | undefined;
  help: boolean;
  positional: string[];
  /** values of the command's own flags (true for flags without a value) */
  flags: Map<string, string | true>;
  confPath: string | undefined;
}

export const COMMON_USAGE = `Common options:
  -c, --conf FILE          ceph.conf to read (default: $CEPH_CONF, /etc/ceph/$cluster.conf, …)
  -k, --keyring FILE       keyring holding our key
  -n, --name TYPE.ID       our entity name (default client.admin); --id/--user ID = client.ID
  -m MONHOST               mon addresses (mon_host)
  -f, --format FMT         plain (default), json or json-pretty
  --ms-mode MODES          connection modes to offer the mons: crc, secure or "secure crc"
  --connect-timeout SECS   give up connecting to the mons after SECS (client_mount_timeout)
  --OPTION VALUE           any Ceph option (e.g. --ms-msgr2-rev1=false, --debug-ms 5);
                           CEPH_ARGS holds more of them
  -h, --help               this help`;

const FORMATS: readonly string[] = ['plain', 'json', 'json-pretty'];

/** Parse the common options (and the command's own `flags`); loads the config. */
/**
 * parseCommon for a command's run(): undefined when `--help` was asked for (the usage is
 * printed, the command returns 0), else the parsed options.
 */
export function parseOrHelp(args: readonly string[], io: CliIO, flags: Readonly<Record<string, boolean>>, usage: string): CommonOptions | undefined {
  const o = parseCommon(args, io, flags);
  if (!o.help) return o;
  io.out(usage + '\n');
  return undefined;
}

export function parseCommon(args: readonly string[], io: CliIO, flags: Readonly<Record<string, boolean>> = {}): CommonOptions {
  const remaining: string[] = [];
  const overrides: ArgSetting[] = [];
  const own = new Map<string, string | true>();
  let format: OutputFormat | undefined;
  let help = false;
  const value = (i: number, arg: string): string => {
    const v = args[i + 1];
    if (v === undefined) throw new UsageError(`option ${arg} needs a value`);
    return v;
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      remaining.push(...args.slice(i));
      break;
    }
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const take = (): string => {
      if (inline !== undefined) return inline;
      const v = value(i, arg);
      i++;
      return v;
    };
    if (flag === '-h' || flag === '--help') help = true;
    else if (flag === '-f' || flag === '--format') {
      const f = take();
      if (!FORMATS.includes(f)) throw new UsageError(`bad format '${f}' (expected plain, json or json-pretty)`);
      format = f as OutputFormat;
    } else if (flag === '--ms-mode' || flag === '--ms_mode') {
      overrides.push({ name: 'ms_mon_client_mode', value: take(), origin: 'command line', arg });
    } else if (flag === '--connect-timeout' || flag === '--connect_timeout') {
      overrides.push({ name: 'client_mount_timeout', value: take(), origin: 'command line', arg });
    } else if (flag in flags) {
      own.set(flag, flags[flag] ? take() : true);
    } else remaining.push(arg);
  }
  if (help) return { config: new CephConfig(), format, help, positional: [], flags: own, confPath: undefined };
  // usage errors first (before a config file is even looked for)
  let dashdash = false;
  for (const a of parseCephArgs(remaining).rest) {
    if (a === '--') dashdash = true;
    if (!dashdash && a.startsWith('-') && a.length > 1 && !/^-\d/.test(a)) throw new UsageError(`unknown option ${a}`);
  }
  const loaded = loadConfig({ argv: remaining, env: io.env, overrides, ...(io.configIO ? { io: io.configIO } : {}) });
  const positional = loaded.rest.filter((a, i) => !(a === '--' && loaded.rest.indexOf('--') === i));
  return { config: loaded.config, format, help, positional, flags: own, confPath: loaded.confPath };
}
