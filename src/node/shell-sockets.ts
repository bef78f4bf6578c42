/**
 * The Node shell's sockets: one per open core transport. Accepted and connected sockets are
 * wired to the core's transport inputs (connected / received / writable / closed), and the
 * core's IO commands (connect / close / pause / resume) are carried out on them.
 */
import { AddrType, type EntityAddr } from '../encoding/types/entity-addr.ts';
import type { IoCommand, TransportId } from '../core/events.ts';
import { randomU32 } from '../core/random.ts';
import { CongestedSock } from './congestion.ts';
import type { Sock } from './env.ts';
import { connByTid, logBytes } from './log-sink.ts';
import type { Messenger } from './messenger.ts';

export class ShellSockets {
  /** the socket of each open transport */
  readonly socks = new Map<TransportId, Sock>();

  constructor(private readonly m: Messenger) {}

  /** How many bytes a transport takes before its high-water mark (sizes write batches). */
  readonly room = (tid: TransportId): number => this.socks.get(tid)?.writeRoom?.() ?? Infinity;

  /** A listener accepted a socket (`listenAddr`'s type selects msgr2 or msgr1). */
  accept(sock: Sock, local: EntityAddr | undefined, peer: EntityAddr, listenAddr: EntityAddr): void {
    const m = this.m;
    if (m.state !== 'started') {
      sock.destroy();
      return;
    }
    const tid = m.core.accepted(local, peer, m.env.now(), listenAddr.type === AddrType.LEGACY ? 1 : 2);
    this.wire(tid, sock);
    m.pump();
  }

  private wire(tid: TransportId, raw: Sock): void {
    const m = this.m;
    // ms_inject_network_congestion: N-1 of N writes would block (test knob, src/node/congestion.ts)
    const cfg = m.core.config;
    const sock = cfg.ms_inject_network_congestion > 0
      ? new CongestedSock(raw, () => cfg.ms_inject_network_congestion, m.env, (cfg.ms_inject_seed || randomU32(m.env.random)) ^ tid)
      : raw;
    this.socks.set(tid, sock);
    sock.onConnect = (local) => {
      m.core.connected(tid, local, m.env.now());
      m.pump();
    };
    sock.onData = (chunk) => {
      const t0 = performance.now();
      if (m.core.log.level >= 20) logBytes(m.core.log, connByTid(m.core, tid), 'read', [chunk]);
      m.core.received(tid, chunk, m.env.now());
      m.shellCounters.recvMs += performance.now() - t0;
      m.pump();
    };
    sock.onDrain = () => {
      m.core.writable(tid, true, m.env.now());
      m.pump();
    };
    sock.onClose = (err) => {
      this.socks.delete(tid);
      m.core.closed(tid, err, m.env.now());
      m.pump();
    };
  }

  /** Carry out one of the core's IO commands. */
  handleIo(io: IoCommand): void {
    switch (io.kind) {
      case 'connect': {
        const sock = this.m.env.net.connect(io.addr);
        this.wire(io.tid, sock);
        return;
      }
      case 'close': {
        const s = this.socks.get(io.tid);
        if (s) {
          this.socks.delete(io.tid);
          s.destroy();
        }
        return;
      }
      case 'pause':
        this.socks.get(io.tid)?.pause();
        return;
      case 'resume':
        this.socks.get(io.tid)?.resume();
        return;
    }
  }

  /** Destroy every socket (shutdown). */
  destroyAll(): void {
    for (const [tid, s] of this.socks) {
      s.destroy();
      this.socks.delete(tid);
    }
  }

  /** Per open transport: bytes written to the socket and not yet handed to the OS. */
  backlog(): number[] {
    return [...this.socks.values()].map((s) => s.buffered?.() ?? 0);
  }
}
