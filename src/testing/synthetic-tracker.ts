/**
 * The synthetic workload's book-keeping (Ceph's SyntheticDispatcher `sent` / `conn_sent`): every
 * tracked ping is remembered with the connection it was sent on, in a per-connection FIFO. A
 * pong must answer the head of its connection's FIFO with byte-identical data.
 *
 * Every seq has a state, so that whatever arrives is classified exactly once:
 *   pending → answered (delivered), or discarded (its connection was reset/dropped: a reset
 *   legitimately loses messages), or skipped (a later pong of the same connection arrived first:
 *   a gap, counted as lost until it shows up — then it counts as reordered instead).
 *   A pong for an answered seq is a duplicate; a pong for a discarded seq is "stale" (allowed
 *   once: it was in flight when the connection was dropped), twice is a duplicate.
 * The server side marks each ping seq it answers; a ping seen twice is a duplicate too.
 */
import type { Connection } from '../node/connection.ts';

const UNKNOWN = 0;
const PENDING = 1;
const ANSWERED = 2;
const DISCARDED = 3;
const SKIPPED = 4;
const STALE = 5;
const STATE_MASK = 0x0f;
const PING_SEEN = 0x10;

interface Entry {
  seq: number;
  index: number;
}

/** A FIFO of expected replies (≤ max in flight entries, so linear scans are fine). */
class Fifo {
  items: Entry[] = [];
  head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(e: Entry): void {
    this.items.push(e);
  }
  /** position (from head) of seq, or -1 */
  find(seq: number): number {
    for (let i = this.head; i < this.items.length; i++) if (this.items[i]!.seq === seq) return i - this.head;
    return -1;
  }
  /** remove the first n+1 entries, returning the first n (the ones skipped) and the (n+1)th */
  take(n: number): { skipped: Entry[]; hit: Entry } {
    const skipped = this.items.slice(this.head, this.head + n);
    const hit = this.items[this.head + n]!;
    this.head += n + 1;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return { skipped, hit };
  }
  drain(): Entry[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    return out;
  }
}

export interface TrackerCounts {
  /** tracked pings sent */
  sent: number;
  /** tracked pings answered (first pong) */
  delivered: number;
  /** expectations dropped because their connection was reset, dropped or (re)connected */
  discarded: number;
  /** gaps: a later pong of the same connection arrived and this one never did (so far) */
  skipped: number;
  /** pongs (or pings) seen twice */
  duplicated: number;
  /** pongs that arrived after a later one of the same connection */
  reordered: number;
  /** pongs on another connection than their ping */
  misrouted: number;
  /** pings/pongs whose data differs from what was sent */
  corrupt: number;
  /** pongs for expectations discarded earlier (in flight at a reset/drop) */
  stale: number;
  /** pongs for seqs never sent as tracked pings */
  unknown: number;
  /** pings answered by servers */
  pingsAnswered: number;
}

export class Tracker {
  private state = new Uint8Array(1 << 16);
  private readonly fifos = new Map<Connection, Fifo>();
  /** where a pending/skipped seq was sent */
  private readonly where = new Map<number, Connection>();
  private nextSeq = 0;
  pending = 0;
  readonly counts: TrackerCounts = {
    sent: 0,
    delivered: 0,
    discarded: 0,
    skipped: 0,
    duplicated: 0,
    reordered: 0,
    misrouted: 0,
    corrupt: 0,
    stale: 0,
    unknown: 0,
    pingsAnswered: 0,
  };
  /** called whenever pending drops */
  onProgress: () => void = () => {};

  /** A fresh global seq (Ceph's dispatcher index). */
  allocSeq(): number {
    const s = this.nextSeq++;
    if (s >= this.state.length) {
      const n = new Uint8Array(this.state.length * 2);
      n.set(this.state);
      this.state = n;
    }
    return s;
  }

  private get(seq: number): number {
    return seq < this.state.length ? this.state[seq]! & STATE_MASK : UNKNOWN;
  }
  private set(seq: number, st: number): void {
    this.state[seq] = (this.state[seq]! & ~STATE_MASK) | st;
  }

  /** A tracked ping was queued on conn. */
  track(conn: Connection, seq: number, index: number): void {
    let f = this.fifos.get(conn);
    if (!f) this.fifos.set(conn, (f = new Fifo()));
    f.push({ seq, index });
    this.where.set(seq, conn);
    this.set(seq, PENDING);
    this.pending++;
    this.counts.sent++;
  }

  /** Server side: a ping arrived. Returns false when it is a duplicate (do not answer twice). */
  onPing(seq: number, dataOk: boolean): boolean {
    if (!dataOk) this.counts.corrupt++;
    if (seq >= this.state.length) return true; // an untracked seq we never allocated: answer anyway
    if (this.state[seq]! & PING_SEEN) {
      this.counts.duplicated++;
      return false;
    }
    this.state[seq] = this.state[seq]! | PING_SEEN;
    this.counts.pingsAnswered++;
    return true;
  }

  /** Client side: a pong arrived on conn. `dataOk`: byte-identical to the pool buffer it names. */
  onPong(conn: Connection, seq: number, index: number, dataOk: (index: number) => boolean): void {
    const c = this.counts;
    const st = this.get(seq);
    switch (st) {
      case PENDING: {
        const f = this.fifos.get(conn);
        const pos = f ? f.find(seq) : -1;
        if (!f || pos < 0) {
          c.misrouted++;
          this.removeElsewhere(seq);
          this.set(seq, ANSWERED);
          this.pending--;
          c.delivered++;
          break;
        }
        const { skipped, hit } = f.take(pos);
        for (const e of skipped) {
          this.set(e.seq, SKIPPED);
          c.skipped++;
          this.pending--;
        }
        if (hit.index !== index || !dataOk(hit.index)) c.corrupt++;
        this.where.delete(seq);
        this.set(seq, ANSWERED);
        this.pending--;
        c.delivered++;
        if (!f.length) this.fifos.delete(conn);
        break;
      }
      case SKIPPED:
        c.skipped--;
        c.reordered++;
        c.delivered++;
        if (this.where.get(seq) !== conn) c.misrouted++;
        this.where.delete(seq);
        this.set(seq, ANSWERED);
        if (!dataOk(index)) c.corrupt++;
        break;
      case ANSWERED:
      case STALE:
        c.duplicated++;
        break;
      case DISCARDED:
        c.stale++;
        this.set(seq, STALE);
        break;
      default:
        c.unknown++;
    }
    this.onProgress();
  }

  private removeElsewhere(seq: number): void {
    const other = this.where.get(seq);
    this.where.delete(seq);
    const f = other && this.fifos.get(other);
    if (!f) return;
    const pos = f.find(seq);
    if (pos < 0) return;
    const rest = f.drain();
    for (const e of rest) if (e.seq !== seq) f.push(e);
    if (!f.length) this.fifos.delete(other!);
  }

  /** Forget what conn still expects (reset, drop, or a (re)connect in Ceph's semantics). */
  discard(conn: Connection): number {
    const f = this.fifos.get(conn);
    if (!f) return 0;
    this.fifos.delete(conn);
    const gone = f.drain();
    for (const e of gone) {
      this.set(e.seq, DISCARDED);
      this.where.delete(e.seq);
    }
    this.pending -= gone.length;
    this.counts.discarded += gone.length;
    if (gone.length) this.onProgress();
    return gone.length;
  }

  /** Connections with expectations, and how many each. */
  outstanding(): Array<[Connection, number]> {
    return [...this.fifos].map(([c, f]) => [c, f.length]);
  }

  /** Tracked pings neither answered nor discarded: never answered (pending) or skipped. */
  get lost(): number {
    return this.pending + this.counts.skipped;
  }
}
