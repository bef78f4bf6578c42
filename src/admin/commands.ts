/**
 * Admin-socket commands in Ceph's form. A command is described by a Ceph "cmddesc" string — the
 * prefix words, then one `name=…,type=…[,req=false][,n=N]` item per argument, e.g.
 *
 *   config set name=var,type=CephString name=val,type=CephString,n=N
 *
 * — which is what `get_command_descriptions` sends to `ceph --admin-daemon` (as Ceph's
 * dump_cmd_to_json: the sig array holds the prefix words as strings and one object of string
 * values per argument) so that Ceph's CLI can parse and validate the arguments itself. The server
 * checks the JSON it gets back against the same descriptors (as Ceph's validate_cmd).
 */

export interface ArgDesc {
  name: string;
  type: string;
  /** every key=value of the item, as strings (name and type included) */
  raw: Record<string, string>;
  req: boolean;
  /** n=N: a list of values */
  many: boolean;
}

export interface CommandDesc {
  prefix: string;
  args: ArgDesc[];
  desc: string;
  help: string;
}

/** Parse a cmddesc string. */
export function parseCmdDesc(desc: string, help = ''): CommandDesc {
  const words: string[] = [];
  const args: ArgDesc[] = [];
  for (const w of desc.trim().split(/\s+/).filter(Boolean)) {
    if (!w.includes('=')) {
      words.push(w);
      continue;
    }
    const raw: Record<string, string> = {};
    for (const kv of w.split(',')) {
      const i = kv.indexOf('=');
      if (i < 0) raw[kv] = 'true';
      else raw[kv.slice(0, i)] = kv.slice(i + 1);
    }
    args.push({ name: raw.name ?? '', type: raw.type ?? 'CephString', raw, req: raw.req !== 'false', many: raw.n === 'N' || raw.n === 'n' });
  }
  return { prefix: words.join(' '), args, desc, help };
}

/** The `sig` array of get_command_descriptions (Ceph's dump_cmd_to_json). */
export function sigOf(c: CommandDesc): unknown[] {
  return [...c.prefix.split(' '), ...c.args.map((a) => ({ ...a.raw }))];
}

/** get_command_descriptions: {"cmd000": {"sig": [...], "help": "..."}, ...} in prefix order. */
export function commandDescriptions(cmds: readonly CommandDesc[]): Record<string, { sig: unknown[]; help: string }> {
  const out: Record<string, { sig: unknown[]; help: string }> = {};
  [...cmds]
    .sort((a, b) => (a.prefix < b.prefix ? -1 : a.prefix > b.prefix ? 1 : 0))
    .forEach((c, i) => (out[`cmd${String(i).padStart(3, '0')}`] = { sig: sigOf(c), help: c.help }));
  return out;
}

/**
 * Check a command map against a descriptor (Ceph's validate_cmd): required arguments present,
 * lists where n=N, CephInt / CephFloat values numeric, CephChoices among `strings`. Returns an
 * error message, or undefined when it fits.
 */
export function validateCmd(c: CommandDesc, cmd: Record<string, unknown>): string | undefined {
  for (const a of c.args) {
    const v = cmd[a.name];
    if (v === undefined) {
      if (a.req) return `missing required argument ${a.name}`;
      continue;
    }
    const vals = Array.isArray(v) ? v : [v];
    if (Array.isArray(v) && !a.many) return `argument ${a.name} takes one value`;
    for (const x of vals) {
      if (a.type === 'CephInt' && !Number.isInteger(typeof x === 'string' ? Number(x) : x)) return `argument ${a.name}: '${String(x)}' is not an integer`;
      if (a.type === 'CephFloat' && !Number.isFinite(typeof x === 'string' ? Number(x) : x)) return `argument ${a.name}: '${String(x)}' is not a number`;
      if (a.type === 'CephChoices' && !(a.raw.strings ?? '').split('|').includes(String(x))) return `argument ${a.name}: '${String(x)}' is not one of ${a.raw.strings}`;
    }
  }
  return undefined;
}

/** The first of `strs` as a string (CephString arguments may come as a string or a list). */
export function argString(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  return Array.isArray(v) ? v.map(String).join(' ') : String(v);
}
