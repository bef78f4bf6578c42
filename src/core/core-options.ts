/**
 * What a messenger core is made from (MessengerCoreOptions) and the states of its lifecycle.
 * Both are re-exported by src/core/messenger-core.ts.
 */
import type { EntityNameT } from '../encoding/types/entity-name.ts';
import type { AuthClient, AuthServer } from './auth/types.ts';
import type { MsgrConfig } from './config.ts';
import type { Interceptor } from './interceptor.ts';
import type { LogSink } from './log.ts';
import type { RandomSource } from './random.ts';
import type { PolicySet } from './session/policy.ts';

export interface MessengerCoreOptions {
  name: EntityNameT;
  /** the nonce in our addresses (random by default in the shell; never 0 for daemons) */
  nonce: number;
  config?: Partial<MsgrConfig>;
  policies?: PolicySet;
  authClient?: AuthClient;
  authServer?: AuthServer;
  random: RandomSource;
  log?: LogSink;
  interceptor?: Interceptor;
}

export type CoreState = 'created' | 'started' | 'stopped';
