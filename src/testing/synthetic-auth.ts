/**
 * cephx between our own messengers, without a monitor: authorizer mode with self-issued tickets
 * under a generated keyring, the way monitors authenticate each other (see
 * src/core/auth/cephx-server.ts). The keyring holds one general key per entity type
 * (`osd.`, `client.`, …); a messenger dialling a peer of type T builds its authorizer from a
 * ticket it seals itself with T's key (secret_id −1), and the peer verifies it with the same
 * keyring. The session key and, in secure mode, the 64-byte connection secret come out of the
 * usual challenge round, so secure mode (AES-128-GCM) runs exactly as it does against Ceph.
 *
 *   const auth = cephxPeers({ modes: [ConMode.SECURE], random, now });
 *   Messenger.create({ name: 'osd.0', ...auth('osd.0') });
 */
import { Buffer } from 'node:buffer';
import { CephxAuthClient } from '../core/auth/cephx-client.ts';
import { keyringServiceSecrets } from '../core/auth/cephx-keyserver.ts';
import { CephxAuthServer } from '../core/auth/cephx-server.ts';
import type { Keyring } from '../core/auth/keyring.ts';
import { AuthMethod, type AuthClient, type AuthClientHandler, type AuthServer, type RandomBytes } from '../core/auth/types.ts';
import { EntityType, entityTypeName, parseEntityName, type EntityName } from '../encoding/types/entity-name.ts';
import { MsgrError } from '../errors.ts';

export interface CephxPeersOptions {
  /** connection modes offered and allowed, in preference order (ConMode.SECURE / ConMode.CRC) */
  modes: number[];
  random: RandomBytes;
  now: () => number;
  /** entity types that get a general key (default osd, client) */
  types?: number[];
}

/** A generated keyring with a general key per entity type. */
export function generateKeyring(random: RandomBytes, types: readonly number[] = [EntityType.OSD, EntityType.CLIENT]): Keyring {
  const k: Keyring = new Map();
  for (const t of types) k.set(`${entityTypeName(t)}.`, { key: Buffer.from(random(16)), caps: {} });
  return k;
}

/** Per-messenger cephx client/server over one generated keyring. */
export function cephxPeers(opts: CephxPeersOptions): (name: string) => { authClient: AuthClient; authServer: AuthServer } {
  const keyring = generateKeyring(opts.random, opts.types);
  const keyOf = (type: number): Buffer => {
    const e = keyring.get(`${entityTypeName(type)}.`);
    if (!e) throw new MsgrError('ERR_KEYRING', `no general key for entity type ${entityTypeName(type)} in the generated keyring`);
    return e.key;
  };
  const getServiceSecret = keyringServiceSecrets(keyring);
  return (name) => {
    const me: EntityName = parseEntityName(name);
    const perType = new Map<number, CephxAuthClient>();
    const clientFor = (peerType: number): CephxAuthClient => {
      let c = perType.get(peerType);
      if (!c) {
        c = new CephxAuthClient({
          name: me,
          secret: keyOf(me.type),
          random: opts.random,
          now: opts.now,
          serviceModes: opts.modes,
          monModes: opts.modes,
          selfIssueSecret: { serviceId: peerType, secret: keyOf(peerType) },
        });
        perType.set(peerType, c);
      }
      return c;
    };
    const authClient: AuthClient = {
      methods: () => [AuthMethod.CEPHX],
      modes: () => [...opts.modes],
      start: (method, peerType, o): AuthClientHandler => clientFor(peerType).start(method, peerType, { ...o, toMon: false }),
    };
    const authServer = new CephxAuthServer({ random: opts.random, now: opts.now, getServiceSecret, modes: opts.modes });
    return { authClient, authServer };
  };
}
