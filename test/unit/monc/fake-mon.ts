/**
 * A small fake monitor for MonClient tests, built on our own Messenger (real TCP on 127.0.0.1):
 * answers MMonGetMap with a monmap naming itself, MMonSubscribe with the monmap / an empty
 * MConfig, MMonGetVersion, and MMonCommand through a replaceable handler. Auth none by default,
 * or any AuthServer (e.g. cephx). It can be stopped and started again on the same port.
 */
import { createServer } from 'node:net';
import { Buffer } from 'node:buffer';
import { AuthNoneServer } from '../../../src/core/auth/none.ts';
import type { AuthServer } from '../../../src/core/auth/types.ts';
import type { MsgrConfig } from '../../../src/core/config.ts';
import { Policy } from '../../../src/core/session/policy.ts';
import { AddrType, makeAddr, type EntityAddr } from '../../../src/encoding/types/entity-addr.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { MConfigCodec } from '../../../src/messages/config.ts';
import type { Message } from '../../../src/messages/message.ts';
import { MMonCommandAckCodec, MMonCommandCodec, type MMonCommand } from '../../../src/messages/mon-command.ts';
import { MMonGetVersionCodec, MMonGetVersionReplyCodec } from '../../../src/messages/mon-get-version.ts';
import { MMonMapCodec, type MonMap } from '../../../src/messages/mon-map.ts';
import { MMonSubscribeCodec, type MMonSubscribe } from '../../../src/messages/mon-subscribe.ts';
import { MsgType } from '../../../src/messages/msg-types.ts';
import type { Connection } from '../../../src/node/connection.ts';
import { Messenger } from '../../../src/node/messenger.ts';

export const FSID = '7b1d2c3e-4f50-4a6b-8c9d-0e1f2a3b4c5d';

/** A one-epoch Pacific monmap naming `mons` (name -> addresses), as the fake mons serve it. */
export function fakeMonMap(mons: ReadonlyMap<string, EntityAddr[]>, fsid: string = FSID): MonMap {
  return {
    fsid,
    epoch: 1,
    lastChanged: { sec: 1700000000, nsec: 0 },
    created: { sec: 1700000000, nsec: 0 },
    persistentFeatures: 0n,
    optionalFeatures: 0n,
    mons: new Map([...mons].map(([n, a]) => [n, { name: n, publicAddrs: a, priority: 0, weight: 0, crushLoc: new Map() }])),
    ranks: [...mons.keys()],
    minMonRelease: 16,
    removedRanks: [],
    electionStrategy: 1,
    disallowedLeaders: [],
    stretchModeEnabled: false,
    tiebreakerMon: '',
    stretchMarkedDownMons: [],
  };
}

/** a reply; 'drop' = never answer; 'hold' = never answer and keep the dispatch queue (and its throttle) busy until release() */
export type CommandReply = { r: number; rs: string; data?: Buffer } | 'drop' | 'hold';

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

let nextGid = 5000n;

export interface FakeMonOptions {
  name?: string;
  port?: number;
  authServer?: AuthServer;
  fsid?: string;
  /** the mons of the monmap (default: just this one) */
  monmap?: () => Map<string, EntityAddr[]>;
  config?: Partial<MsgrConfig>;
}

export class FakeMon {
  ms: Messenger | undefined;
  readonly name: string;
  port = 0;
  readonly commands: MMonCommand[] = [];
  readonly subscribes: MMonSubscribe[] = [];
  readonly received: number[] = [];
  accepted = 0;
  private holds: (() => void)[] = [];
  onCommand: (cmd: MMonCommand, conn: Connection) => CommandReply = (c) => ({ r: 0, rs: 'ok', data: Buffer.from(`echo ${c.cmd.join(' ')}`) });

  private constructor(private readonly o: FakeMonOptions) {
    this.name = o.name ?? 'a';
  }

  static async start(o: FakeMonOptions = {}): Promise<FakeMon> {
    const m = new FakeMon(o);
    await m.up(o.port);
    return m;
  }

  get addrs(): EntityAddr[] {
    return [makeAddr(AddrType.MSGR2, '127.0.0.1', this.port, 0)];
  }

  get monHost(): string {
    return `v2:127.0.0.1:${this.port}`;
  }

  monmap(): MonMap {
    const mons = this.o.monmap?.() ?? new Map([[this.name, this.addrs]]);
    return fakeMonMap(mons, this.o.fsid ?? FSID);
  }

  /** (Re)start listening, on `port` (or the previous one, or a fresh one). */
  async up(wanted?: number): Promise<void> {
    const port = wanted ?? (this.port || (await freePort()));
    const ms = Messenger.create({
      name: `mon.${this.name}`,
      nonce: 0,
      authServer: this.o.authServer ?? new AuthNoneServer({ nextGlobalId: () => ++nextGid }),
      ...(this.o.config ? { config: this.o.config } : {}),
    });
    ms.setDefaultPolicy(Policy.stateless_server());
    ms.setPolicy(EntityType.CLIENT, Policy.stateless_server());
    await ms.bind(`v2:127.0.0.1:${port}`);
    ms.on('accept', () => this.accepted++);
    ms.addDispatcher({ dispatch: (msg, conn) => this.dispatch(msg, conn) });
    await ms.start();
    this.ms = ms;
    this.port = port;
  }

  /** Let held commands go (see CommandReply 'hold'). */
  release(): void {
    for (const r of this.holds.splice(0)) r();
  }

  async down(): Promise<void> {
    this.release();
    const ms = this.ms;
    this.ms = undefined;
    await ms?.shutdown();
  }

  private dispatch(msg: Message, conn: Connection): void | Promise<void> {
    this.received.push(msg.type);
    const f = conn.features;
    switch (msg.type) {
      case MsgType.MON_GET_MAP:
        conn.send(MMonMapCodec.encode({ monmap: this.monmap() }, f));
        return;
      case MsgType.MON_SUBSCRIBE: {
        const s = MMonSubscribeCodec.decode(msg, f);
        this.subscribes.push(s);
        if (s.what.has('monmap')) conn.send(MMonMapCodec.encode({ monmap: this.monmap() }, f));
        if (s.what.has('config')) conn.send(MConfigCodec.encode({ config: new Map([['debug_ms', '0/0']]) }, f));
        return;
      }
      case MsgType.MON_GET_VERSION: {
        const v = MMonGetVersionCodec.decode(msg, f);
        conn.send(MMonGetVersionReplyCodec.encode({ handle: v.handle, version: 42n, oldestVersion: 7n, tid: msg.tid }, f));
        return;
      }
      case MsgType.MON_COMMAND: {
        const c = MMonCommandCodec.decode(msg, f);
        this.commands.push(c);
        const reply = this.onCommand(c, conn);
        if (reply === 'drop') return;
        if (reply === 'hold') return new Promise<void>((r) => this.holds.push(r));
        conn.send(MMonCommandAckCodec.encode({ r: reply.r, rs: reply.rs, cmd: c.cmd, tid: msg.tid, ...(reply.data ? { outbl: reply.data } : {}) }, f));
        return;
      }
    }
  }
}
