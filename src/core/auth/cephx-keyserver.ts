/**
 * Server-side key material for cephx (a small KeyServer): the entity database (a keyring: key +
 * caps per entity) and the rotating service secrets (per service id, by secret_id) that seal
 * tickets. Secrets are generated from injected randomness; nothing rotates on its own — call
 * {@link CephxKeyServer.rotate} from the shell if you want rotation.
 *
 * `getServiceSecret(serviceId, secretId)` follows Ceph: secret_id = 2^64−1 (SECRET_ID_GENERAL)
 * means "the service's general key", i.e. the keyring entry `<type>.` (the `mon.` key for mons);
 * anything else is a rotating secret.
 */
import type { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import { entityTypeName, formatEntityName, type EntityName } from '../../encoding/types/entity-name.ts';
import { SECRET_ID_GENERAL } from './cephx-structs.ts';
import type { Keyring, KeyringEntry } from './keyring.ts';
import type { RandomBytes } from './types.ts';

export interface ServiceSecret {
  secretId: bigint;
  secret: Buffer;
}

/** `(serviceId, secretId) → key` for verifiers that only hold a keyring (e.g. a mon with `mon.`). */
export function keyringServiceSecrets(keyring: Keyring): (serviceId: number, secretId: bigint) => Buffer | undefined {
  return (serviceId, secretId) => (secretId === SECRET_ID_GENERAL ? keyring.get(`${entityTypeName(serviceId)}.`)?.key : undefined);
}

export class CephxKeyServer {
  readonly keyring: Keyring;
  private readonly random: RandomBytes;
  private readonly rotating = new Map<number, Map<bigint, Buffer>>();

  constructor(opts: { keyring: Keyring; random: RandomBytes; services?: readonly number[] }) {
    this.keyring = opts.keyring;
    this.random = opts.random;
    for (const s of opts.services ?? []) this.rotate(s);
  }

  /** The auth entry of an entity (key + caps), if known. */
  lookup(name: EntityName): KeyringEntry | undefined {
    return this.keyring.get(formatEntityName(name));
  }

  /** Add a rotating secret with an explicit id (e.g. to share secrets with another server). */
  addServiceSecret(serviceId: number, secretId: bigint, secret: Buffer): void {
    if (secret.length < 16) throw new MsgrError('ERR_INVALID_ARG', 'service secret must be 16 bytes');
    if (secretId === SECRET_ID_GENERAL) throw new MsgrError('ERR_INVALID_ARG', 'secret_id 2^64-1 is reserved');
    let m = this.rotating.get(serviceId);
    if (!m) this.rotating.set(serviceId, (m = new Map()));
    m.set(secretId, secret);
  }

  /** Generate the next rotating secret for a service; keeps the last three (prev, cur, next). */
  rotate(serviceId: number): ServiceSecret {
    const m = this.rotating.get(serviceId);
    const ids = m ? [...m.keys()] : [];
    const secretId = ids.reduce((a, b) => (b > a ? b : a), 0n) + 1n;
    const secret = this.random(16);
    this.addServiceSecret(serviceId, secretId, secret);
    const mm = this.rotating.get(serviceId)!;
    while (mm.size > 3) mm.delete([...mm.keys()].reduce((a, b) => (b < a ? b : a)));
    return { secretId, secret };
  }

  /** The secret new tickets for this service are sealed with (the newest), if any. */
  currentServiceSecret(serviceId: number): ServiceSecret | undefined {
    const m = this.rotating.get(serviceId);
    if (!m || m.size === 0) return undefined;
    const secretId = [...m.keys()].reduce((a, b) => (b > a ? b : a));
    return { secretId, secret: m.get(secretId)! };
  }

  /** Key for verifying a ticket (see file comment). */
  getServiceSecret(serviceId: number, secretId: bigint): Buffer | undefined {
    if (secretId === SECRET_ID_GENERAL) return this.keyring.get(`${entityTypeName(serviceId)}.`)?.key;
    return this.rotating.get(serviceId)?.get(secretId);
  }
}
