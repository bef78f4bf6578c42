/**
 * Session state shared by msgr2 and msgr1: sequence numbers, acks, the outgoing queue, the
 * sent-but-unacked list (lossless), and the identifiers that let a session outlive a socket
 * (cookies, connect_seq, global_seq). Pure data + methods: no IO, no clock.
 *
 * Semantics follow Ceph (wire §8.1): seq = ++out_seq when a message is written; a lossless
 * sender keeps written messages until acked; on fault the sent list goes back to the front of
 * the HIGHEST queue and out_seq is rewound, so a resend reuses the same seqs; after a reconnect
 * the peer's in_seq tells which of them to drop.
 */
import type { Message } from '../../messages/message.ts';
import { Priority } from '../../messages/message.ts';
import type { UTime } from '../../encoding/types/utime.ts';
import { Deque } from './deque.ts';
import { OutQueue } from './out-queue.ts';

export type IncomingSeqVerdict = 'ok' | 'old' | 'skipped';

export class Session {
  outSeq = 0n;
  inSeq = 0n;
  /** messages received and not yet acknowledged (lossless only) */
  ackLeft = 0;
  clientCookie = 0n;
  serverCookie = 0n;
  connectSeq = 0n;
  /** the peer's global_seq from its last CLIENT_IDENT / SESSION_RECONNECT / SERVER_IDENT */
  peerGlobalSeq = 0n;
  /** our global_seq for the current connection attempt */
  globalSeq = 0n;
  /** server side: the peer's in_seq from SESSION_RECONNECT (msg_seq) */
  messageSeq = 0n;
  /** negotiated connection features */
  features = 0n;

  readonly queue = new OutQueue();
  readonly sent = new Deque<Message>();
  /** bytes held in `sent` */
  sentBytes = 0;
  /** a KEEPALIVE2 is wanted on the next write */
  keepalivePending = false;
  /** KEEPALIVE2_ACKs to send (stamps to echo) */
  readonly keepaliveAcks: UTime[] = [];

  /** Queue a message; priority 0 means `defaultPriority`. */
  enqueue(m: Message, defaultPriority: number = Priority.DEFAULT): void {
    if (m.priority === 0) m.priority = defaultPriority;
    this.queue.push(m, m.priority);
  }

  get hasQueued(): boolean {
    return !this.queue.empty;
  }

  /**
   * Take the next message to write: assigns seq = ++out_seq and, for lossless sessions, keeps it
   * on the sent list until acked. Resets ackLeft (the header carries our in_seq as ack_seq).
   */
  takeNext(lossy: boolean): Message | undefined {
    const m = this.queue.shift();
    if (!m) return undefined;
    m.seq = ++this.outSeq;
    if (!lossy) {
      this.sent.push(m);
      this.sentBytes += m.payloadLength;
    }
    this.ackLeft = 0;
    return m;
  }

  /** Trim the sent list up to and including `seq`. Returns how many messages that acknowledged. */
  handleAck(seq: bigint): number {
    let n = 0;
    for (;;) {
      const m = this.sent.peek();
      if (!m || m.seq > seq) break;
      this.sent.shift();
      this.sentBytes -= m.payloadLength;
      n++;
    }
    return n;
  }

  /** Ceph requeue_sent: put the sent list back at the front of HIGHEST and rewind out_seq. */
  requeueSent(): number {
    const n = this.sent.size;
    if (!n) return 0;
    this.outSeq -= BigInt(n);
    for (;;) {
      const m = this.sent.pop();
      if (!m) break;
      this.queue.pushFront(m, Priority.HIGHEST);
    }
    this.sentBytes = 0;
    return n;
  }

  /**
   * Ceph discard_requeued_up_to: drop requeued messages (front of HIGHEST, seq != 0) whose seq
   * is ≤ `seq`, i.e. that the peer already has; out_seq becomes the number dropped past the
   * current out_seq. Returns the dropped messages.
   */
  discardRequeuedUpTo(seq: bigint): Message[] {
    const dropped: Message[] = [];
    if (!this.queue.hasPrio(Priority.HIGHEST)) {
      this.outSeq = seq;
      return dropped;
    }
    let count = this.outSeq;
    for (;;) {
      const m = this.queue.peekPrio(Priority.HIGHEST);
      if (!m || m.seq === 0n || m.seq > seq) break;
      this.queue.shiftPrio(Priority.HIGHEST);
      dropped.push(m);
      count++;
    }
    this.outSeq = count;
    return dropped;
  }

  /** Discard everything queued or awaiting ack (Ceph discard_out_queue). */
  discardOutQueue(): Message[] {
    const out = this.sent.clear();
    this.sentBytes = 0;
    for (const m of this.queue.clear()) out.push(m);
    this.keepalivePending = false;
    this.keepaliveAcks.length = 0;
    return out;
  }

  /** Ceph reset_session: forget the whole session. Returns the discarded messages. */
  reset(): Message[] {
    const discarded = this.discardOutQueue();
    this.outSeq = 0n;
    this.inSeq = 0n;
    this.clientCookie = 0n;
    this.serverCookie = 0n;
    this.connectSeq = 0n;
    this.peerGlobalSeq = 0n;
    this.messageSeq = 0n;
    this.ackLeft = 0;
    return discarded;
  }

  /** Judge an incoming message seq against in_seq (old = duplicate, dropped). */
  judgeIncoming(seq: bigint): IncomingSeqVerdict {
    if (seq <= this.inSeq) return 'old';
    return seq > this.inSeq + 1n ? 'skipped' : 'ok';
  }

  /** Record an accepted incoming message. */
  accept(seq: bigint, lossy: boolean): void {
    this.inSeq = seq;
    if (!lossy) this.ackLeft++;
  }
}
