/**
 * The MonClient's outstanding mon requests (Ceph's mon_commands / version_requests): MMonCommand
 * by tid (with the monmap's fsid) and MMonGetVersion by handle, kept in a bounded PendingOps
 * table with timeouts and AbortSignals, sent on the current session once it has a monmap and
 * resent on every new session until answered.
 */
import type { Buffer } from 'node:buffer';
import type { MsgrError } from '../errors.ts';
import { MMonCommandCodec } from '../messages/mon-command.ts';
import { MMonGetVersionCodec } from '../messages/mon-get-version.ts';
import type { Connection } from '../node/connection.ts';
import type { TimerHandle } from '../node/env.ts';
import { PendingOps, type OpOptions } from './pending.ts';
import type { MonCommandResult, MonVersion } from './types.ts';

/** Where requests go now: the session's connection, its number, and the cluster fsid. */
export interface RequestTarget {
  conn: Connection;
  /** session number (requests remember the session they were sent on) */
  n: number;
  fsid: string;
}

export class MonRequests {
  private readonly pending: PendingOps;
  private nextTid = 1n;
  private nextHandle = 1n;

  constructor(
    maxPending: number,
    /** default timeout (rados_mon_op_timeout), s; 0 = none */
    private readonly opTimeoutS: number,
    setTimer: (ms: number, cb: () => void) => TimerHandle,
    /** the current target, undefined without a session or a monmap */
    private readonly target: () => RequestTarget | undefined,
    private readonly stats: { commands: number; resent: number },
  ) {
    this.pending = new PendingOps(maxPending, setTimer);
  }

  get size(): number {
    return this.pending.size;
  }

  command(cmd: string | object | readonly string[], input: Buffer | undefined, opts: OpOptions): Promise<MonCommandResult> {
    const texts = typeof cmd === 'string' ? [cmd] : Array.isArray(cmd) ? (cmd as string[]).slice() : [JSON.stringify(cmd)];
    const tid = this.nextTid++;
    const send = (): void => {
      const t = this.target();
      if (!t) return;
      t.conn.send(MMonCommandCodec.encode({ fsid: t.fsid, cmd: texts, tid, ...(input ? { inbl: input } : {}) }, t.conn.features));
    };
    const p = this.pending.add<MonCommandResult>(`c${tid}`, `mon command ${texts.join(' ')}`, send, this.timeout(opts), opts.signal);
    this.stats.commands++;
    this.flush();
    return p;
  }

  getVersion(what: string, opts: OpOptions): Promise<MonVersion> {
    const handle = this.nextHandle++;
    const send = (): void => {
      const t = this.target();
      if (!t) return;
      t.conn.send(MMonGetVersionCodec.encode({ handle, what, tid: handle }, t.conn.features));
    };
    const p = this.pending.add<MonVersion>(`v${handle}`, `get version of ${what}`, send, this.timeout(opts), opts.signal);
    this.flush();
    return p;
  }

  /** Send every pending request not yet sent on the current session. */
  flush(): void {
    const t = this.target();
    if (!t) return;
    for (const e of this.pending.entries()) {
      if (e.sentOn === t.n) continue;
      if (e.sentOn !== 0) this.stats.resent++;
      e.sentOn = t.n;
      e.send();
    }
  }

  commandAck(tid: bigint, result: MonCommandResult): void {
    this.pending.resolve(`c${tid}`, result);
  }

  versionReply(handle: bigint, v: MonVersion): void {
    this.pending.resolve(`v${handle}`, v);
  }

  rejectAll(err: MsgrError): void {
    this.pending.rejectAll(err);
  }

  private timeout(opts: OpOptions): number {
    if (opts.timeoutMs !== undefined && opts.timeoutMs > 0) return opts.timeoutMs;
    return this.opTimeoutS > 0 ? this.opTimeoutS * 1000 : Infinity;
  }
}
