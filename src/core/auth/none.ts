/**
 * auth `none` (wire §6.3): no secret, no session key (AUTH_SIGNATURE = 32 zero bytes), crc mode
 * only (Ceph's AuthRegistry filters every other mode for method none).
 *
 *   mon mode payload:        u8 10, EntityName, le64 global_id   → AUTH_DONE(global_id, crc, empty)
 *   authorizer-mode payload: u8 1,  EntityName, le64 global_id   → AUTH_DONE(…, empty)
 */
import { Buffer } from 'node:buffer';
import { Errno, MsgrError, isMsgrError } from '../../errors.ts';
import { Reader } from '../../encoding/reader.ts';
import { encode } from '../../encoding/writer.ts';
import { decodeEntityName, encodeEntityName, type EntityName } from '../../encoding/types/entity-name.ts';
import { encodeMAuthInitial } from './mauth.ts';
import {
  AuthMethod,
  AuthMode,
  ConMode,
  type AuthClient,
  type AuthClientHandler,
  type AuthResult,
  type AuthServer,
  type AuthServerHandler,
  type AuthServerStep,
} from './types.ts';

const EMPTY = Buffer.alloc(0);

/** u8 mode, EntityName, le64 global_id. */
export function encodeNonePayload(mode: number, name: EntityName, globalId: bigint): Buffer {
  return encode((w) => {
    w.u8(mode);
    encodeEntityName(w, name);
    w.u64(globalId);
  }, 32 + name.id.length);
}

export function decodeNonePayload(payload: Buffer): { mode: number; name: EntityName; globalId: bigint } {
  const r = new Reader(payload);
  const mode = r.u8();
  const name = decodeEntityName(r);
  const globalId = r.u64();
  return { mode, name, globalId };
}

export interface AuthNoneClientOptions {
  name: EntityName;
}

export class AuthNoneClient implements AuthClient {
  readonly name: EntityName;

  constructor(opts: AuthNoneClientOptions) {
    this.name = opts.name;
  }

  methods(_peerType: number): number[] {
    return [AuthMethod.NONE];
  }

  modes(_peerType: number, _method: number): number[] {
    return [ConMode.CRC];
  }

  start(method: number, _peerType: number, opts: { toMon: boolean; globalId: bigint }): AuthClientHandler {
    if (method !== AuthMethod.NONE) throw new MsgrError('ERR_AUTH_BAD_METHOD', `auth none client cannot run method ${method}`);
    const payload = encodeNonePayload(opts.toMon ? AuthMode.MON : AuthMode.AUTHORIZER, this.name, opts.globalId);
    let done = false;
    return {
      method: AuthMethod.NONE,
      initialPayload: () => payload,
      handleMore: () => {
        throw new MsgrError('ERR_AUTH_FAILED', 'auth none: unexpected AUTH_REPLY_MORE', { origin: 'remote' });
      },
      handleDone: (globalId: bigint, conMode: number): AuthResult => {
        if (done) throw new MsgrError('ERR_AUTH_FAILED', 'auth none: second AUTH_DONE', { origin: 'remote' });
        done = true;
        if (conMode !== ConMode.CRC) throw new MsgrError('ERR_AUTH_FAILED', `auth none: con_mode ${conMode}`, { origin: 'remote' });
        return { globalId };
      },
    };
  }

  /** msgr1: the first MAuth payload, offering method none. */
  msgr1InitialPayload(globalId: bigint): Buffer {
    return encodeMAuthInitial({ methods: [AuthMethod.NONE], name: this.name, globalId });
  }
}

export interface AuthNoneServerOptions {
  /** as a mon-like server: allocate a global_id for clients that send 0 (else 0 stays 0) */
  nextGlobalId?: () => bigint;
}

export class AuthNoneServer implements AuthServer {
  constructor(private readonly opts: AuthNoneServerOptions = {}) {}

  allowedMethods(_peerType: number): number[] {
    return [AuthMethod.NONE];
  }

  allowedModes(_peerType: number, method: number): number[] {
    return method === AuthMethod.NONE ? [ConMode.CRC] : [];
  }

  start(method: number, _peerType: number): AuthServerHandler {
    if (method !== AuthMethod.NONE) throw new MsgrError('ERR_AUTH_BAD_METHOD', `auth none server cannot run method ${method}`);
    let used = false;
    return {
      handle: (payload: Buffer, conMode: number): AuthServerStep => {
        if (used) return { kind: 'error', errno: -Errno.EACCES };
        used = true;
        if (conMode !== ConMode.CRC) return { kind: 'error', errno: -Errno.EOPNOTSUPP };
        let p: { mode: number; name: EntityName; globalId: bigint };
        try {
          p = decodeNonePayload(payload);
        } catch (e) {
          if (!isMsgrError(e)) throw e;
          return { kind: 'error', errno: -Errno.EACCES };
        }
        const isMon = p.mode >= AuthMode.MON && p.mode <= AuthMode.MON_MAX;
        const isAuthorizer = p.mode >= AuthMode.AUTHORIZER && p.mode <= AuthMode.AUTHORIZER_MAX;
        if (!isMon && !isAuthorizer) return { kind: 'error', errno: -Errno.EACCES };
        const globalId = isMon ? this.assign(p.globalId) : p.globalId;
        return { kind: 'done', payload: EMPTY, result: { globalId }, peerName: p.name };
      },
    };
  }

  /** msgr1 MAuth with method none: the global_id to put in MAuthReply (result_bl is empty). */
  msgr1Done(globalId: bigint): bigint {
    return this.assign(globalId);
  }

  private assign(globalId: bigint): bigint {
    if (globalId !== 0n || !this.opts.nextGlobalId) return globalId;
    return this.opts.nextGlobalId();
  }
}
