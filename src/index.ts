/**
 * ceph-msgr — Ceph's network messenger for Node.js. The public API.
 */
export { Messenger, type MessengerOptions, type BindOptions } from './node/messenger.ts';
export { Connection } from './node/connection.ts';
export type { Dispatcher } from './node/dispatcher.ts';
export { Message, Priority, MsgFlag, type MessageCodec, type MessageInit } from './messages/message.ts';
export { Policy, PolicySet, cephDefaultPolicies, type PolicyName } from './core/session/policy.ts';
export { MsgrError, isMsgrError, ERROR_CODES, type ErrorCode } from './errors.ts';
export { EntityType, parseEntityName, formatEntityName, type EntityName, type EntityNameT } from './encoding/types/entity-name.ts';
export { parseAddr, parseAddrVec, formatAddr, formatAddrVec, AddrType, type EntityAddr } from './encoding/types/entity-addr.ts';
export { DEFAULT_CONFIG, type MsgrConfig } from './core/config.ts';
export { AuthNoneClient, AuthNoneServer } from './core/auth/none.ts';
export { CephxAuthClient } from './core/auth/cephx-client.ts';
export { CephxAuthServer } from './core/auth/cephx-server.ts';
export { parseKeyring } from './core/auth/keyring.ts';
export { AuthMethod, ConMode } from './core/auth/types.ts';
export { defaultRegistry, MsgType } from './messages/registry.ts';
// ---- operability: config, logs, counters, admin socket, decoding ----
export { CephConfig, type ConfigSource, type ShowEntry } from './config/config.ts';
export { loadConfig, type LoadOptions, type LoadResult } from './config/load.ts';
export { OPTIONS, findOption, type OptionName, type OptionValue, type OptionDef } from './config/options.ts';
export type { LogSink } from './core/log.ts';
export { NodeLogSink, CHANNELS as DIAGNOSTICS_CHANNELS, type NodeLogSinkOptions } from './node/log-sink.ts';
export type { OptionChange, Observed } from './node/runtime-config.ts';
export { startMetricsServer, metricsText, type MetricsServer, type MetricsServerOptions } from './metrics/http.ts';
export { AdminSocket, type AdminResult, type AdminHandler } from './admin/server.ts';
export { openAdminSocket, startObservability, type Observability, type OpenAdminSocketOptions } from './admin/open.ts';
export { decode, type DecodeInput, type DecodeOptions } from './tools/decode.ts';
export { formatDecodeResult } from './tools/format.ts';
export type { DecodeResult, DecodedItem, DecodedMessage, StreamSummary, CrcCheck } from './tools/annotate.ts';
// ---- types the API above refers to ----
export type { AuthClient, AuthServer, AuthClientHandler, AuthServerHandler, AuthServerStep, AuthResult, RandomBytes } from './core/auth/types.ts';
export type { CephxMonOptions, CephxMonKeys } from './core/auth/cephx-mon-session.ts';
export type { RandomSource } from './core/random.ts';
export type { UTime } from './encoding/types/utime.ts';
export type { AuthNoneClientOptions, AuthNoneServerOptions } from './core/auth/none.ts';
export type { CephxClientOptions } from './core/auth/cephx-client.ts';
export type { CephxServerOptions } from './core/auth/cephx-server.ts';
export type { Keyring, KeyringEntry } from './core/auth/keyring.ts';
export { POLICY_NAMES, type ThrottleLimits } from './core/session/policy.ts';
export type { MessageRegistry } from './messages/registry.ts';
export type { EntityAddrVec } from './encoding/types/entity-addr.ts';
export type { MsgrErrorOptions } from './errors.ts';
export type { Env, NetEnv, Sock, Listener, TimerHandle } from './node/env.ts';
export type { Interceptor, InterceptAction, Breakpoint, CustomPoint } from './core/interceptor.ts';
export type { ConfigInit } from './config/config.ts';
export type { ConfigIO } from './config/load.ts';
export type { ArgSetting, ArgOrigin } from './config/args.ts';
export type { OptionType, OptionTable, JsOf, ValueOf } from './config/options.ts';
export type { CommandDesc, ArgDesc } from './admin/commands.ts';
export type { MessengerList } from './metrics/http.ts';
export type { PerfSource } from './metrics/messenger-perf.ts';
export type { Dir } from './tools/annotate.ts';
