/**
 * Per-socket auth state of a msgr1 connection: the authorizer we sent or received, the cephx
 * session key it established (for message signatures), and the handlers kept across a
 * CHALLENGE_AUTHORIZER round.
 */
import type { Buffer } from 'node:buffer';
import type { AuthClientHandler, AuthServerHandler } from '../auth/types.ts';

/** Auth state of the current socket. */
export interface V1Auth {
  /** authorizer protocol sent (client) or received (server); 0 = no authorizer */
  method: number;
  /** session key from the authorizer exchange (cephx), for message signatures */
  sessionKey: Buffer | undefined;
  client: AuthClientHandler | undefined;
  /** the client handler already answered a challenge */
  clientChallenged: boolean;
  /** client: the authorizer answering the server's challenge (resent until READY/BADAUTHORIZER) */
  authorizerMore: Buffer | undefined;
  /** server: the verifier kept across a CHALLENGE_AUTHORIZER round on this socket */
  server: AuthServerHandler | undefined;
}

export function freshAuth(): V1Auth {
  return { method: 0, sessionKey: undefined, client: undefined, clientChallenged: false, authorizerMore: undefined, server: undefined };
}
