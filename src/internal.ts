/**
 * Internals re-exported for tests, benchmarks and the CLI (not a stable API).
 */
export { MessengerCore, registerProtocol } from './core/messenger-core.ts';
export { SimNetwork } from './testing/sim-env.ts';
export { RuleInterceptor } from './testing/fault-interceptor.ts';
export { nodeEnv } from './node/tcp-env.ts';
export type { Env } from './node/env.ts';
