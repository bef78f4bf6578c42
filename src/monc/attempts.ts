/**
 * The connections a hunting MonClient has open to candidate mons (Ceph's pending_cons). A mon is
 * dialled on its v2 address when it has one, else on v1 (MessengerCore.pickTarget):
 *
 *  - msgr2 attempts authenticate in the handshake and are ready at ms_handle_connect;
 *  - msgr1 attempts queue a keepalive and the first MAuth at once (Ceph MonConnection::start) and
 *    are ready only when the MAuth login (mauth.ts) completes; the mon would drop anything else.
 *
 * A refusal is reported with the mon's name and address (`refusedBy`).
 */
import { formatAddrVec } from '../encoding/types/entity-addr.ts';
import { EntityType, formatEntityName, type EntityName } from '../encoding/types/entity-name.ts';
import { MsgrError, isMsgrError } from '../errors.ts';
import type { AuthClient } from '../core/auth/types.ts';
import { MAuthCodec, MAuthReplyCodec, type MAuth } from '../messages/auth.ts';
import type { Message } from '../messages/message.ts';
import type { Connection } from '../node/connection.ts';
import type { Messenger } from '../node/messenger.ts';
import type { MonAddr } from '../config/mon-host.ts';
import { dialAddrs } from './hunt.ts';
import { MAuthLogin } from './mauth.ts';

export interface Attempt {
  mon: MonAddr;
  /** msgr1 only: the MAuth login in progress */
  login?: MAuthLogin;
}

export type LoginOutcome =
  | { kind: 'more' }
  | { kind: 'ready'; mon: MonAddr; globalId: bigint }
  | { kind: 'refused'; mon: MonAddr; error: MsgrError };

/** The error a MonClient reports for a mon's refusal (keeps code and errno). */
export function refusedBy(mon: MonAddr, name: EntityName, error: MsgrError): MsgrError {
  return new MsgrError(error.code, `mon ${mon.name} (${formatAddrVec(mon.addrs)}) refused ${formatEntityName(name)}: ${error.message}`, {
    origin: 'remote',
    cause: error,
    ...(error.errno !== undefined ? { errno: error.errno } : {}),
  });
}

export function sendMAuth(c: Connection, m: MAuth): void {
  c.send(MAuthCodec.encode(m, c.features));
}

export class HuntAttempts {
  private readonly conns = new Map<Connection, Attempt>();

  constructor(
    private readonly messenger: Messenger,
    private readonly auth: AuthClient,
    private readonly name: EntityName,
  ) {}

  get size(): number {
    return this.conns.size;
  }

  get(conn: Connection): Attempt | undefined {
    return this.conns.get(conn);
  }

  delete(conn: Connection): boolean {
    return this.conns.delete(conn);
  }

  /** Dial `m`; on msgr1 the login starts with our global_id (reclaimed if the mon agrees). */
  dial(m: MonAddr, globalId: bigint, monmapEpoch: number): Connection {
    const c = this.messenger.connectTo(dialAddrs(m), EntityType.MON, { anon: true });
    const a: Attempt = { mon: m };
    this.conns.set(c, a);
    if (c.core?.proto.version === 1) {
      a.login = new MAuthLogin(this.auth, this.name, globalId, monmapEpoch);
      c.sendKeepalive();
      sendMAuth(c, a.login.start());
    }
    return c;
  }

  /** Mark every attempt but `keep` down and forget them all. */
  dropAll(keep?: Connection): void {
    for (const c of this.conns.keys()) if (c !== keep) c.markDown();
    this.conns.clear();
  }

  /** ms_handle_connect: the attempt if it is ready now (msgr2), undefined otherwise. */
  connected(conn: Connection): Attempt | undefined {
    const a = this.conns.get(conn);
    return a && !a.login ? a : undefined;
  }

  /** Is this an MAuthReply for a login in progress? */
  isLoginReply(conn: Connection, msg: Message): boolean {
    return msg.type === MAuthReplyCodec.type && !!this.conns.get(conn)?.login && !this.conns.get(conn)!.login!.isDone;
  }

  /** An MAuthReply on a msgr1 attempt: answer it, or report the login's end. */
  loginReply(conn: Connection, msg: Message): LoginOutcome {
    const a = this.conns.get(conn);
    if (!a?.login) throw new MsgrError('ERR_INVALID_ARG', 'not a msgr1 login attempt');
    let step;
    try {
      step = a.login.handleReply(MAuthReplyCodec.decode(msg, conn.features));
    } catch (e) {
      if (!isMsgrError(e)) throw e;
      step = { kind: 'error' as const, error: e };
    }
    if (step.kind === 'send') {
      sendMAuth(conn, step.mauth);
      return { kind: 'more' };
    }
    if (step.kind === 'done') return { kind: 'ready', mon: a.mon, globalId: step.globalId };
    this.conns.delete(conn);
    conn.markDown();
    return { kind: 'refused', mon: a.mon, error: step.error };
  }
}
