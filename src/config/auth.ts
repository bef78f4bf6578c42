/**
 * The auth client a Ceph client builds from its config (Ceph's AuthRegistry + KeyRing):
 *
 *  - methods, in preference order, from `auth_supported` when set, else `auth_client_required`
 *    (`cephx, none` by default);
 *  - connection modes per peer: `ms_mon_client_mode` towards mons, `ms_client_mode` towards other
 *    daemons; method none only ever uses crc (a method left without a mode is not offered);
 *  - the cephx secret: `key` (base64) > `keyfile` (a file holding the base64) > the first existing
 *    file of the `keyring` list, entry [<our name>]. When the secret is missing, cephx is dropped if
 *    none is still allowed, else it is an ERR_KEYRING error naming the files tried.
 *
 * Files are read through the injected `readFile` (the core stays pure; the CLI passes real files).
 */
import type { Buffer } from 'node:buffer';
import { MsgrError } from '../errors.ts';
import { EntityType, formatEntityName, type EntityName } from '../encoding/types/entity-name.ts';
import { parseModes } from '../core/config.ts';
import { CephxAuthClient } from '../core/auth/cephx-client.ts';
import { keyringEntry, parseKeyring, parseKeyValue } from '../core/auth/keyring.ts';
import { AuthNoneClient } from '../core/auth/none.ts';
import { AuthMethod, ConMode, type AuthClient, type AuthClientHandler, type RandomBytes } from '../core/auth/types.ts';
import type { CephConfig } from './config.ts';

const METHOD_NAMES: Record<string, number> = { none: AuthMethod.NONE, cephx: AuthMethod.CEPHX };

export function authMethodName(m: number): string {
  return m === AuthMethod.NONE ? 'none' : m === AuthMethod.CEPHX ? 'cephx' : m === AuthMethod.GSS ? 'gss' : `method ${m}`;
}

export function modeName(m: number): string {
  return m === ConMode.CRC ? 'crc' : m === ConMode.SECURE ? 'secure' : `mode ${m}`;
}

/** 'cephx, none' → [2, 1]. Unknown or unsupported methods are ERR_CONFIG. */
export function parseAuthMethods(s: string, option: string): number[] {
  const out: number[] = [];
  for (const w of s.split(/[\s,;]+/).filter(Boolean)) {
    const m = METHOD_NAMES[w];
    if (m === undefined) {
      throw new MsgrError('ERR_CONFIG', `bad value for option ${option}: '${s}': ${w === 'gss' ? 'gss (kerberos) is not supported' : `unknown auth method '${w}'`}`);
    }
    if (!out.includes(m)) out.push(m);
  }
  if (!out.length) throw new MsgrError('ERR_CONFIG', `bad value for option ${option}: '${s}': no auth method`);
  return out;
}

/** The methods a client offers, from config. */
export function clientAuthMethods(cfg: CephConfig): number[] {
  const sup = cfg.get('auth_supported');
  return sup ? parseAuthMethods(sup, 'auth_supported') : parseAuthMethods(cfg.get('auth_client_required'), 'auth_client_required');
}

export type ReadFile = (path: string) => string | undefined;

export interface SecretLookup {
  secret: Buffer | undefined;
  /** where it came from, or what was tried */
  from: string;
  tried: string[];
}

/** Find our cephx secret: key > keyfile > keyring list (Ceph's KeyRing::from_ceph_context). */
export function findSecret(cfg: CephConfig, readFile: ReadFile, name: EntityName = cfg.entity): SecretLookup {
  const who = formatEntityName(name);
  const key = cfg.get('key');
  if (key) return { secret: parseKeyValue(key).secret, from: 'option key', tried: [] };
  const keyfile = cfg.get('keyfile');
  if (keyfile) {
    const text = readFile(keyfile);
    if (text === undefined) throw new MsgrError('ERR_KEYRING', `keyfile ${keyfile} does not exist`);
    return { secret: parseKeyValue(text.trim()).secret, from: keyfile, tried: [keyfile] };
  }
  const tried: string[] = [];
  for (const path of cfg.get('keyring').split(/[,;\s]+/).filter(Boolean)) {
    tried.push(path);
    const text = readFile(path);
    if (text === undefined) continue;
    const ring = parseKeyring(text);
    if (!ring.has(who)) throw new MsgrError('ERR_KEYRING', `keyring ${path} has no key for ${who}`);
    return { secret: keyringEntry(ring, who).key, from: path, tried };
  }
  return { secret: undefined, from: '', tried };
}

/** Offers several methods (each with its own client) in a fixed preference order. */
export class ComposedAuthClient implements AuthClient {
  constructor(
    private readonly order: readonly number[],
    private readonly clients: ReadonlyMap<number, AuthClient>,
    private readonly modesFor: (peerType: number) => number[],
  ) {}

  /** the cephx client, when cephx is offered (tickets, global_id, renewal) */
  get cephx(): CephxAuthClient | undefined {
    const c = this.clients.get(AuthMethod.CEPHX);
    return c instanceof CephxAuthClient ? c : undefined;
  }

  methods(peerType: number): number[] {
    return this.order.filter((m) => this.modes(peerType, m).length > 0);
  }

  modes(peerType: number, method: number): number[] {
    const want = this.modesFor(peerType);
    return method === AuthMethod.NONE ? want.filter((m) => m === ConMode.CRC) : want;
  }

  start(method: number, peerType: number, opts: { toMon: boolean; globalId: bigint }): AuthClientHandler {
    const c = this.clients.get(method);
    if (!c) throw new MsgrError('ERR_AUTH_BAD_METHOD', `${authMethodName(method)} is not configured`);
    return c.start(method, peerType, opts);
  }

  describe(peerType: number = EntityType.MON): string {
    const ms = this.methods(peerType);
    return ms.map((m) => `${authMethodName(m)} [${this.modes(peerType, m).map(modeName).join(',')}]`).join(', ') || 'nothing';
  }
}

export interface BuildAuthOptions {
  readFile: ReadFile;
  random: RandomBytes;
  now: () => number;
  /** override the entity (default: the config's) */
  name?: EntityName;
}

/** Build the auth client for a client entity from its config. */
export function buildAuthClient(cfg: CephConfig, opts: BuildAuthOptions): ComposedAuthClient {
  const name = opts.name ?? cfg.entity;
  let order = clientAuthMethods(cfg);
  const monModes = parseModes(cfg.get('ms_mon_client_mode'));
  const serviceModes = parseModes(cfg.get('ms_client_mode'));
  const modesFor = (peerType: number): number[] => [...(peerType === EntityType.MON ? monModes : serviceModes)];
  const clients = new Map<number, AuthClient>();
  if (order.includes(AuthMethod.CEPHX)) {
    const found = findSecret(cfg, opts.readFile, name);
    if (found.secret) {
      clients.set(
        AuthMethod.CEPHX,
        new CephxAuthClient({ name, secret: found.secret, random: opts.random, now: opts.now, monModes, serviceModes }),
      );
    } else if (order.includes(AuthMethod.NONE)) {
      order = order.filter((m) => m !== AuthMethod.CEPHX);
    } else {
      throw new MsgrError('ERR_KEYRING', `no key for ${formatEntityName(name)}: no keyring found (tried ${found.tried.join(', ') || 'nothing'})`);
    }
  }
  if (order.includes(AuthMethod.NONE)) clients.set(AuthMethod.NONE, new AuthNoneClient({ name }));
  const composed = new ComposedAuthClient(order, clients, modesFor);
  if (!composed.methods(EntityType.MON).length) {
    throw new MsgrError(
      'ERR_CONFIG',
      `no usable auth method for mons: auth ${order.map(authMethodName).join(', ')} with ms_mon_client_mode '${cfg.get('ms_mon_client_mode')}' (auth none only supports crc)`,
    );
  }
  return composed;
}
