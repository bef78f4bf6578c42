/**
 * CephConfig: the values of every option of the table (options.ts) for one entity, resolved in
 * Ceph's precedence — defaults < ceph.conf [global] < [type] < [type.id] < CEPH_ARGS < command
 * line < runtime `set()` — with metavariables ($cluster, $name, $type, $id, $host, $pid, $home,
 * and any option name, e.g. $run_dir; `${x}` also works) expanded when a value is read.
 *
 * Every value is checked against its type when the config is built; a bad one is an ERR_CONFIG
 * MsgrError naming the option and where the value came from (file:line, CEPH_ARGS, command line).
 * `get`, `set`, `source` and `show` are the primitives for a later `config get/set/show`.
 */
import { MsgrError } from '../errors.ts';
import { entityTypeName, parseEntityName, type EntityName } from '../encoding/types/entity-name.ts';
import type { MsgrConfig } from '../core/config.ts';
import type { ArgSetting } from './args.ts';
import { sectionsFor, type ConfFile } from './conf-file.ts';
import { coreOptionNames, findOption, optionNames, OPTIONS, type OptionName, type OptionValue, type ValueOf } from './options.ts';
import { formatOptionValue, parseOptionValue } from './values.ts';

export type ConfigSource = 'default' | 'file' | 'CEPH_ARGS' | 'command line' | 'override';

interface RawSetting {
  raw: string;
  source: ConfigSource;
  /** e.g. "/etc/ceph/ceph.conf:12 [client]", "CEPH_ARGS (--ms-foo)" */
  where: string;
}

export interface ConfigInit {
  /** entity name, e.g. 'client.admin' (default) */
  name?: string;
  cluster?: string;
  /** the config file, if one was read */
  file?: ConfFile;
  /** CEPH_ARGS settings first, then command-line settings (later ones win) */
  args?: readonly ArgSetting[];
  /** values for $host, $pid, $home */
  host?: string;
  pid?: number;
  home?: string;
}

export interface ShowEntry {
  name: OptionName;
  value: OptionValue;
  default: OptionValue;
  source: ConfigSource;
  where: string;
}

const META_RE = /\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/g;

export class CephConfig {
  readonly entity: EntityName;
  /** 'client.admin' */
  readonly entityName: string;
  readonly cluster: string;
  readonly file: ConfFile | undefined;
  private readonly raw = new Map<OptionName, RawSetting>();
  private readonly cache = new Map<OptionName, OptionValue>();
  private readonly meta: Record<string, string>;

  constructor(init: ConfigInit = {}) {
    const args = init.args ?? [];
    const lastArg = (n: string): string | undefined => [...args].reverse().find((a) => a.name === n)?.value;
    this.entityName = (lastArg('name') ?? init.name ?? OPTIONS.name.default).trim();
    try {
      this.entity = parseEntityName(this.entityName);
    } catch (e) {
      throw new MsgrError('ERR_CONFIG', `bad entity name '${this.entityName}' (expected TYPE.ID, e.g. client.admin)`, { cause: e });
    }
    this.cluster = (lastArg('cluster') ?? init.cluster ?? OPTIONS.cluster.default).trim();
    this.file = init.file;
    const type = entityTypeName(this.entity.type);
    this.meta = {
      cluster: this.cluster,
      name: this.entityName,
      type,
      id: this.entity.id,
      num: this.entity.id,
      host: init.host ?? '',
      pid: String(init.pid ?? 0),
      cctid: '0',
      home: init.home ?? '',
    };
    this.raw.set('name', { raw: this.entityName, source: 'default', where: 'default' });
    this.raw.set('cluster', { raw: this.cluster, source: 'default', where: 'default' });
    if (init.file) {
      // least specific first, so more specific sections overwrite
      for (const sec of sectionsFor(type, this.entityName).reverse()) {
        const entries = init.file.sections.get(sec);
        if (!entries) continue;
        for (const [key, e] of entries) {
          const found = findOption(key);
          if (!found || found.def.early) continue; // Ceph ignores unknown keys in files
          this.raw.set(found.name, { raw: e.value, source: 'file', where: `${init.file.source}:${e.line} [${sec}]` });
        }
      }
    }
    for (const a of args) {
      const found = findOption(a.name);
      if (!found) throw new MsgrError('ERR_CONFIG', `unknown option ${a.arg} (${a.origin})`);
      this.raw.set(found.name, { raw: a.value, source: a.origin, where: `${a.origin} (${a.arg})` });
    }
    if (init.host !== undefined && !this.raw.has('host')) this.raw.set('host', { raw: init.host, source: 'default', where: 'hostname' });
    for (const n of this.raw.keys()) this.get(n); // validate everything that was set
  }

  /** The typed value of an option. */
  get<N extends OptionName>(name: N): ValueOf<N> {
    const hit = this.cache.get(name);
    if (hit !== undefined) return hit as ValueOf<N>;
    const def = OPTIONS[name];
    if (!def) throw new MsgrError('ERR_CONFIG', `unknown option ${String(name)}`);
    const r = this.raw.get(name);
    let v: OptionValue;
    if (r !== undefined) v = parseOptionValue(name, def, this.expand(r.raw, new Set([name])), r.where);
    else if (typeof def.default === 'string' && def.default.includes('$')) v = this.expand(def.default, new Set([name])); // e.g. keyring
    else v = def.default;
    this.cache.set(name, v);
    return v as ValueOf<N>;
  }

  /** Like get(), by a name given at runtime (normalised: dashes/spaces become underscores). */
  getByName(name: string): OptionValue {
    const found = findOption(name);
    if (!found) throw new MsgrError('ERR_CONFIG', `unknown option ${name}`);
    return this.get(found.name);
  }

  /** Where the value of an option comes from. */
  source(name: OptionName): { source: ConfigSource; where: string } {
    const r = this.raw.get(name);
    return r ? { source: r.source, where: r.where } : { source: 'default', where: 'default' };
  }

  /** Set an option at runtime (highest precedence). Throws ERR_CONFIG for unknown/bad values. */
  set(name: string, value: OptionValue, source: ConfigSource = 'override'): void {
    const found = findOption(name);
    if (!found) throw new MsgrError('ERR_CONFIG', `unknown option ${name}`);
    if (found.def.early) throw new MsgrError('ERR_CONFIG', `option ${found.name} cannot be changed after startup`);
    const raw = formatOptionValue(value);
    parseOptionValue(found.name, found.def, this.expand(raw, new Set([found.name])), source);
    this.raw.set(found.name, { raw, source, where: source });
    this.cache.clear(); // other values may expand $this_option
  }

  /** Every option with its value and where it came from (Ceph's `config show`). */
  show(): ShowEntry[] {
    return optionNames().map((name) => ({
      name,
      value: this.get(name),
      default: OPTIONS[name].default,
      ...this.source(name),
    }));
  }

  /** Only the options not at their default source (Ceph's `config diff`). */
  diff(): ShowEntry[] {
    return this.show().filter((e) => e.source !== 'default');
  }

  /** Expand $metavariables in a string (unknown names are left as they are). */
  expand(s: string, seen: Set<string> = new Set()): string {
    if (!s.includes('$')) return s;
    return s.replace(META_RE, (whole, braced: string | undefined, bare: string | undefined) => {
      const v = (braced ?? bare)!;
      const m = this.meta[v];
      if (m !== undefined) return m;
      const found = findOption(v);
      if (!found || found.name === 'name' || found.name === 'cluster') return whole;
      if (seen.has(found.name)) throw new MsgrError('ERR_CONFIG', `metavariable loop: $${v} refers to itself (via ${[...seen].join(' → ')})`);
      const r = this.raw.get(found.name);
      const raw = r ? r.raw : formatOptionValue(found.def.default);
      return this.expand(raw, new Set([...seen, found.name]));
    });
  }
}

/** The messenger core's options, from a config. */
export function toMsgrConfig(cfg: CephConfig): Partial<MsgrConfig> {
  const out: Record<string, OptionValue> = {};
  for (const n of coreOptionNames()) out[n] = cfg.get(n);
  return out as Partial<MsgrConfig>;
}

/** debug_ms "LEVEL" or "LEVEL/GATHER" → LEVEL (ERR_CONFIG when malformed). */
export function debugLevel(value: string, option = 'debug_ms'): number {
  const m = /^\s*(\d+)(?:\s*\/\s*(\d+))?\s*$/.exec(value);
  if (!m) throw new MsgrError('ERR_CONFIG', `bad value for option ${option}: '${value}': expected LEVEL or LEVEL/GATHER`);
  const n = Number(m[1]);
  if (n > 30) throw new MsgrError('ERR_CONFIG', `bad value for option ${option}: '${value}': level must be <= 30`);
  return n;
}
