/**
 * The server half of auth for a daemon-like messenger, built from a CephConfig the way Ceph's
 * AuthRegistry does it (src/auth/AuthRegistry.cc, get_supported_methods / get_supported_modes):
 *
 *  - I am a mon:  peer mon         → auth_cluster_required, ms_mon_cluster_mode
 *                 any other peer   → auth_service_required, ms_mon_service_mode
 *  - I am another daemon (osd, mds, mgr):
 *                 peer mon/mgr/mds/osd → auth_cluster_required, ms_cluster_mode
 *                 a client             → auth_service_required, ms_service_mode
 *  - `auth_supported`, when set, replaces the *_required lists; method none only ever gets crc.
 *
 * cephx verifies authorizers sealed with the general key of our own entity type, i.e. the keyring
 * entry `<type>.` (`mon.` between monitors: a mon dialling another mon issues the ticket itself
 * with that key, see core/auth/cephx-server.ts). Rotating service secrets (what OSDs get from the
 * mons) are not supported. Keyring lookup:
 *  - a keyring named explicitly (-k, --keyring, a config file) is read again at every
 *    verification, so it may appear or change after the server started (a peer's setup script
 *    may create it); while it is missing, authorizers are refused (EACCES);
 *  - otherwise the default list is searched once; like Ceph, cephx is dropped when no file
 *    exists, and a server whose auth options are all at their defaults then accepts auth none (a
 *    testing convenience: Ceph would accept nothing), so `serve -n mon.b --bind …` needs no setup;
 *  - a keyring without the `<type>.` entry is an ERR_KEYRING error at startup.
 */
import type { Buffer } from 'node:buffer';
import { MsgrError } from '../errors.ts';
import { EntityType, entityTypeName, type EntityName } from '../encoding/types/entity-name.ts';
import { parseModes } from '../core/config.ts';
import { CephxAuthServer } from '../core/auth/cephx-server.ts';
import { keyringServiceSecrets } from '../core/auth/cephx-keyserver.ts';
import { parseKeyring, type Keyring } from '../core/auth/keyring.ts';
import { AuthNoneServer } from '../core/auth/none.ts';
import { AuthMethod, ConMode, type AuthServer, type AuthServerHandler, type RandomBytes } from '../core/auth/types.ts';
import { authMethodName, modeName, parseAuthMethods, type ReadFile } from '../config/auth.ts';
import type { CephConfig } from '../config/config.ts';

export interface ServerAuthDeps {
  readFile: ReadFile;
  random: RandomBytes;
  now: () => number;
  /** as a mon-like server: allocate global_ids for auth-none clients that send 0 */
  nextGlobalId?: () => bigint;
  /** one line about something odd (e.g. the keyring is missing when a peer authenticates) */
  warn?(line: string): void;
}

/** What a server accepts from one class of peers. */
export interface PeerAuthPolicy {
  methods: number[];
  modes: number[];
}

export interface ServerAuth {
  server: AuthServer;
  /** the keyring file the cephx key came from ('' when cephx is off) */
  keyringPath: string;
  /** per peer type: methods and modes (for logs and usage errors) */
  describe(peerType: number): string;
  policyFor(peerType: number): PeerAuthPolicy;
}

const DAEMONS: ReadonlySet<number> = new Set([EntityType.MON, EntityType.MGR, EntityType.MDS, EntityType.OSD]);

/** Is a peer of this type a "cluster" peer for a server of type `myType` (AuthRegistry)? */
export function isClusterPeer(myType: number, peerType: number): boolean {
  return myType === EntityType.MON ? peerType === EntityType.MON : DAEMONS.has(peerType);
}

/** The mode option that applies to (me, peer): ms_mon_cluster_mode, ms_service_mode, … */
export function modeOptionFor(myType: number, peerType: number): 'ms_mon_cluster_mode' | 'ms_mon_service_mode' | 'ms_cluster_mode' | 'ms_service_mode' {
  const cluster = isClusterPeer(myType, peerType);
  if (myType === EntityType.MON) return cluster ? 'ms_mon_cluster_mode' : 'ms_mon_service_mode';
  return cluster ? 'ms_cluster_mode' : 'ms_service_mode';
}

/** Were the auth method options left at their defaults (no file, no flag set them)? */
function authOptionsDefault(cfg: CephConfig): boolean {
  return (['auth_supported', 'auth_cluster_required', 'auth_service_required'] as const).every((n) => cfg.source(n).source === 'default');
}

/** The first existing file of the `keyring` list, parsed. */
function loadKeyring(cfg: CephConfig, readFile: ReadFile): { keyring: Keyring; path: string } | undefined {
  for (const path of cfg.get('keyring').split(/[,;\s]+/).filter(Boolean)) {
    const text = readFile(path);
    if (text === undefined) continue;
    return { keyring: parseKeyring(text), path };
  }
  return undefined;
}

export function serverAuthFromConfig(cfg: CephConfig, deps: ServerAuthDeps): ServerAuth {
  const me: EntityName = cfg.entity;
  const sup = cfg.get('auth_supported');
  let cluster = sup ? parseAuthMethods(sup, 'auth_supported') : parseAuthMethods(cfg.get('auth_cluster_required'), 'auth_cluster_required');
  let service = sup ? parseAuthMethods(sup, 'auth_supported') : parseAuthMethods(cfg.get('auth_service_required'), 'auth_service_required');
  const entry = `${entityTypeName(me.type)}.`;
  let cephx: CephxAuthServer | undefined;
  let keyringPath = '';
  if (cluster.includes(AuthMethod.CEPHX) || service.includes(AuthMethod.CEPHX)) {
    const found = loadKeyring(cfg, deps.readFile);
    const explicit = cfg.source('keyring').source !== 'default';
    if (found && !found.keyring.has(entry)) {
      throw new MsgrError('ERR_KEYRING', `keyring ${found.path} has no [${entry}] key (needed to verify cephx authorizers sealed for ${entityTypeName(me.type)}s)`);
    }
    if (found || explicit) {
      keyringPath = found?.path ?? cfg.get('keyring');
      // read at every verification: a keyring named on the command line may appear (or change)
      // after we started, e.g. when the peer's setup script creates it
      const secret = (serviceId: number, secretId: bigint): Buffer | undefined => {
        const now = loadKeyring(cfg, deps.readFile);
        if (!now) {
          deps.warn?.(`cephx: keyring ${cfg.get('keyring')} does not exist: refusing the authorizer`);
          return undefined;
        }
        return keyringServiceSecrets(now.keyring)(serviceId, secretId);
      };
      cephx = new CephxAuthServer({ random: deps.random, now: deps.now, getServiceSecret: secret, modes: [ConMode.SECURE, ConMode.CRC] });
    } else if (authOptionsDefault(cfg)) {
      cluster = [AuthMethod.NONE];
      service = [AuthMethod.NONE];
    } else {
      cluster = cluster.filter((m) => m !== AuthMethod.CEPHX);
      service = service.filter((m) => m !== AuthMethod.CEPHX);
      if (!cluster.length && !service.length) {
        throw new MsgrError('ERR_KEYRING', `cephx is required but no keyring was found (tried ${cfg.get('keyring')})`);
      }
    }
  }
  const none = new AuthNoneServer(deps.nextGlobalId ? { nextGlobalId: deps.nextGlobalId } : {});
  const policyFor = (peerType: number): PeerAuthPolicy => {
    const methods = (isClusterPeer(me.type, peerType) ? cluster : service).filter((m) => m === AuthMethod.NONE || (m === AuthMethod.CEPHX && cephx));
    const modes = parseModes(cfg.get(modeOptionFor(me.type, peerType)));
    return { methods, modes };
  };
  const modesFor = (peerType: number, method: number): number[] => {
    const p = policyFor(peerType);
    if (!p.methods.includes(method)) return [];
    return method === AuthMethod.NONE ? p.modes.filter((m) => m === ConMode.CRC) : p.modes;
  };
  const server: AuthServer = {
    allowedMethods: (peerType) => policyFor(peerType).methods.filter((m) => modesFor(peerType, m).length > 0),
    allowedModes: modesFor,
    start: (method, peerType): AuthServerHandler => {
      if (!modesFor(peerType, method).length) throw new MsgrError('ERR_AUTH_BAD_METHOD', `${authMethodName(method)} is not allowed from ${entityTypeName(peerType)}s`);
      if (method === AuthMethod.CEPHX && cephx) return cephx.start(method, peerType);
      if (method === AuthMethod.NONE) return none.start(method, peerType);
      throw new MsgrError('ERR_AUTH_BAD_METHOD', `no auth server for ${authMethodName(method)}`);
    },
  };
  return {
    server,
    keyringPath,
    policyFor,
    describe(peerType) {
      const ms = server.allowedMethods(peerType);
      return ms.map((m) => `${authMethodName(m)} [${modesFor(peerType, m).map(modeName).join(',')}]`).join(', ') || 'nothing';
    },
  };
}
