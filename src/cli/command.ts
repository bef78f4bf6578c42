/**
 * The contract of a `ceph-msgr` subcommand. Each command is a module under src/cli/commands/
 * exporting one `Command`; src/cli/commands/index.ts lists them (add a line there for a new one).
 *
 * `run` gets the arguments after the command name and an IO object (never process.* directly, so
 * commands run in-process in tests) and returns the exit status. Failures should be thrown as
 * MsgrError: main turns them into ONE line on stderr and an errno-style exit status (see
 * exitCodeFor in errors.ts of this folder).
 */
import type { ConfigIO } from '../config/load.ts';

export interface CliIO {
  /** write to stdout (the text carries its own newlines) */
  out(text: string): void;
  /** write to stderr */
  err(text: string): void;
  /** the environment (CEPH_ARGS, CEPH_CONF, HOME) */
  env: Readonly<Record<string, string | undefined>>;
  /** file access for config and keyrings (default: real files) */
  configIO?: ConfigIO;
  /** aborted on SIGINT/SIGTERM */
  signal?: AbortSignal;
}

export interface Command {
  /** the subcommand, e.g. 'status' */
  readonly name: string;
  /** one line for `ceph-msgr --help` */
  readonly summary: string;
  /** the full usage text for `ceph-msgr <name> --help` */
  readonly usage: string;
  run(args: string[], io: CliIO): Promise<number>;
}
