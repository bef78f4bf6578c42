/**
 * cephx between two ceph-msgr processes without a monitor: both hold one shared service secret
 * (like the `mon.` key between monitors). The client self-issues a ticket for the server's entity
 * type sealed with that secret (secret_id -1); the server opens it, challenges, and — in secure
 * mode — hands out a connection secret. Used by perf tools and tests that need secure mode.
 */
import { Buffer } from 'node:buffer';
import { CephxAuthClient } from '../core/auth/cephx-client.ts';
import { CephxAuthServer } from '../core/auth/cephx-server.ts';
import { SECRET_ID_GENERAL } from '../core/auth/cephx-structs.ts';
import type { AuthClient, AuthServer, RandomBytes } from '../core/auth/types.ts';
import type { EntityName } from '../encoding/types/entity-name.ts';

export interface SharedSecretOptions {
  secret: Buffer;
  /** entity type of the server side (the service the ticket is for), e.g. 4 = osd */
  serviceType: number;
  /** connection modes to offer/allow, in preference order (1 crc, 2 secure) */
  modes: number[];
  random: RandomBytes;
  now: () => number;
}

export function sharedSecretClient(name: EntityName, o: SharedSecretOptions): AuthClient {
  return new CephxAuthClient({
    name,
    secret: o.secret,
    random: o.random,
    now: o.now,
    serviceModes: o.modes,
    monModes: o.modes,
    selfIssueSecret: { serviceId: o.serviceType, secret: o.secret },
  });
}

export function sharedSecretServer(o: SharedSecretOptions): AuthServer {
  return new CephxAuthServer({
    random: o.random,
    now: o.now,
    modes: o.modes,
    getServiceSecret: (serviceId, secretId) => (serviceId === o.serviceType && secretId === SECRET_ID_GENERAL ? o.secret : undefined),
  });
}

/** A fixed well-known secret for benchmarks (never use for anything real). */
export const BENCH_SECRET = Buffer.from('ceph-msgr-bench!', 'latin1');
