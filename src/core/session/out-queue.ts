/**
 * The outgoing message queue of a session: one FIFO per priority, highest priority first
 * (Ceph's `out_queue` map<priority, list>). Requeued messages go to the front of HIGHEST.
 */
import type { Message } from '../../messages/message.ts';
import { Deque } from './deque.ts';

/** Distinct priorities whose (possibly empty) FIFOs are kept before empty ones are forgotten. */
const KEEP_EMPTY = 16;

export class OutQueue {
  /** priorities present, sorted descending */
  private prios: number[] = [];
  private fifos = new Map<number, Deque<Message>>();
  private _count = 0;
  private _bytes = 0;

  get count(): number {
    return this._count;
  }
  /** payload bytes queued */
  get bytes(): number {
    return this._bytes;
  }
  get empty(): boolean {
    return this._count === 0;
  }

  /**
   * The FIFO of `prio`, listed in `prios` (which holds exactly the non-empty priorities). Empty
   * FIFOs are kept for reuse — a connection that sends one message at a time would otherwise
   * allocate and drop a FIFO per message — while at most KEEP_EMPTY priorities have one.
   */
  private fifo(prio: number): Deque<Message> {
    let f = this.fifos.get(prio);
    if (!f) {
      f = new Deque<Message>();
      this.fifos.set(prio, f);
    }
    if (f.size === 0) {
      const ps = this.prios;
      if (ps.length === 0) ps.push(prio);
      else {
        let i = 0;
        while (i < ps.length && ps[i]! > prio) i++;
        ps.splice(i, 0, prio);
      }
    }
    return f;
  }

  push(m: Message, prio: number): void {
    this.fifo(prio).push(m);
    this._count++;
    this._bytes += m.payloadLength;
  }

  /** Put a message back at the front of priority `prio` (requeue). */
  pushFront(m: Message, prio: number): void {
    this.fifo(prio).unshift(m);
    this._count++;
    this._bytes += m.payloadLength;
  }

  /** The next message to send (highest priority, FIFO), removed. */
  shift(): Message | undefined {
    while (this.prios.length) {
      const p = this.prios[0]!;
      const f = this.fifos.get(p)!;
      const m = f.shift();
      if (m) {
        this._count--;
        this._bytes -= m.payloadLength;
        if (f.size === 0) this.dropPrio(p);
        return m;
      }
      this.dropPrio(p);
    }
    return undefined;
  }

  /** Front of a given priority (for discard_requeued_up_to). */
  peekPrio(prio: number): Message | undefined {
    return this.fifos.get(prio)?.peek();
  }
  shiftPrio(prio: number): Message | undefined {
    const f = this.fifos.get(prio);
    const m = f?.shift();
    if (m) {
      this._count--;
      this._bytes -= m.payloadLength;
      if (f!.size === 0) this.dropPrio(prio);
    }
    return m;
  }
  hasPrio(prio: number): boolean {
    return (this.fifos.get(prio)?.size ?? 0) > 0;
  }

  /** Remove everything; returns the removed messages in send order. */
  clear(): Message[] {
    const out: Message[] = [];
    for (const p of this.prios) for (const m of this.fifos.get(p)!) out.push(m);
    this.prios = [];
    this.fifos.clear();
    this._count = 0;
    this._bytes = 0;
    return out;
  }

  /** `p`'s FIFO became empty: no longer listed; the FIFO is kept unless KEEP_EMPTY are. */
  private dropPrio(p: number): void {
    const ps = this.prios;
    if (ps.length === 1 && ps[0] === p) ps.pop();
    else {
      const i = ps.indexOf(p);
      if (i >= 0) ps.splice(i, 1);
    }
    if (this.fifos.size > KEEP_EMPTY) this.fifos.delete(p);
  }
}
