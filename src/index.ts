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
