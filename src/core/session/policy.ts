/**
 * Connection policies, as Ceph's `Messenger::Policy` (src/msg/Policy.h): what happens to a
 * session when its socket faults, and which features a peer type must have.
 *
 * | policy                       | lossy | server | standby | resetcheck | register_lossy_clients |
 * | stateful_server              |   -   |   x    |    x    |     x      |           x            |
 * | stateless_registered_server  |   x   |   x    |    -    |     -      |           x            |
 * | stateless_server             |   x   |   x    |    -    |     -      |           -            |
 * | lossless_peer                |   -   |   -    |    x    |     -      |           x            |
 * | lossless_peer_reuse          |   -   |   -    |    x    |     x      |           x            |
 * | lossy_client                 |   x   |   -    |    -    |     -      |           x            |
 * | lossless_client              |   -   |   -    |    -    |     x      |           x            |
 */
import { DEFAULT_FEATURES } from '../../encoding/types/features.ts';
import { EntityType, entityTypeName } from '../../encoding/types/entity-name.ts';
import { MsgrError } from '../../errors.ts';

export interface ThrottleLimits {
  /** max bytes of messages read from peers of this type and not yet released (0 = no limit) */
  bytes?: number;
  /** max messages read and not yet released (0 = no limit) */
  messages?: number;
}

export interface Policy {
  readonly name: PolicyName | 'default';
  /** faults end the session: no replay, no reconnect, the upper layer gets a reset */
  readonly lossy: boolean;
  /** never initiate a reconnect; on fault wait in STANDBY for the peer */
  readonly server: boolean;
  /** when idle, do not reconnect after a fault; wait until something is queued */
  readonly standby: boolean;
  /** detect that the peer restarted and reset our session state */
  readonly resetcheck: boolean;
  /** a server registers lossy clients by address (a new connection replaces the old one) */
  readonly registerLossyClients: boolean;
  readonly featuresSupported: bigint;
  readonly featuresRequired: bigint;
  readonly throttle?: ThrottleLimits;
}

export const POLICY_NAMES = [
  'stateful_server',
  'stateless_registered_server',
  'stateless_server',
  'lossless_peer',
  'lossless_peer_reuse',
  'lossy_client',
  'lossless_client',
] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];

function make(
  name: Policy['name'],
  lossy: boolean,
  server: boolean,
  standby: boolean,
  resetcheck: boolean,
  registerLossyClients: boolean,
  featuresRequired = 0n,
): Policy {
  return Object.freeze({
    name,
    lossy,
    server,
    standby,
    resetcheck,
    registerLossyClients,
    featuresSupported: DEFAULT_FEATURES,
    featuresRequired,
  });
}

export const Policy = {
  /** Ceph's `Policy()`: lossless, resetcheck, not a server. */
  default: (req = 0n): Policy => make('default', false, false, false, true, true, req),
  stateful_server: (req = 0n): Policy => make('stateful_server', false, true, true, true, true, req),
  stateless_registered_server: (req = 0n): Policy =>
    make('stateless_registered_server', true, true, false, false, true, req),
  stateless_server: (req = 0n): Policy => make('stateless_server', true, true, false, false, false, req),
  lossless_peer: (req = 0n): Policy => make('lossless_peer', false, false, true, false, true, req),
  lossless_peer_reuse: (req = 0n): Policy => make('lossless_peer_reuse', false, false, true, true, true, req),
  lossy_client: (req = 0n): Policy => make('lossy_client', true, false, false, false, true, req),
  lossless_client: (req = 0n): Policy => make('lossless_client', false, false, false, true, true, req),
  byName(name: string, req = 0n): Policy {
    const n = name.replace(/-/g, '_');
    if (!(POLICY_NAMES as readonly string[]).includes(n)) {
      throw new MsgrError('ERR_INVALID_ARG', `unknown policy '${name}' (one of ${POLICY_NAMES.join(', ')})`);
    }
    return Policy[n as PolicyName](req);
  },
  /** The same policy with other fields replaced (e.g. throttles or features). */
  with(p: Policy, patch: Partial<Omit<Policy, 'name'>>): Policy {
    return Object.freeze({ ...p, ...patch });
  },
} as const;

/** Default policy plus per-peer-type overrides, as `Messenger::set_policy(type, p)`. */
export class PolicySet {
  private byType = new Map<number, Policy>();
  constructor(public defaultPolicy: Policy = Policy.default()) {}

  set(peerType: number, p: Policy): void {
    this.byType.set(peerType, p);
  }
  setDefault(p: Policy): void {
    this.defaultPolicy = p;
  }
  get(peerType: number): Policy {
    return this.byType.get(peerType) ?? this.defaultPolicy;
  }
  entries(): Array<[string, Policy]> {
    return [['default', this.defaultPolicy], ...[...this.byType].map(([t, p]): [string, Policy] => [entityTypeName(t), p])];
  }
}

/** Ceph's daemon defaults for a messenger of a given entity type and role (public/cluster). */
export function cephDefaultPolicies(myType: number, role: 'public' | 'cluster' | 'client' | 'mon' = 'public'): PolicySet {
  const s = new PolicySet();
  switch (myType) {
    case EntityType.MON:
      s.setDefault(Policy.stateless_server());
      s.set(EntityType.MON, Policy.lossless_peer_reuse());
      s.set(EntityType.OSD, Policy.stateless_server());
      s.set(EntityType.CLIENT, Policy.stateless_server());
      s.set(EntityType.MDS, Policy.stateless_server());
      s.set(EntityType.MGR, Policy.stateless_server());
      break;
    case EntityType.OSD:
      if (role === 'cluster') {
        s.setDefault(Policy.stateless_server());
        s.set(EntityType.OSD, Policy.lossless_peer());
        s.set(EntityType.MON, Policy.lossy_client());
        s.set(EntityType.CLIENT, Policy.stateless_server());
      } else {
        s.setDefault(Policy.stateless_registered_server());
        s.set(EntityType.MON, Policy.lossy_client());
        s.set(EntityType.MGR, Policy.lossy_client());
        s.set(EntityType.CLIENT, Policy.stateless_server());
      }
      break;
    default:
      s.setDefault(Policy.lossy_client());
  }
  return s;
}
