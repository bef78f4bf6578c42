/**
 * The MonClient's tick on an established session (Ceph MonClient::tick): every `pingInterval` s a
 * KEEPALIVE2 and a ticket-renewal check; when the mon has not acked a keepalive for `pingTimeout`
 * s (0 = never give up) the session is declared dead with ERR_KEEPALIVE_TIMEOUT.
 */
import { MsgrError } from '../errors.ts';
import type { Connection } from '../node/connection.ts';
import type { Env, TimerHandle } from '../node/env.ts';

export interface TickedSession {
  conn: Connection;
  mon: { name: string };
  /** when the mon last acked a keepalive (or the session began), ms */
  lastAck: number;
}

export interface TickHooks {
  /** the session to tick, undefined when there is none (the tick then stops) */
  session(): TickedSession | undefined;
  /** the mon stopped answering */
  dead(err: MsgrError): void;
  /** check (and send) a ticket renewal */
  renew(): void;
  keepaliveSent(): void;
}

export class SessionTick {
  private timer: TimerHandle | undefined;

  constructor(
    private readonly env: Pick<Env, 'now' | 'setTimer'>,
    private readonly o: { pingInterval: number; pingTimeout: number },
    private readonly hooks: TickHooks,
  ) {}

  /** (Re)arm the tick. */
  schedule(): void {
    this.timer?.cancel();
    this.timer = this.env.setTimer(this.o.pingInterval * 1000, () => {
      this.timer = undefined;
      this.tick();
    });
  }

  stop(): void {
    this.timer?.cancel();
    this.timer = undefined;
  }

  private tick(): void {
    const s = this.hooks.session();
    if (!s) return;
    const silent = this.env.now() - s.lastAck;
    if (this.o.pingTimeout > 0 && silent > this.o.pingTimeout * 1000) {
      this.hooks.dead(new MsgrError('ERR_KEEPALIVE_TIMEOUT', `no keepalive ack from ${s.mon.name} for ${silent} ms`));
      return;
    }
    s.conn.sendKeepalive();
    this.hooks.keepaliveSent();
    this.hooks.renew();
    this.schedule();
  }
}
