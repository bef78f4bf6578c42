/**
 * Ceph's FakeDispatcher (src/test/msgr/test_msgr.cc): counts messages per connection in the
 * connection's priv slot, records connect/accept/reset/remote-reset events, and in server mode
 * answers every ping with a ping. Seqs are checked like ms_die_on_old_message: a message whose
 * seq is not above the last one on that connection is recorded as a violation.
 */
import { Message } from '../../src/messages/message.ts';
import type { Connection } from '../../src/node/connection.ts';
import type { Dispatcher } from '../../src/node/dispatcher.ts';
import type { MsgrError } from '../../src/errors.ts';

export const PING = 2;

export interface ConnSession {
  count: number;
  lastSeq: bigint;
  payloads: string[];
}

export function session(c: Connection): ConnSession {
  if (!c.priv) c.priv = { count: 0, lastSeq: 0n, payloads: [] } satisfies ConnSession;
  return c.priv as ConnSession;
}

export function ping(text = ''): Message {
  return new Message({ type: PING, data: Buffer.from(text) });
}

export class FakeDispatcher implements Dispatcher {
  connects = 0;
  accepts = 0;
  resets = 0;
  remoteResets = 0;
  refused: MsgrError[] = [];
  messages = 0;
  /** every payload received, in order, across connections */
  received: string[] = [];
  violations: string[] = [];
  lastAccepted: Connection | undefined;
  events: string[] = [];

  constructor(readonly isServer: boolean) {}

  dispatch(m: Message, c: Connection): void {
    const s = session(c);
    if (!c.isLoopback) {
      if (m.seq <= s.lastSeq && !c.lossy) this.violations.push(`${c}: seq ${m.seq} after ${s.lastSeq}`);
      s.lastSeq = m.seq;
    }
    s.count++;
    s.payloads.push(m.data.toString());
    this.received.push(m.data.toString());
    this.messages++;
    if (this.isServer && m.type === PING && !c.isLoopback) c.send(ping('re:' + m.data.toString()));
  }
  handleConnect(c: Connection): void {
    this.connects++;
    this.events.push(`connect ${c.id}`);
    session(c);
  }
  handleAccept(c: Connection): void {
    this.accepts++;
    this.lastAccepted = c;
    this.events.push(`accept ${c.id}`);
    session(c);
  }
  handleReset(c: Connection): void {
    this.resets++;
    this.events.push(`reset ${c.id}`);
  }
  handleRemoteReset(c: Connection): void {
    this.remoteResets++;
    this.events.push(`remote-reset ${c.id}`);
    const s = session(c);
    s.count = 0;
    s.lastSeq = 0n;
  }
  handleRefused(_c: Connection, e: MsgrError): void {
    this.refused.push(e);
  }
}
