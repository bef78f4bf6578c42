/**
 * Logging in Ceph's style: `debug_ms` levels (1 connection events, 5 frames, 10 state
 * transitions, 20 bytes), each line prefixed by the connection (addresses, state, pgs, cs, l).
 * The core writes through a LogSink; when the level is below a line's level nothing is built.
 */
import type { Conn } from './conn.ts';
import type { CoreContext } from './context.ts';

export interface LogSink {
  /** current debug_ms level (0..20); lines above it are not built */
  level: number;
  write(level: number, line: string): void;
}

export const NULL_LOG: LogSink = { level: -1, write() {} };

/** A sink collecting lines in memory (tests). */
export class MemoryLog implements LogSink {
  lines: string[] = [];
  constructor(public level = 20) {}
  write(level: number, line: string): void {
    this.lines.push(`${level} ${line}`);
  }
}

/**
 * Structured observers of the protocol machines, for the Node shell's diagnostics_channel
 * publishing (src/node/log-sink.ts installs them). Process-wide like the channels themselves;
 * unset (zero cost beyond one property read) until the shell installs them, and each hook checks
 * for subscribers before it builds anything.
 */
export interface TraceHooks {
  /** a connection's protocol state changed */
  state?: (ctx: CoreContext, conn: Conn, from: string, to: string) => void;
  /** a frame (msgr2) or record (msgr1) was queued for writing / was read; `bytes` = payload */
  frame?: (ctx: CoreContext, conn: Conn, dir: 'tx' | 'rx', tag: number, bytes: number) => void;
}

export const TRACE: TraceHooks = {};
