/**
 * A counting server: attached to a Messenger, it accepts whatever peers dial it, lets the
 * messenger ack every message (lossless sessions ack by themselves), counts and decodes them, and
 * judges sequence numbers per peer session (see session-tracker.ts). `ceph-msgr serve` is this
 * plus option parsing; tests use it in-process too.
 *
 * Counters (also the JSON of `serve --json`):
 *   accepted    sockets accepted on our listeners (every TCP connection, including the ones that
 *               are merged into an existing session or die in the handshake)
 *   ready       handshakes completed on our side: accept events (Ceph ms_handle_accept), i.e.
 *               msgr2 SERVER_IDENT or SESSION_RECONNECT_OK sent, msgr1 READY or SEQ sent
 *               (= sessions + reconnects + retries)
 *   sessions    of those, the ones that started a session
 *   retries     of those, msgr2 SERVER_IDENTs sent again for an interrupted establishment (the peer
 *               never got the first one and sent CLIENT_IDENT again with the same client cookie)
 *   reconnects  of those, the ones that resumed an existing session: msgr2 SESSION_RECONNECT
 *               (same cookies) answered SESSION_RECONNECT_OK, msgr1 connect with connect_seq > 0
 *               accepted on the existing session
 *   resets      sessions that ended for good: remote resets (the peer restarted or reset the
 *               session: Ceph ms_handle_remote_reset) + local resets (ms_handle_reset of an
 *               accepted connection)
 *   messages    messages dispatched; by_type the same per message type id
 *   duplicates  messages seen twice in one session: dispatched with a seq not above the last one
 *               (the upper layer would have seen them twice) + duplicates the messenger dropped
 *               on the wire (seq ≤ in_seq: the peer resent something we had acked)
 *   gaps        jumps in a session's seqs (seq > last + 1) as dispatched — the messenger
 *               delivers skipped-over seqs anyway, so the wire-level count is not added again
 */
import type { Conn } from '../core/conn.ts';
import type { MsgrError } from '../errors.ts';
import type { Message } from '../messages/message.ts';
import { MsgType, defaultRegistry, type MessageRegistry } from '../messages/registry.ts';
import type { MMonProbe } from '../messages/mon-probe.ts';
import type { Connection } from '../node/connection.ts';
import type { Messenger } from '../node/messenger.ts';
import { SessionTracker, type AcceptKind } from './session-tracker.ts';

export interface PeerServerSummary {
  accepted: number;
  ready: number;
  messages: number;
  by_type: Record<string, number>;
  reconnects: number;
  resets: number;
  duplicates: number;
  gaps: number;
  /** the details behind the numbers above */
  sessions: number;
  /** handshakes that re-did an interrupted session establishment (msgr2 CLIENT_IDENT again, same client cookie) */
  retries: number;
  remote_resets: number;
  local_resets: number;
  dispatch_duplicates: number;
  wire_duplicates: number;
  wire_skipped: number;
  faults: number;
  decode_errors: number;
  injected_socket_failures: number;
  /**
   * completed handshakes by protocol, auth method and mode, e.g. {"msgr2.1 cephx secure": 3}; a
   * handshake whose socket failed before its accept event was handled is attributed the kind of
   * the same connection's other handshakes ('unknown' if it had none)
   */
  auth: Record<string, number>;
  /** MMonProbe senders: name, fsid and the ops seen */
  probes: Array<{ name: string; fsid: string; ops: Record<string, number> }>;
}

export interface PeerServerOptions {
  registry?: MessageRegistry;
  /** called for every dispatched message, after counting (decoded is undefined if unknown) */
  onMessage?(msg: Message, conn: Connection, decoded: unknown): void;
  /** called when a message of a known type fails to decode */
  onDecodeError?(msg: Message, conn: Connection, err: unknown): void;
}

interface ProtoState {
  version: 1 | 2;
  clientCookie: bigint;
  serverCookie: bigint;
  connectSeq: bigint;
}

const METHOD_NAMES: Record<number, string> = { 0: 'noauth', 1: 'none', 2: 'cephx', 4: 'gss' };
const MODE_NAMES: Record<number, string> = { 1: 'crc', 2: 'secure' };

/** "msgr2.1 cephx secure", "msgr1 cephx": how a connection's current handshake went. */
export function describeHandshake(c: Conn): string {
  const p = c.proto as unknown as { auth?: { method?: number; conMode?: number }; rev1?: boolean };
  const method = p.auth?.method ?? 0;
  const m = METHOD_NAMES[method] ?? `method${method}`;
  if (c.proto.version === 1) return `msgr1 ${m}`;
  const mode = p.auth?.conMode ?? 0;
  return `msgr2.${p.rev1 ? 1 : 0} ${m} ${MODE_NAMES[mode] ?? `mode${mode}`}`;
}

function protoState(c: Conn): ProtoState {
  return { version: c.proto.version, clientCookie: c.session.clientCookie, serverCookie: c.session.serverCookie, connectSeq: c.session.connectSeq };
}

/**
 * What an accept did to the connection's session (see session-tracker.ts), from the protocol
 * state before and after it. msgr2: SESSION_RECONNECT_OK keeps the server cookie ('resumed');
 * SERVER_IDENT always draws a new one — for the same client cookie that is an interrupted
 * establishment done again ('retry'), else a new peer session ('new'). msgr1: the peer's
 * connect_seq was > 0 (our connect_seq = peer's + 1 > 1): only a peer resuming a session sends
 * that, and we accept it only onto the existing session ('resumed'); connect_seq 0 is a new session
 * (after an existing one, Ceph treats it as a peer reset: a remote-reset event comes first).
 */
export function classifyAccept(prev: ProtoState | undefined, now: ProtoState): AcceptKind {
  if (!prev || prev.version !== now.version) return 'new';
  if (now.version === 2) {
    if (now.serverCookie !== 0n && now.serverCookie === prev.serverCookie) return 'resumed';
    if (now.clientCookie !== 0n && now.clientCookie === prev.clientCookie) return 'retry';
    return 'new';
  }
  return now.connectSeq > 1n ? 'resumed' : 'new';
}

export class PeerServer {
  readonly tracker = new SessionTracker();
  private readonly registry: MessageRegistry;
  /** every core connection seen (kept after reaping, for their counters) */
  private readonly conns = new Map<number, Conn>();
  private readonly lastProto = new Map<number, ProtoState>();
  private readonly probes = new Map<string, { name: string; fsid: string; ops: Record<string, number> }>();
  /** per accept: its handshake kind, or undefined when its socket was gone before we looked */
  private readonly accepts: Array<{ conn: number; kind: string | undefined }> = [];
  /** per connection: the kind of its last handshake seen with the socket still up */
  private readonly lastKind = new Map<number, string>();
  decodeErrors = 0;
  faults = 0;

  constructor(
    readonly ms: Messenger,
    private readonly opts: PeerServerOptions = {},
  ) {
    this.registry = opts.registry ?? defaultRegistry;
    ms.addDispatcher({
      dispatch: (msg, conn) => this.onDispatch(msg, conn),
      handleAccept: (conn) => this.onAccept(conn),
      handleRemoteReset: (conn) => this.tracker.reset(conn.id, 'remote'),
      handleReset: (conn) => this.tracker.reset(conn.id, 'local'),
    });
    ms.on('fault', (conn: Connection, _err: MsgrError) => {
      this.faults++;
      this.remember(conn);
    });
  }

  private remember(conn: Connection): Conn | undefined {
    const c = conn.core;
    if (c) this.conns.set(conn.id, c);
    return c;
  }

  private onAccept(conn: Connection): void {
    const c = this.remember(conn);
    const now = c ? protoState(c) : undefined;
    const kind = now ? classifyAccept(this.lastProto.get(conn.id), now) : 'new';
    if (now) this.lastProto.set(conn.id, now);
    this.accepts.push({ conn: conn.id, kind: c ? this.observeKind(conn.id, c) : undefined });
    this.tracker.accept(conn.id, kind);
  }

  /**
   * The handshake kind of a connection, read from its protocol's per-socket auth state — only
   * meaningful while that socket is up (events are handled after the socket writes of the same
   * turn, so an injected failure may already have reset it).
   */
  private observeKind(id: number, c: Conn): string | undefined {
    if (c.tid === undefined) return undefined;
    const k = describeHandshake(c);
    this.lastKind.set(id, k);
    return k;
  }

  private onDispatch(msg: Message, conn: Connection): void {
    const c = this.remember(conn);
    if (c) this.observeKind(conn.id, c);
    this.tracker.message(conn.id, msg.type, msg.seq);
    let decoded: unknown;
    if (this.registry.has(msg.type)) {
      try {
        decoded = this.registry.decode(msg, conn.features);
      } catch (e) {
        this.decodeErrors++;
        this.opts.onDecodeError?.(msg, conn, e);
      }
    }
    if (msg.type === MsgType.MON_PROBE && decoded) {
      const p = decoded as MMonProbe;
      const key = `${p.name}/${p.fsid}`;
      let e = this.probes.get(key);
      if (!e) this.probes.set(key, (e = { name: p.name, fsid: p.fsid, ops: {} }));
      const op = probeOpName(p.op);
      e.ops[op] = (e.ops[op] ?? 0) + 1;
    }
    this.opts.onMessage?.(msg, conn, decoded);
  }

  summary(): PeerServerSummary {
    const t = this.tracker.counts;
    let wireDup = 0;
    let wireSkip = 0;
    for (const c of this.conns.values()) {
      wireDup += c.stats.duplicates;
      wireSkip += c.stats.skipped;
    }
    const auth: Record<string, number> = {};
    for (const a of this.accepts) {
      // a socket gone before we looked: the connection's handshakes are alike (same peer, same config)
      const k = a.kind ?? this.lastKind.get(a.conn) ?? 'unknown';
      auth[k] = (auth[k] ?? 0) + 1;
    }
    const byType: Record<string, number> = {};
    for (const [k, v] of [...t.byType].sort((a, b) => a[0] - b[0])) byType[String(k)] = v;
    return {
      accepted: this.ms.core.counters.accepted,
      ready: t.ready,
      messages: t.messages,
      by_type: byType,
      reconnects: t.reconnects,
      resets: t.resets,
      duplicates: t.duplicates + wireDup,
      gaps: t.gaps,
      sessions: t.sessions,
      retries: t.retries,
      remote_resets: t.remoteResets,
      local_resets: t.localResets,
      dispatch_duplicates: t.duplicates,
      wire_duplicates: wireDup,
      wire_skipped: wireSkip,
      faults: this.faults,
      decode_errors: this.decodeErrors,
      injected_socket_failures: this.ms.core.injector?.socketFailures ?? 0,
      auth,
      probes: [...this.probes.values()],
    };
  }
}

const PROBE_OPS: Record<number, string> = { 1: 'probe', 2: 'reply', 3: 'slurp', 4: 'slurp_latest', 5: 'data', 6: 'missing_features' };

export function probeOpName(op: number): string {
  return PROBE_OPS[op] ?? `op${op}`;
}
