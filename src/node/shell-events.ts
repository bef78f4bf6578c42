/**
 * The Node shell's handling of the core's upper-layer events: dispatches go to the dispatch
 * queue; connection events (connect, accept, reset, remote-reset, refused) are handed to every
 * dispatcher and then emitted on the messenger; the others are only emitted.
 */
import type { ConnId, MsgrEvent } from '../core/events.ts';
import type { Connection } from './connection.ts';
import type { DispatchQueue } from './dispatch-queue.ts';
import type { Dispatcher } from './dispatcher.ts';
import { publishEvent } from './log-sink.ts';
import type { Messenger } from './messenger.ts';

export class ShellEvents {
  constructor(
    private readonly m: Messenger,
    private readonly dq: DispatchQueue,
  ) {}

  handle(ev: MsgrEvent): void {
    const m = this.m;
    if (ev.kind !== 'dispatch') {
      m.shellCounters.onEvent(ev);
      publishEvent(m.core, m.core.getConn(ev.conn), ev);
    }
    switch (ev.kind) {
      case 'dispatch':
        this.dq.push(ev.msg, m.handle(ev.conn), ev.throttle);
        return;
      case 'connect':
        return this.callDispatchers('connect', ev.conn, (d, c) => d.handleConnect?.(c));
      case 'accept':
        return this.callDispatchers('accept', ev.conn, (d, c) => d.handleAccept?.(c));
      case 'reset':
        return this.callDispatchers('reset', ev.conn, (d, c) => d.handleReset?.(c, ev.error), ev.error);
      case 'remote-reset':
        return this.callDispatchers('remote-reset', ev.conn, (d, c) => d.handleRemoteReset?.(c));
      case 'refused':
        return this.callDispatchers('refused', ev.conn, (d, c) => d.handleRefused?.(c, ev.error, ev.final), ev.error, ev.final);
      case 'reaped':
        m.emit('reaped', m.handle(ev.conn), ev.discarded);
        m.forgetHandle(ev.conn);
        return;
      case 'fault':
        m.emit('fault', m.handle(ev.conn), ev.error, ev.state);
        return;
      case 'keepalive-ack':
        m.emit('keepalive-ack', m.handle(ev.conn), ev.stampMs);
        return;
      case 'acked':
        m.emit('acked', m.handle(ev.conn), ev.count);
        return;
      case 'step':
        m.emit('step', m.handle(ev.conn), ev.step);
        return;
    }
  }

  private callDispatchers(name: string, id: ConnId, f: (d: Dispatcher, c: Connection) => void, ...extra: unknown[]): void {
    const m = this.m;
    const c = m.handle(id);
    for (const d of m.dispatcherList) {
      try {
        f(d, c);
      } catch (e) {
        m.reportDispatchError(e, c);
      }
    }
    m.emit(name, c, ...extra);
  }
}

