/**
 * A fake msgr1-only monitor for MonClient tests (our own Messenger bound on a v1 address, real
 * TCP): it authenticates clients with MAuth the way AuthMonitor::prep_auth does (wire §6.9) —
 * auth none in one round, cephx through CephxAuthServer.startMsgr1 + handleMAuth (also ticket
 * renewals on the established session) — and, like a real mon, drops every other message from a
 * session that has not logged in (recording it in `early`, which tests expect to stay empty).
 * Then MMonGetMap / MMonSubscribe → MMonMap + MConfig, MMonCommand → MMonCommandAck.
 */
import { Buffer } from 'node:buffer';
import type { CephxAuthServer } from '../../../src/core/auth/cephx-server.ts';
import type { CephxMonSession } from '../../../src/core/auth/cephx-mon-session.ts';
import { decodeMAuthInitial } from '../../../src/core/auth/mauth.ts';
import { AuthNoneServer } from '../../../src/core/auth/none.ts';
import { AuthMethod } from '../../../src/core/auth/types.ts';
import { Policy } from '../../../src/core/session/policy.ts';
import { AddrType, makeAddr, type EntityAddr } from '../../../src/encoding/types/entity-addr.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { MAuthCodec, MAuthReplyCodec, type MAuth, type MAuthReply } from '../../../src/messages/auth.ts';
import { MConfigCodec } from '../../../src/messages/config.ts';
import type { Message } from '../../../src/messages/message.ts';
import { MMonCommandAckCodec, MMonCommandCodec, type MMonCommand } from '../../../src/messages/mon-command.ts';
import { MMonMapCodec, type MonMap } from '../../../src/messages/mon-map.ts';
import { MsgType } from '../../../src/messages/msg-types.ts';
import type { Connection } from '../../../src/node/connection.ts';
import { Messenger } from '../../../src/node/messenger.ts';
import { FSID, fakeMonMap, freePort } from './fake-mon.ts';

export { FSID };

let nextGid = 7000n;

export interface FakeV1MonOptions {
  name?: string;
  ip?: string;
  port?: number;
  /** authenticate with cephx (a mon-mode CephxAuthServer) instead of auth none */
  cephx?: CephxAuthServer;
  /** the mons of the monmap (default: just this one) */
  monmap?: () => Map<string, EntityAddr[]>;
}

interface Login {
  done: boolean;
  globalId: bigint;
  cephx?: CephxMonSession;
}

export class FakeV1Mon {
  ms: Messenger | undefined;
  readonly name: string;
  readonly ip: string;
  port = 0;
  /** every MAuth received, in order */
  readonly mauths: MAuth[] = [];
  /** types of the messages a not-yet-authenticated session sent (dropped, as a mon does) */
  readonly early: number[] = [];
  /** types of every message received */
  readonly received: number[] = [];
  readonly commands: MMonCommand[] = [];
  accepted = 0;
  renewals = 0;
  /** failure injection: answer the n-th MAuth (1-based, over all sessions) with this instead */
  onMAuth: ((m: MAuth, n: number) => MAuthReply | 'drop' | undefined) | undefined;
  private readonly logins = new Map<Connection, Login>();

  private constructor(private readonly o: FakeV1MonOptions) {
    this.name = o.name ?? 'a';
    this.ip = o.ip ?? '127.0.0.1';
  }

  static async start(o: FakeV1MonOptions = {}): Promise<FakeV1Mon> {
    const m = new FakeV1Mon(o);
    await m.up(o.port);
    return m;
  }

  get addrs(): EntityAddr[] {
    return [makeAddr(AddrType.LEGACY, this.ip, this.port, 0)];
  }

  monmap(): MonMap {
    const mons = this.o.monmap?.() ?? new Map([[this.name, this.addrs]]);
    return fakeMonMap(mons);
  }

  /** (Re)start listening on `port` (or the previous one, or a fresh one). */
  async up(wanted?: number): Promise<void> {
    const port = wanted ?? (this.port || (await freePort()));
    // no authorizer comes from clients to a mon; the auth server is never asked
    const ms = Messenger.create({ name: `mon.${this.name}`, nonce: 0, authServer: new AuthNoneServer() });
    ms.setDefaultPolicy(Policy.stateless_server());
    ms.setPolicy(EntityType.CLIENT, Policy.stateless_server());
    await ms.bind(`v1:${this.ip}:${port}`);
    ms.on('accept', () => this.accepted++);
    ms.addDispatcher({ dispatch: (msg, conn) => this.dispatch(msg, conn), handleReset: (conn) => void this.logins.delete(conn) });
    await ms.start();
    this.ms = ms;
    this.port = port;
  }

  async down(): Promise<void> {
    const ms = this.ms;
    this.ms = undefined;
    this.logins.clear();
    await ms?.shutdown();
  }

  private reply(conn: Connection, r: Omit<MAuthReply, 'resultMsg'> & { resultMsg?: string }): void {
    conn.send(MAuthReplyCodec.encode({ resultMsg: '', ...r }, conn.features));
  }

  private dispatch(msg: Message, conn: Connection): void {
    this.received.push(msg.type);
    if (msg.type === MsgType.AUTH) return this.handleMAuth(MAuthCodec.decode(msg, conn.features), conn);
    if (!this.logins.get(conn)?.done) {
      this.early.push(msg.type);
      return;
    }
    const f = conn.features;
    switch (msg.type) {
      case MsgType.MON_GET_MAP:
      case MsgType.MON_SUBSCRIBE:
        conn.send(MMonMapCodec.encode({ monmap: this.monmap() }, f));
        if (msg.type === MsgType.MON_SUBSCRIBE) conn.send(MConfigCodec.encode({ config: new Map() }, f));
        return;
      case MsgType.MON_COMMAND: {
        const c = MMonCommandCodec.decode(msg, f);
        this.commands.push(c);
        conn.send(MMonCommandAckCodec.encode({ r: 0, rs: 'ok', cmd: c.cmd, tid: msg.tid, outbl: Buffer.from(`v1 ${c.cmd.join(' ')}`) }, f));
        return;
      }
    }
  }

  private handleMAuth(m: MAuth, conn: Connection): void {
    this.mauths.push(m);
    const injected = this.onMAuth?.(m, this.mauths.length);
    if (injected === 'drop') return;
    if (injected) return this.reply(conn, injected);
    const login = this.logins.get(conn);
    if (m.protocol === AuthMethod.UNKNOWN) {
      const init = decodeMAuthInitial(m.authPayload);
      const method = this.o.cephx ? AuthMethod.CEPHX : AuthMethod.NONE;
      if (!init.methods.includes(method)) return this.reply(conn, { protocol: 0, result: -95, globalId: 0n, resultBl: Buffer.alloc(0) });
      if (method === AuthMethod.NONE) {
        const globalId = init.globalId || ++nextGid;
        this.logins.set(conn, { done: true, globalId });
        return this.reply(conn, { protocol: method, result: 0, globalId, resultBl: Buffer.alloc(0) });
      }
      const { session, step } = this.o.cephx!.startMsgr1(init.name, init.globalId);
      this.logins.set(conn, { done: false, globalId: session.globalId, cephx: session });
      const bl = step.kind === 'more' ? step.payload : Buffer.alloc(0);
      return this.reply(conn, { protocol: method, result: step.kind === 'error' ? step.errno : 0, globalId: session.globalId, resultBl: bl });
    }
    if (!login?.cephx) return this.reply(conn, { protocol: m.protocol, result: -13, globalId: 0n, resultBl: Buffer.alloc(0) });
    if (login.done) this.renewals++;
    const out = login.cephx.handleMAuth(m.authPayload);
    if (out.errno < 0 || !('payload' in out)) return this.reply(conn, { protocol: m.protocol, result: out.errno || -13, globalId: login.globalId, resultBl: Buffer.alloc(0) });
    login.done = true;
    this.reply(conn, { protocol: m.protocol, result: 0, globalId: login.globalId, resultBl: out.payload });
  }
}
