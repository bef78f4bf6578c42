/**
 * The handle a user holds for one logical connection (Ceph's Connection). Its identity never
 * changes, even when the session moves to another socket (reconnect, connection race).
 */
import type { EntityAddr } from '../encoding/types/entity-addr.ts';
import { entityTypeName, formatEntityNameT, type EntityNameT } from '../encoding/types/entity-name.ts';
import type { Conn } from '../core/conn.ts';
import type { ConnId } from '../core/events.ts';
import type { Message } from '../messages/message.ts';
import type { Messenger } from './messenger.ts';

export class Connection {
  /** a slot for the upper layer's per-connection state (Ceph's Connection::priv) */
  priv: unknown;

  constructor(
    readonly messenger: Messenger,
    readonly id: ConnId,
  ) {}

  /** @internal */
  get core(): Conn | undefined {
    return this.messenger.core.getConn(this.id);
  }

  /**
   * Queue a message (Ceph send_message). Returns false when the connection is closed (the
   * message is dropped, as Ceph does) or when its queue is above ms_send_queue_high_water
   * (the message IS queued; wait for 'drain' before sending more). Throws ERR_QUEUE_FULL above
   * ms_send_queue_max_bytes.
   */
  send(msg: Message): boolean {
    return this.messenger.sendOn(this, msg);
  }

  /**
   * Resolves when the send queue is back below ms_send_queue_high_water(_messages), or the
   * connection closed: `if (!conn.send(m)) await conn.whenWritable();`
   */
  whenWritable(): Promise<void> {
    return this.messenger.whenWritable(this);
  }

  /** Send a KEEPALIVE2 (answered by KEEPALIVE2_ACK). */
  sendKeepalive(): void {
    this.messenger.keepaliveOn(this);
  }

  /** Close locally: queued messages are discarded, no reset event (Ceph mark_down). */
  markDown(): void {
    this.messenger.markDownConn(this);
  }

  /** READY (able to write) — false at once after markDown(). */
  isConnected(): boolean {
    if (this.id === 0) return true;
    const c = this.core;
    return !!c && !c.dead && c.proto.isReady;
  }

  /** closed for good (marked down, lossy reset, refused) */
  get isClosed(): boolean {
    if (this.id === 0) return false;
    const c = this.core;
    return !c || c.dead || c.proto.isClosed;
  }

  get isLoopback(): boolean {
    return this.id === 0;
  }

  /** Ceph state name: READY, STANDBY, SESSION_CONNECTING, CLOSED, … */
  get state(): string {
    if (this.id === 0) return 'READY';
    return this.core?.proto.stateName ?? 'CLOSED';
  }
  get peerType(): number {
    return this.core?.peerType ?? (this.id === 0 ? this.messenger.myName.type : -1);
  }
  get peerTypeName(): string {
    return entityTypeName(this.peerType);
  }
  get peerName(): EntityNameT | undefined {
    return this.id === 0 ? this.messenger.myName : this.core?.peerName;
  }
  get peerAddrs(): readonly EntityAddr[] {
    return this.id === 0 ? this.messenger.myAddrs : (this.core?.peerAddrs ?? []);
  }
  get peerGlobalId(): bigint {
    return this.core?.peerGlobalId ?? 0n;
  }
  get features(): bigint {
    return this.core?.session.features ?? 0n;
  }
  get policyName(): string {
    return this.core?.policy.name ?? '';
  }
  get lossy(): boolean {
    return this.core?.policy.lossy ?? true;
  }
  /** bytes queued or awaiting ack */
  get queuedBytes(): number {
    return this.messenger.core.queuedBytes(this.id);
  }
  get stats(): Readonly<Conn['stats']> | undefined {
    return this.core?.stats;
  }

  toString(): string {
    const n = this.peerName;
    return `Connection(${this.id} ${n ? formatEntityNameT(n) : '?'} ${this.state})`;
  }
}
