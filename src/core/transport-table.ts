/**
 * The messenger core's transports (the driver's sockets, known to the core by transport id):
 * which connection each open transport belongs to, the IO commands (connect, close, pause,
 * resume) the driver is to carry out, and which connections have bytes to write: the batches
 * the driver drains with pollTransmit.
 */
import type { EntityAddr } from '../encoding/types/entity-addr.ts';
import { MsgrError } from '../errors.ts';
import type { Conn } from './conn.ts';
import type { IoCommand, Transmit, TransportId } from './events.ts';
import type { MessengerCore } from './messenger-core.ts';
import { Deque } from './session/deque.ts';

export class TransportTable {
  private nextTid = 1;
  /** the connection of each open transport */
  readonly byTid = new Map<TransportId, Conn>();
  /** IO commands for the driver */
  readonly io = new Deque<IoCommand>();
  /** connections with bytes to write */
  readonly dirty = new Set<Conn>();

  constructor(private readonly core: MessengerCore) {}

  /** A fresh transport id (for a socket a listener accepted). */
  newTid(): TransportId {
    return this.nextTid++;
  }

  /** An accepted socket's transport belongs to c. */
  attach(tid: TransportId, c: Conn, localAddr: EntityAddr | undefined, peerAddr: EntityAddr): void {
    c.tid = tid;
    c.localAddr = localAddr;
    c.socketPeerAddr = peerAddr;
    this.byTid.set(tid, c);
  }

  /** Open a new transport for c (to c.targetAddr); sets c.tid. */
  open(c: Conn): void {
    if (c.tid !== undefined) this.close(c);
    const tid = this.nextTid++;
    c.tid = tid;
    c.writable = true;
    this.byTid.set(tid, c);
    this.io.push({ kind: 'connect', tid, addr: c.targetAddr! });
  }

  /** Close c's transport (if any) and forget it. */
  close(c: Conn): void {
    const tid = c.tid;
    if (tid === undefined) return;
    c.tid = undefined;
    this.byTid.delete(tid);
    this.io.push({ kind: 'close', tid });
  }

  /** The driver closed a transport: forget it; returns the connection it belonged to. */
  closed(tid: TransportId): Conn | undefined {
    const c = this.byTid.get(tid);
    if (!c) return undefined;
    this.byTid.delete(tid);
    c.tid = undefined;
    return c;
  }

  /** Hand `from`'s transport to `to` (closing `to`'s old one). */
  move(from: Conn, to: Conn): void {
    if (to.tid !== undefined) this.close(to);
    const tid = from.tid;
    from.tid = undefined;
    if (tid === undefined) return;
    to.tid = tid;
    to.writable = from.writable;
    to.localAddr = from.localAddr;
    to.socketPeerAddr = from.socketPeerAddr;
    this.byTid.set(tid, to);
  }

  pause(c: Conn): void {
    if (c.tid !== undefined) this.io.push({ kind: 'pause', tid: c.tid });
  }

  resume(c: Conn): void {
    if (c.tid !== undefined) this.io.push({ kind: 'resume', tid: c.tid });
  }

  /** The driver says whether a transport takes more bytes now. */
  writable(tid: TransportId, canWrite: boolean): void {
    const c = this.byTid.get(tid);
    if (!c) return;
    c.writable = canWrite;
    if (canWrite && c.proto.wantsWrite()) this.dirty.add(c);
  }

  /** ms_inject_socket_failures: fail c's transport as if the socket had broken. */
  injectSocketFailure(c: Conn, now: number): void {
    const log = this.core.log;
    if (log.level >= 1) log.write(1, `injecting socket failure on conn ${c.id}`);
    this.close(c);
    c.proto.onTransportClosed(new MsgrError('ERR_INJECTED', 'injected socket failure (ms_inject_socket_failures)'), now);
  }

  /** The next batch of bytes to write (see MessengerCore.pollTransmit). */
  pollTransmit(room: ((tid: TransportId) => number) | undefined): Transmit | undefined {
    if (this.dirty.size === 0) return undefined; // (no iterator for nothing: this runs after every input)
    const core = this.core;
    for (const c of this.dirty) {
      const tid = c.tid;
      if (tid === undefined || c.dead) {
        this.dirty.delete(c);
        continue;
      }
      if (!c.writable) continue;
      const batch = core.config.ms_write_batch_bytes;
      const bufs = c.proto.takeTransmit(core.now, room ? Math.min(batch, Math.max(0, room(tid))) : batch);
      if (!c.proto.wantsWrite()) this.dirty.delete(c);
      if (bufs && c.tid === tid) {
        if (core.injector?.socketFailure()) {
          this.injectSocketFailure(c, core.now);
          continue;
        }
        let bytes = 0;
        for (const b of bufs) bytes += b.length;
        return { tid, bufs, bytes };
      }
    }
    return undefined;
  }
}
