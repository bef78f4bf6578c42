/**
 * Fault-injection breakpoints in crimson's style (src/crimson/net/Interceptor.h): custom points
 * (socket connecting/accepted, banner write/read) or a frame tag with a direction, e.g.
 * 'SERVER_IDENT:w', 'MESSAGE:r'. The core asks the interceptor at each point; the answer is
 * CONTINUE, FAULT (take the fault path before the operation), BLOCK (park the connection until
 * `unblock`), or STALL (let the operation complete, then kill the socket and park).
 */
import type { ConnId } from './events.ts';

export type CustomPoint = 'SOCKET_CONNECTING' | 'SOCKET_ACCEPTED' | 'BANNER_WRITE' | 'BANNER_READ' | 'BANNER_PAYLOAD_READ';
export type Breakpoint = CustomPoint | `${string}:${'r' | 'w'}`;
export type InterceptAction = 'CONTINUE' | 'FAULT' | 'BLOCK' | 'STALL';

export interface Interceptor {
  intercept(conn: ConnId, bp: Breakpoint): InterceptAction;
}
