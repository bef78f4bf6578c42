/** Shared plumbing of the transport benchmark's peer processes (one JSON line per event on stdout). */
export interface PeerArgs {
  role: 'recv' | 'send' | 'echo' | 'ping';
  size: number;
  count: number;
  port: number;
  extra: string;
}

export function parseArgs(): PeerArgs {
  const [role, size, count, port, extra] = process.argv.slice(2);
  return { role: role as PeerArgs['role'], size: Number(size), count: Number(count), port: Number(port ?? 0), extra: extra ?? '' };
}

export function emit(obj: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify(obj) + '\n');
}

/** Receiver bookkeeping: rate from the first to the last message. */
export class RecvMeter {
  n = 0;
  bytes = 0;
  private t0 = 0;
  constructor(private readonly want: number) {}
  got(len: number): boolean {
    if (this.n === 0) this.t0 = performance.now();
    this.n++;
    this.bytes += len;
    if (this.n === this.want) {
      const s = (performance.now() - this.t0) / 1000;
      emit({ done: true, msgs: this.n, bytes: this.bytes, seconds: s, msgs_per_s: (this.n - 1) / s, mb_per_s: this.bytes / s / 1e6 });
      return true;
    }
    return false;
  }
}

export function percentiles(us: number[]): { p50: number; p99: number } {
  us.sort((a, b) => a - b);
  return { p50: us[Math.floor(us.length * 0.5)]!, p99: us[Math.min(us.length - 1, Math.floor(us.length * 0.99))]! };
}
