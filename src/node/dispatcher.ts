/**
 * The upper layer's interface to a messenger (Ceph's Dispatcher, src/msg/Dispatcher.h).
 * All methods are optional. `dispatch` may return a Promise: the messenger then waits for it
 * before delivering the next message (Ceph's single dispatch thread), and keeps the message's
 * bytes counted against ms_dispatch_throttle_bytes until it settles — a slow dispatcher slows
 * its peers down through TCP instead of growing memory.
 */
import type { MsgrError } from '../errors.ts';
import type { Message } from '../messages/message.ts';
import type { Connection } from './connection.ts';

export interface Dispatcher {
  /** ms_dispatch: a message arrived. Return true/void when handled. */
  dispatch?(msg: Message, conn: Connection): void | boolean | Promise<void | boolean>;
  /** ms_handle_connect: a session we initiated is ready (also after a transparent reconnect) */
  handleConnect?(conn: Connection): void;
  /** ms_handle_accept: a peer's session is ready on our side */
  handleAccept?(conn: Connection): void;
  /** ms_handle_reset: the connection is gone (lossy fault, or refused); send on a new one */
  handleReset?(conn: Connection, error?: MsgrError): void;
  /** ms_handle_remote_reset: the peer reset the session; queued messages were discarded */
  handleRemoteReset?(conn: Connection): void;
  /** ms_handle_refused: the peer refused us (auth, features). `final` = no more retries */
  handleRefused?(conn: Connection, error: MsgrError, final: boolean): void;
}
