/**
 * Helpers for the liveness scenarios (S11, S12): a server reachable only through a TcpProxy (it
 * advertises the proxy's address as its own, as a daemon behind a port forward would with
 * public_addr), and a log of a client's faults and deliveries with timestamps of the world's clock.
 */
import { AddrType, makeAddr, type EntityAddr } from '../../src/encoding/types/entity-addr.ts';
import type { MsgrError } from '../../src/errors.ts';
import type { MsgrConfig } from '../../src/core/config.ts';
import type { Policy } from '../../src/core/session/policy.ts';
import type { Connection } from '../../src/node/connection.ts';
import type { Messenger } from '../../src/node/messenger.ts';
import { TcpProxy } from '../../src/testing/tcp-proxy.ts';
import type { World } from './world.ts';
import { FakeDispatcher } from './fake-dispatcher.ts';

/** IPs in the simulator (over TCP everything is 127.0.0.1). */
export const SERVER_IP = '127.0.0.1';
export const CLIENT_IP = '127.0.0.2';
export const PROXY_IP = '127.0.0.3';

export interface ProxiedServer {
  srv: Messenger;
  sd: FakeDispatcher;
  proxy: TcpProxy;
  /** the address clients dial: the proxy's, with the server's nonce */
  addrs: EntityAddr[];
}

const live = new WeakMap<World, TcpProxy[]>();

/** Close every proxy serverBehindProxy made in this world (listeners and links). */
export async function closeProxies(w: World): Promise<void> {
  for (const p of live.get(w) ?? []) await p.close();
  live.delete(w);
}

export async function serverBehindProxy(w: World, policy: Policy, config: Partial<MsgrConfig>): Promise<ProxiedServer> {
  const srv = w.messenger({ name: 'osd.0', config }, SERVER_IP);
  srv.setDefaultPolicy(policy);
  const sd = new FakeDispatcher(true);
  srv.addDispatcher(sd);
  const real = await srv.bind(`v2:${SERVER_IP}:0`);
  const ip = w.kind === 'sim' ? PROXY_IP : '127.0.0.1';
  const proxy = await TcpProxy.start({ env: w.env(ip), upstream: real[0]!, listen: makeAddr(AddrType.MSGR2, ip, 0, 0) });
  live.set(w, [...(live.get(w) ?? []), proxy]);
  const addrs = [{ ...proxy.addr, nonce: srv.nonce }];
  srv.core.setMyAddrsExact(addrs);
  await srv.start();
  return { srv, sd, proxy, addrs };
}

/** Faults (with their codes) and keepalive acks of one messenger, stamped with its clock. */
export class ConnLog {
  readonly faults: Array<{ t: number; code: string; state: string; conn: Connection }> = [];
  readonly acks: number[] = [];
  readonly resets: number[] = [];
  readonly remoteResets: number[] = [];

  constructor(readonly m: Messenger) {
    m.on('fault', (conn: Connection, e: MsgrError, state: string) => this.faults.push({ t: m.env.now(), code: e.code, state, conn }));
    m.on('keepalive-ack', () => this.acks.push(m.env.now()));
    m.on('reset', () => this.resets.push(m.env.now()));
    m.on('remote-reset', () => this.remoteResets.push(m.env.now()));
  }

  faultTimes(code: string): number[] {
    return this.faults.filter((f) => f.code === code).map((f) => f.t);
  }
}

/** Payloads check for exactly-once in order: returns a description of what is wrong, or ''. */
export function exactlyOnce(got: readonly string[], want: readonly string[]): string {
  const seen = new Set<string>();
  const dups = got.filter((x) => (seen.has(x) ? true : (seen.add(x), false)));
  const missing = want.filter((x) => !seen.has(x));
  const order = got.filter((x) => want.includes(x)).join(',') === want.filter((x) => seen.has(x)).join(',');
  if (!dups.length && !missing.length && order) return '';
  return `duplicates [${dups.join(',')}] missing [${missing.join(',')}] inOrder ${order}`;
}
