/**
 * Recovering a msgr2 secure session's connection secret offline, from what a capture shows of
 * its cephx exchange plus a keyring:
 *
 *  - mon mode (AUTH_REQUEST payload starts with 10): AUTH_DONE carries the ticket reply; its
 *    msg_a opens with the client's own key (looked up by the name in AUTH_REQUEST) and yields the
 *    AUTH session key, which opens the connection secret (the same path a client takes, see
 *    CephxAuthClient.applySessionKeyReply);
 *  - authorizer mode (payload starts with 1): the ticket in the authorizer opens with the service's
 *    key (e.g. `mon.` for a self-issued mon↔mon ticket), giving the session key that opens the
 *    CephXAuthorizeReply in AUTH_DONE.
 *
 * `sessionKeys` remembers AUTH session keys per entity across the streams of one capture, for
 * a global_id reclaim whose ticket is sealed with the previous session key.
 */
import { Buffer } from 'node:buffer';
import { Reader } from '../encoding/reader.ts';
import { decodeEntityName, entityTypeName, formatEntityName, type EntityName } from '../encoding/types/entity-name.ts';
import { EntityType } from '../encoding/types/entity-name.ts';
import { CephxAuthClient } from '../core/auth/cephx-client.ts';
import { decodeAuthorizeReply, openTicket, readAuthorizerHead } from '../core/auth/cephx-structs.ts';
import type { Keyring } from '../core/auth/keyring.ts';
import { AuthMethod, AuthMode } from '../core/auth/types.ts';

export interface SecretResult {
  secret?: Buffer;
  /** what was done / why not */
  note: string;
  /** who authenticated, mode, global id (for the auth summary) */
  summary: string;
}

/** Who an AUTH_REQUEST payload speaks for. */
export function describeAuthPayload(method: number, payload: Buffer): { mode: 'mon' | 'authorizer' | 'none' | 'unknown'; name?: EntityName; globalId?: bigint; serviceId?: number } {
  try {
    if (method === AuthMethod.NONE && payload.length) {
      const r = new Reader(payload);
      r.u8();
      const name = decodeEntityName(r);
      return { mode: 'none', name, globalId: r.u64() };
    }
    if (method !== AuthMethod.CEPHX || payload.length === 0) return { mode: 'unknown' };
    const r = new Reader(payload);
    if (payload[0] === AuthMode.MON) {
      r.u8();
      const name = decodeEntityName(r);
      return { mode: 'mon', name, globalId: r.u64() };
    }
    const head = readAuthorizerHead(r);
    return { mode: 'authorizer', globalId: head.globalId, serviceId: head.serviceId };
  } catch {
    return { mode: 'unknown' };
  }
}

export function connectionSecret(
  method: number,
  requestPayload: Buffer,
  done: { globalId: bigint; conMode: number; payload: Buffer },
  keyring: Keyring | undefined,
  sessionKeys: Map<string, Buffer>,
): SecretResult {
  const who = describeAuthPayload(method, requestPayload);
  const name = who.name ? formatEntityName(who.name) : undefined;
  const summary =
    method === AuthMethod.NONE
      ? `none${name ? ` as ${name}` : ''}, global_id ${done.globalId}`
      : who.mode === 'mon'
        ? `cephx (mon mode) as ${name}, global_id ${done.globalId}`
        : who.mode === 'authorizer'
          ? `cephx (authorizer for ${entityTypeName(who.serviceId ?? 0)}), global_id ${done.globalId}`
          : `method ${method}, global_id ${done.globalId}`;
  if (method !== AuthMethod.CEPHX) return { note: 'no session key (auth none)', summary };
  if (!keyring) return { note: 'no keyring given (-k)', summary };
  try {
    if (who.mode === 'mon' && who.name && name) {
      const entry = keyring.get(name);
      if (!entry) return { note: `no key for ${name} in the keyring`, summary };
      const client = new CephxAuthClient({ name: who.name, secret: entry.key, random: (n) => Buffer.alloc(n), now: () => 0 });
      const prev = sessionKeys.get(name);
      if (prev) {
        // a reclaim's ticket is sealed with the previous AUTH session key
        client.tickets.apply([{ serviceId: EntityType.AUTH, sessionKey: { type: 1, created: { sec: 0, nsec: 0 }, secret: prev }, validity: { sec: 3600, nsec: 0 }, ticket: { secretId: 0n, blob: Buffer.alloc(0) } }], 0, 0n);
      }
      const r = new Reader(done.payload);
      r.u16();
      const status = r.s32();
      if (status < 0) return { note: `the mon refused (${status})`, summary };
      const out = client.applySessionKeyReply(r, done.conMode, done.globalId);
      sessionKeys.set(name, out.sessionKey);
      return out.connectionSecret
        ? { secret: out.connectionSecret, note: `connection secret from ${name}'s key`, summary }
        : { note: 'no connection secret in AUTH_DONE (crc mode)', summary };
    }
    if (who.mode === 'authorizer') {
      const svc = entityTypeName(who.serviceId ?? 0);
      const entry = keyring.get(`${svc}.`);
      if (!entry) return { note: `no '${svc}.' key in the keyring to open the ticket`, summary };
      const head = readAuthorizerHead(new Reader(requestPayload));
      const info = openTicket(entry.key, head.ticket.blob);
      const reply = decodeAuthorizeReply(done.payload, info.sessionKey.secret);
      return reply.connectionSecret && reply.connectionSecret.length
        ? { secret: reply.connectionSecret, note: `connection secret via the '${svc}.' key`, summary }
        : { note: 'no connection secret in the authorizer reply', summary };
    }
    return { note: 'unrecognised cephx payload', summary };
  } catch (e) {
    return { note: `cannot recover the connection secret: ${(e as Error).message}`, summary };
  }
}
