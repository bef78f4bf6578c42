/**
 * A logical connection of the messenger core: who the peer is, which policy applies, the session
 * (seqs, queues, cookies) that outlives sockets, the current transport, and the deadlines the
 * driver must honour. The wire protocol (msgr2 or msgr1) is a separate object it owns.
 */
import type { EntityAddr } from '../encoding/types/entity-addr.ts';
import type { EntityNameT } from '../encoding/types/entity-name.ts';
import type { ConnId, TransportId } from './events.ts';
import type { Policy } from './session/policy.ts';
import { Session } from './session/session.ts';

/** What a wire protocol implements for the messenger core. */
export interface WireProtocol {
  readonly version: 1 | 2;
  /** printable state, Ceph's names (READY, STANDBY, SESSION_ACCEPTING, …) */
  readonly stateName: string;
  readonly isReady: boolean;
  readonly isClosed: boolean;
  /** begin (or resume) connecting: the core opens a transport next */
  connect(now: number): void;
  /** an outgoing transport is up */
  onConnected(localAddr: EntityAddr | undefined, now: number): void;
  /** an accepted transport is handed to this connection */
  onAccepted(now: number): void;
  onBytes(chunk: Buffer, now: number): void;
  /** the transport died */
  onTransportClosed(err: Error | undefined, now: number): void;
  /** deadlines passed (backoff, ready timeout, idle, keepalive) */
  onTick(now: number): void;
  /** the next deadline, or undefined */
  nextDeadline(): number | undefined;
  /** bytes to write now (gather list), or undefined */
  takeTransmit(now: number, maxBytes: number): Buffer[] | undefined;
  /** anything to write? */
  wantsWrite(): boolean;
  /** a message was queued / a keepalive requested */
  onQueued(now: number): void;
  /** local mark_down: close without reset events */
  stop(): void;
  /** resume a connection parked by a BLOCK/STALL breakpoint */
  unblock(now: number): void;
}

export type ConnRole = 'connector' | 'acceptor';

export class Conn {
  readonly session = new Session();
  proto!: WireProtocol;
  /** -1 until known (acceptor before HELLO) */
  peerType: number;
  peerAddrs: EntityAddr[];
  /** the exact address dialled (connector) or inferred from CLIENT_IDENT (acceptor) */
  targetAddr: EntityAddr | undefined;
  peerName: EntityNameT;
  peerGlobalId = 0n;
  policy: Policy;
  tid: TransportId | undefined;
  /** transport accepted writes; false while the driver reports backpressure */
  writable = true;
  /** the local address of the current transport, as the driver reported it */
  localAddr: EntityAddr | undefined;
  /** the peer's address of the current transport (socket level) */
  socketPeerAddr: EntityAddr | undefined;
  /** a connect/accept event was emitted (so a death must produce a reset event) */
  announced = false;
  /** closed and queued for the reaper */
  dead = false;
  /** this accepted connection handed its socket to an existing one (Ceph reuse_connection) */
  replacedBy: ConnId | undefined;
  /** time of the last byte read or written (liveness: never refreshed by queueing) */
  lastActive = 0;
  lastRead = 0;
  /** start of the current connect/accept attempt */
  attemptStarted = 0;
  /** counters for tests and perf dump */
  readonly stats = {
    connectAttempts: 0,
    clientIdents: 0,
    reconnects: 0,
    connectEvents: 0,
    acceptAttempts: 0,
    serverIdentsRead: 0,
    reconnectsRead: 0,
    acceptEvents: 0,
    localResets: 0,
    remoteResets: 0,
    msgsIn: 0,
    msgsOut: 0,
    bytesIn: 0,
    bytesOut: 0,
    faults: 0,
    keepalivesSent: 0,
    duplicates: 0,
    skipped: 0,
  };

  constructor(
    readonly id: ConnId,
    readonly role: ConnRole,
    policy: Policy,
    peerType: number,
    peerAddrs: EntityAddr[],
    readonly anon: boolean,
  ) {
    this.policy = policy;
    this.peerType = peerType;
    this.peerAddrs = peerAddrs;
    this.peerName = { type: peerType < 0 ? 0 : peerType, num: -1n };
  }
}
