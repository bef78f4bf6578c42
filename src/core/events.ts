/**
 * What the sans-IO messenger core tells its driver: IO commands (open/close/pause/resume a
 * transport), bytes to write, and upper-layer events (dispatch, connect, accept, reset, …).
 */
import type { Buffer } from 'node:buffer';
import type { EntityAddr } from '../encoding/types/entity-addr.ts';
import type { Message } from '../messages/message.ts';
import type { MsgrError } from '../errors.ts';
import type { ThrottleToken } from './context.ts';

export type ConnId = number;
export type TransportId = number;

export type IoCommand =
  /** open a TCP connection to addr; answer with connected(tid) or closed(tid) */
  | { kind: 'connect'; tid: TransportId; addr: EntityAddr }
  /** close (destroy) the transport; no further callbacks are needed */
  | { kind: 'close'; tid: TransportId }
  /** stop reading from the transport (throttle / backpressure) */
  | { kind: 'pause'; tid: TransportId }
  | { kind: 'resume'; tid: TransportId };

export interface Transmit {
  tid: TransportId;
  bufs: Buffer[];
  bytes: number;
}

export type MsgrEvent =
  /** a message arrived; give `throttle` back with dispatchComplete() when done with it */
  | { kind: 'dispatch'; conn: ConnId; msg: Message; throttle: ThrottleToken | undefined }
  /** a session we initiated became ready (SERVER_IDENT / SESSION_RECONNECT_OK) */
  | { kind: 'connect'; conn: ConnId }
  /** a peer's session became ready on our side */
  | { kind: 'accept'; conn: ConnId }
  /** a connection the upper layer knew about is gone (lossy fault, or peer reset on a lossy link) */
  | { kind: 'reset'; conn: ConnId; error?: MsgrError }
  /** the peer reset our session: queued and unacked messages were discarded */
  | { kind: 'remote-reset'; conn: ConnId; discarded: number }
  /** the peer refused us (auth, features); `final` = the connection gives up (else it retries) */
  | { kind: 'refused'; conn: ConnId; error: MsgrError; final: boolean }
  /** a socket-level fault on a connection (it may recover) — for counters/logs */
  | { kind: 'fault'; conn: ConnId; error: MsgrError; state: string }
  /** a KEEPALIVE2_ACK arrived */
  | { kind: 'keepalive-ack'; conn: ConnId; stampMs: number }
  /** messages of the local queue that were acknowledged by the peer (lossless) */
  | { kind: 'acked'; conn: ConnId; count: number }
  /** the reaper freed a dead connection: its queue was discarded, it is unregistered */
  | { kind: 'reaped'; conn: ConnId; discarded: number }
  /** the protocol reached a named step (interceptor/step history) */
  | { kind: 'step'; conn: ConnId; step: string };
