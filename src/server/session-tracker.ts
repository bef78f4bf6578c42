/**
 * Per-peer-session bookkeeping of a counting server, fed with what its dispatcher sees (accept,
 * reset and dispatch events of a Messenger) — pure, so it is tested without sockets.
 *
 * A *session* lives on one logical connection (a Connection handle: its id survives socket
 * replacements and reconnects). It starts with an accept of kind 'new' (a new peer, or a session
 * the peer or we reset) and continues through accepts of kind
 *   'resumed'  the session went on with its sequence numbers (msgr2 SESSION_RECONNECT answered
 *              SESSION_RECONNECT_OK, msgr1 connect with connect_seq > 0 accepted on it), or
 *   'retry'    its establishment was interrupted and is done again (msgr2: the peer never got our
 *              SERVER_IDENT, so it sends CLIENT_IDENT again with the same client cookie — Ceph's
 *              "continuing session establishment"); we answer a new SERVER_IDENT, our in_seq
 *              restarts at 0 and so does the judging (the peer cannot have sent anything yet).
 * An accept of another kind on a session that ended, or a 'new' one, starts a new session.
 * Sequence numbers are judged per session:
 * the first message of a session is expected to carry seq 1 and each next one seq = last + 1;
 *   seq ≤ last        → a duplicate (the upper layer got a message twice),
 *   seq > last + 1    → a gap (one count per jump, however many seqs were skipped).
 */

export type AcceptKind = 'new' | 'resumed' | 'retry';

export interface TrackerCounts {
  /** accept events: handshakes completed on our side (= sessions + reconnects + retries) */
  ready: number;
  /** sessions started (accepts that did not resume a session) */
  sessions: number;
  /** accepts that resumed the connection's session */
  reconnects: number;
  /** accepts that re-did an interrupted establishment of the connection's session */
  retries: number;
  /** remote resets (peer restarted / session reset) + local resets of accepted connections */
  resets: number;
  remoteResets: number;
  localResets: number;
  /** messages dispatched */
  messages: number;
  /** by message type id */
  byType: Map<number, number>;
  /** messages whose seq was not above the last one of their session */
  duplicates: number;
  /** jumps of more than one in a session's seqs */
  gaps: number;
}

interface SessionState {
  lastSeq: bigint;
  /** the session ended (reset): the next accept starts a new one */
  ended: boolean;
  messages: number;
}

export class SessionTracker {
  private readonly sessions = new Map<number, SessionState>();
  readonly counts: TrackerCounts = {
    ready: 0,
    sessions: 0,
    reconnects: 0,
    retries: 0,
    resets: 0,
    remoteResets: 0,
    localResets: 0,
    messages: 0,
    byType: new Map(),
    duplicates: 0,
    gaps: 0,
  };

  /**
   * A handshake completed on connection `conn`; `kind` is what the protocol says it was (see the
   * file comment). Returns what the tracker made of it.
   */
  accept(conn: number, kind: AcceptKind): AcceptKind {
    this.counts.ready++;
    const s = this.sessions.get(conn);
    if (s && !s.ended && kind === 'resumed') {
      this.counts.reconnects++;
      return 'resumed';
    }
    if (s && !s.ended && kind === 'retry') {
      this.counts.retries++;
      s.lastSeq = 0n;
      return 'retry';
    }
    this.counts.sessions++;
    this.sessions.set(conn, { lastSeq: 0n, ended: false, messages: 0 });
    return 'new';
  }

  /** The session of `conn` is gone: 'remote' = the peer reset it, 'local' = we dropped it. */
  reset(conn: number, kind: 'remote' | 'local'): void {
    const s = this.sessions.get(conn);
    if (!s || s.ended) return;
    s.ended = true;
    this.counts.resets++;
    if (kind === 'remote') this.counts.remoteResets++;
    else this.counts.localResets++;
  }

  /** A message was dispatched. Returns its verdict. */
  message(conn: number, type: number, seq: bigint): 'ok' | 'duplicate' | 'gap' {
    const c = this.counts;
    c.messages++;
    c.byType.set(type, (c.byType.get(type) ?? 0) + 1);
    let s = this.sessions.get(conn);
    if (!s) {
      // a message without an accept first: judge it from seq 0 anyway
      s = { lastSeq: 0n, ended: false, messages: 0 };
      this.sessions.set(conn, s);
    }
    s.messages++;
    if (seq <= s.lastSeq) {
      c.duplicates++;
      return 'duplicate';
    }
    const verdict = seq > s.lastSeq + 1n ? 'gap' : 'ok';
    if (verdict === 'gap') c.gaps++;
    s.lastSeq = seq;
    return verdict;
  }

  /** Last seq seen on a connection's current session (0 if none). */
  lastSeq(conn: number): bigint {
    return this.sessions.get(conn)?.lastSeq ?? 0n;
  }
}
