/**
 * A small cephx "cluster" for client↔server loop tests: a keyring (client.admin, mon., osd.0,
 * client.nocaps), a key server with rotating AUTH/MON/OSD/MGR secrets, a mon-mode server, and a
 * driver that runs one exchange (AUTH_REQUEST → [AUTH_REPLY_MORE → AUTH_REQUEST_MORE]* → AUTH_DONE).
 */
import assert from 'node:assert/strict';
import { CephxAuthClient, type CephxClientOptions } from '../../../../src/core/auth/cephx-client.ts';
import { CephxKeyServer } from '../../../../src/core/auth/cephx-keyserver.ts';
import { CephxAuthServer, type CephxServerOptions } from '../../../../src/core/auth/cephx-server.ts';
import { formatKeyValue, parseKeyring, type Keyring } from '../../../../src/core/auth/keyring.ts';
import type { AuthClientHandler, AuthResult, AuthServerHandler, AuthServerStep } from '../../../../src/core/auth/types.ts';
import { EntityType, type EntityName } from '../../../../src/encoding/types/entity-name.ts';
import { manualClock, seededRandom } from './helpers.ts';

export const ADMIN: EntityName = { type: EntityType.CLIENT, id: 'admin' };

export interface Cluster {
  keyring: Keyring;
  keys: CephxKeyServer;
  clock: ReturnType<typeof manualClock>;
  random: (n: number) => Buffer;
  mon: CephxAuthServer;
  /** a non-mon daemon (e.g. an OSD) that verifies authorizers with the rotating secrets */
  osd: CephxAuthServer;
  nextGlobalId: () => bigint;
  client(opts?: Partial<CephxClientOptions>): CephxAuthClient;
}

export function makeCluster(seed = 'cluster', serverOpts: Partial<CephxServerOptions> = {}, monOpts: { allowInsecureGlobalIdReclaim?: boolean } = {}): Cluster {
  const r = seededRandom(`${seed}:keys`);
  const keyring = parseKeyring(
    [
      `[client.admin]\n\tkey = ${formatKeyValue(r(16))}\n\tcaps mon = "allow *"\n\tcaps osd = "allow rwx"\n\tcaps mgr = "allow *"`,
      `[mon.]\n\tkey = ${formatKeyValue(r(16))}\n\tcaps mon = "allow *"`,
      `[osd.0]\n\tkey = ${formatKeyValue(r(16))}\n\tcaps mon = "allow profile osd"`,
      `[client.nocaps]\n\tkey = ${formatKeyValue(r(16))}\n\tcaps osd = "allow r"`,
    ].join('\n'),
  );
  const random = seededRandom(`${seed}:random`);
  const keys = new CephxKeyServer({ keyring, random, services: [EntityType.AUTH, EntityType.MON, EntityType.OSD, EntityType.MGR] });
  const clock = manualClock();
  let gid = 4100n;
  const nextGlobalId = (): bigint => ++gid;
  const getServiceSecret = (s: number, id: bigint): Buffer | undefined => keys.getServiceSecret(s, id);
  const mon = new CephxAuthServer({ random, now: clock.now, getServiceSecret, mon: { keys, nextGlobalId, ...monOpts }, ...serverOpts });
  const osd = new CephxAuthServer({ random, now: clock.now, getServiceSecret, ...serverOpts });
  return {
    keyring,
    keys,
    clock,
    random,
    mon,
    osd,
    nextGlobalId,
    client: (opts = {}) =>
      new CephxAuthClient({
        name: ADMIN,
        secret: keyring.get('client.admin')!.key,
        random: seededRandom(`${seed}:client:${JSON.stringify(opts.name ?? ADMIN)}`),
        now: clock.now,
        ...opts,
      }),
  };
}

export interface ExchangeOutcome {
  client?: AuthResult;
  server?: Extract<AuthServerStep, { kind: 'done' }>;
  error?: number;
  rounds: number;
}

/** Drive one exchange; stops at the server's first error (as AUTH_BAD_METHOD would). */
export function runExchange(c: AuthClientHandler, s: AuthServerHandler, conMode: number, maxRounds = 4): ExchangeOutcome {
  let step = s.handle(c.initialPayload(), conMode);
  let rounds = 1;
  while (step.kind === 'more') {
    assert.ok(rounds < maxRounds, 'too many rounds');
    step = s.handle(c.handleMore(step.payload), conMode);
    rounds++;
  }
  if (step.kind === 'error') return { error: step.errno, rounds };
  const client = c.handleDone(step.result.globalId, conMode, step.payload);
  return { client, server: step, rounds };
}
