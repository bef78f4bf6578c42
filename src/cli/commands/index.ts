/**
 * Every `ceph-msgr` subcommand, in the order `--help` lists them. A new command is a module in
 * this folder exporting a Command (see ../command.ts) plus one line here.
 */
import type { Command } from '../command.ts';
import { decodeCommand } from './decode.ts';
import { monCommandCommand } from './mon-command.ts';
import { perfClientCommand } from './perf-client.ts';
import { perfServerCommand } from './perf-server.ts';
import { serveCommand } from './serve.ts';
import { statusCommand } from './status.ts';
import { stressCommand } from './stress.ts';

export const COMMANDS: readonly Command[] = [
  statusCommand,
  monCommandCommand,
  decodeCommand,
  serveCommand,
  perfServerCommand,
  perfClientCommand,
  stressCommand,
];
