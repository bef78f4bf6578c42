/**
 * `ceph-msgr status`: the cluster status, like `ceph -s`. Runs the mon command
 * {"prefix":"status","format":"json"}; `-f json` / `-f json-pretty` print the mon's output as
 * `ceph -s -f json` does (same document, same field names), plain mode renders the `ceph -s`
 * layout from it.
 */
import { MsgrError } from '../../errors.ts';
import type { CliIO, Command } from '../command.ts';
import { MonCommandFailed, UsageError } from '../errors.ts';
import { renderStatus } from '../format/status.ts';
import { COMMON_USAGE, parseOrHelp } from '../options.ts';
import { opOptions, withMonClient } from '../session.ts';

const USAGE = `usage: ceph-msgr status [-c CONF] [-k KEYRING] [-n client.admin] [--ms-mode crc|secure] [-f plain|json|json-pretty]

Print the cluster status like 'ceph -s' (plain) or 'ceph -s -f json'.

${COMMON_USAGE}`;

function withNewline(s: string): string {
  return s.endsWith('\n') ? s : s + '\n';
}

export const statusCommand: Command = {
  name: 'status',
  summary: "show the cluster status (like 'ceph -s')",
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    const o = parseOrHelp(args, io, {}, USAGE);
    if (!o) return 0;
    if (o.positional.length) throw new UsageError(`status takes no arguments (got '${o.positional[0]}')`);
    const format = o.format ?? 'plain';
    const op = opOptions(o.config, io);
    return withMonClient(o.config, io, async (mc) => {
      const r = await mc.command({ prefix: 'status', format: format === 'json-pretty' ? 'json-pretty' : 'json' }, undefined, op);
      if (r.r < 0) throw new MonCommandFailed(r.r, r.rs);
      const text = r.data.toString('utf8');
      if (format !== 'plain') {
        io.out(withNewline(text));
        return 0;
      }
      let status: unknown;
      try {
        status = JSON.parse(text);
      } catch (e) {
        throw new MsgrError('ERR_MESSAGE_DECODE', `the mon's status output is not JSON: ${(e as Error).message}`, { origin: 'remote' });
      }
      let mgrActiveName: string | undefined;
      const mgrmap = (status as { mgrmap?: { available?: boolean } }).mgrmap;
      if (mgrmap?.available) {
        const m = await mc.command({ prefix: 'mgr stat', format: 'json' }, undefined, op);
        if (m.r === 0) mgrActiveName = (JSON.parse(m.data.toString('utf8')) as { active_name?: string }).active_name;
      }
      const monNames = mc.monmap?.ranks;
      io.out(renderStatus(status, { ...(monNames ? { monNames } : {}), ...(mgrActiveName ? { mgrActiveName } : {}) }));
      return 0;
    });
  },
};
