/**
 * Building a CephConfig the way a Ceph client does at startup:
 *
 *  1. CEPH_ARGS (split like a shell would) and then the command line are parsed for options;
 *  2. the early options pick the entity (`-n`, `--id`), the cluster and the config file;
 *  3. the config file is the first existing file of `-c/--conf`, else of $CEPH_CONF, else of the
 *     default search list (/etc/ceph/$cluster.conf, ~/.ceph/$cluster.conf, ./$cluster.conf);
 *     a file named explicitly (-c or CEPH_CONF) must exist, the default list may find none;
 *  4. values resolve as defaults < file [global] < [type] < [type.id] < CEPH_ARGS < command line.
 *
 * File access goes through `ConfigIO` so tests (and the purity of callers) can replace it.
 */
import { readFileSync } from 'node:fs';
import { homedir, hostname } from 'node:os';
import { MsgrError } from '../errors.ts';
import { parseCephArgs, splitArgString, type ArgSetting } from './args.ts';
import { parseConfFile, type ConfFile } from './conf-file.ts';
import { CephConfig } from './config.ts';

export interface ConfigIO {
  /** file text, or undefined when the file does not exist (other errors throw) */
  readFile(path: string): string | undefined;
  hostname(): string;
  home(): string;
  pid(): number;
}

/** Real files, os.hostname() (short form), $HOME. */
export const nodeConfigIO: ConfigIO = {
  readFile(path) {
    try {
      return readFileSync(path, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new MsgrError('ERR_CONFIG', `cannot read ${path}: ${code ?? (e as Error).message}`, { cause: e });
    }
  },
  hostname: () => hostname().split('.')[0] ?? '',
  home: () => process.env.HOME ?? homedir(),
  pid: () => process.pid,
};

export const DEFAULT_CONF_SEARCH = '/etc/ceph/$cluster.conf,$home/.ceph/$cluster.conf,$cluster.conf';

export interface LoadOptions {
  /** command-line arguments (after the command name); options are taken out, the rest returned */
  argv?: readonly string[];
  /** environment (CEPH_ARGS, CEPH_CONF); default: none */
  env?: Readonly<Record<string, string | undefined>>;
  io?: ConfigIO;
  /** extra settings with command-line precedence, applied after argv (e.g. a CLI's --ms-mode) */
  overrides?: readonly ArgSetting[];
  /** the entity when neither -n nor --id is given (default client.admin) */
  defaultName?: string;
  /** do not read any config file */
  noConfFile?: boolean;
}

export interface LoadResult {
  config: CephConfig;
  /** arguments that are not Ceph options: positional ones and unknown flags, in order */
  rest: string[];
  /** the config file read, if any */
  confPath: string | undefined;
  /** files tried (for "no config file found" messages) */
  tried: string[];
}

function lastValue(settings: readonly ArgSetting[], name: string): string | undefined {
  for (let i = settings.length - 1; i >= 0; i--) if (settings[i]!.name === name) return settings[i]!.value;
  return undefined;
}

export function loadConfig(opts: LoadOptions = {}): LoadResult {
  const io = opts.io ?? nodeConfigIO;
  const env = opts.env ?? {};
  const envArgs = env.CEPH_ARGS ? parseCephArgs(splitArgString(env.CEPH_ARGS), 'CEPH_ARGS') : { settings: [], rest: [] };
  if (envArgs.rest.length) throw new MsgrError('ERR_CONFIG', `CEPH_ARGS: unknown argument '${envArgs.rest[0]}'`);
  const cmd = parseCephArgs(opts.argv ?? [], 'command line');
  const settings = [...envArgs.settings, ...cmd.settings, ...(opts.overrides ?? [])];

  const name = lastValue(settings, 'name') ?? opts.defaultName ?? 'client.admin';
  const cluster = lastValue(settings, 'cluster') ?? 'ceph';
  const host = io.hostname();
  const home = io.home();
  const pid = io.pid();
  // a config built without a file only to expand $cluster/$home in the search list
  const pre = new CephConfig({ name, cluster, host, home, pid });

  let file: ConfFile | undefined;
  let confPath: string | undefined;
  const tried: string[] = [];
  if (!opts.noConfFile) {
    const explicit = lastValue(settings, 'conf') ?? env.CEPH_CONF;
    const list = (explicit ?? DEFAULT_CONF_SEARCH)
      .split(/[,;\s]+/)
      .filter(Boolean)
      .map((p) => pre.expand(p));
    for (const p of list) {
      tried.push(p);
      const text = io.readFile(p);
      if (text === undefined) continue;
      file = parseConfFile(text, p);
      confPath = p;
      break;
    }
    if (!file && explicit !== undefined) {
      throw new MsgrError('ERR_CONFIG', `cannot open config file ${list.join(', ') || "''"}: no such file`);
    }
  }
  const config = new CephConfig({ name, cluster, host, home, pid, args: settings, ...(file ? { file } : {}) });
  return { config, rest: cmd.rest, confPath, tried };
}
