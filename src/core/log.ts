/**
 * Logging in Ceph's style: `debug_ms` levels (1 connection events, 5 frames, 10 state
 * transitions, 20 bytes), each line prefixed by the connection (addresses, state, pgs, cs, l).
 * The core writes through a LogSink; when the level is below a line's level nothing is built.
 */
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
