/**
 * `ceph-msgr mon-command '{"prefix":"mon dump","format":"json"}' [MORE_JSON…]`: send one mon
 * command (several arguments form Ceph's cmd vector) and print its output data verbatim. The
 * status text goes to stderr, as `ceph` prints it. r < 0 → `Error EXXX: <rs>` on stderr and exit
 * status -r. `-f FMT` adds "format" to a JSON object command that has none; `--in-file FILE`
 * sends FILE as the command's input.
 */
import { readFileSync } from 'node:fs';
import { MsgrError } from '../../errors.ts';
import type { CliIO, Command } from '../command.ts';
import { MonCommandFailed, UsageError } from '../errors.ts';
import { COMMON_USAGE, parseOrHelp } from '../options.ts';
import { opOptions, withMonClient } from '../session.ts';

const USAGE = `usage: ceph-msgr mon-command [-c CONF] [-k KEYRING] [-n NAME] [--in-file FILE] [-f FMT] JSON [JSON…]

Send a command to the mons and print its output, e.g.
  ceph-msgr mon-command -c ceph.conf '{"prefix":"mon dump","format":"json"}'

  --in-file FILE           send FILE as the command's input (data segment)

${COMMON_USAGE}`;

export const monCommandCommand: Command = {
  name: 'mon-command',
  summary: 'send a JSON command to the mons and print its output',
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    const o = parseOrHelp(args, io, { '--in-file': true }, USAGE);
    if (!o) return 0;
    if (!o.positional.length) throw new UsageError('mon-command needs a JSON command, e.g. \'{"prefix":"mon dump","format":"json"}\'');
    const cmds = o.positional.map((text) => {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new UsageError(`not a JSON command: ${text}`);
      }
      if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new UsageError(`a command must be a JSON object: ${text}`);
      if (o.format && !('format' in parsed)) return JSON.stringify({ ...parsed, format: o.format });
      return text;
    });
    const inFile = o.flags.get('--in-file');
    let input: Buffer | undefined;
    if (typeof inFile === 'string') {
      try {
        input = readFileSync(inFile);
      } catch (e) {
        throw new MsgrError('ERR_INVALID_ARG', `cannot read --in-file ${inFile}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    }
    return withMonClient(o.config, io, async (mc) => {
      const r = await mc.command(cmds, input, opOptions(o.config, io));
      if (r.r < 0) throw new MonCommandFailed(r.r, r.rs);
      if (r.data.length) io.out(r.data.toString('utf8').endsWith('\n') ? r.data.toString('utf8') : r.data.toString('utf8') + '\n');
      if (r.rs) io.err(r.rs + '\n');
      return 0;
    });
  },
};
