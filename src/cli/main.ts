/**
 * `ceph-msgr` command line: `ceph-msgr <command> [options] [args]`.
 *
 * Dispatches to the commands of ./commands/index.ts; `ceph-msgr --help` lists them,
 * `ceph-msgr <command> --help` shows one. Failures print ONE line on stderr and exit non-zero
 * (see ./errors.ts for the exit statuses). `runCli` is what bin/ceph-msgr calls; `main` is the
 * same without the process (tests call it in-process).
 */
import { COMMANDS } from './commands/index.ts';
import type { CliIO, Command } from './command.ts';
import { UsageError, errorLine, exitCodeFor } from './errors.ts';

export function findCommand(name: string): Command | undefined {
  return COMMANDS.find((c) => c.name === name);
}

export function mainUsage(): string {
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'usage: ceph-msgr <command> [options] [args]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(w)}  ${c.summary}`),
    '',
    "Run 'ceph-msgr <command> --help' for a command's options.",
    '',
  ].join('\n');
}

/** Run one command line; returns the exit status. */
export async function main(argv: readonly string[], io: CliIO): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined || name === '-h' || name === '--help' || name === 'help') {
    const topic = name === 'help' ? args[0] : undefined;
    const cmd = topic !== undefined ? findCommand(topic) : undefined;
    if (topic !== undefined && !cmd) {
      io.err(errorLine('', new UsageError(`unknown command '${topic}'`)) + '\n');
      return 2;
    }
    io.out(cmd ? cmd.usage + '\n' : mainUsage());
    return name === undefined ? 2 : 0;
  }
  const cmd = findCommand(name);
  if (!cmd) {
    io.err(errorLine('', new UsageError(`unknown command '${name}' (try 'ceph-msgr --help')`)) + '\n');
    return 2;
  }
  try {
    return await cmd.run(args, io);
  } catch (e) {
    io.err(errorLine(cmd.name, e) + '\n');
    return exitCodeFor(e);
  }
}

/** The process entry point: real stdout/stderr/env, SIGINT/SIGTERM abort the command. */
export async function runCli(argv: readonly string[] = process.argv.slice(2)): Promise<number> {
  const ac = new AbortController();
  const onSignal = (): void => ac.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    return await main(argv, {
      out: (t) => void process.stdout.write(t),
      err: (t) => void process.stderr.write(t),
      env: process.env,
      signal: ac.signal,
    });
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
