/**
 * msgr1 mon authentication (wire §6.9): the auth_payload of the first MAuth (protocol 0), which
 * lists the client's methods and says who it is. Later MAuth / MAuthReply payloads are the same
 * bytes as the msgr2 AUTH_REQUEST_MORE / AUTH_DONE payloads of the chosen method.
 */
import { Buffer } from 'node:buffer';
import { MsgrError, isMsgrError } from '../../errors.ts';
import { Reader } from '../../encoding/reader.ts';
import { encode } from '../../encoding/writer.ts';
import { decodeEntityName, encodeEntityName, type EntityName } from '../../encoding/types/entity-name.ts';

export interface MAuthInitial {
  methods: number[];
  name: EntityName;
  globalId: bigint;
}

/** u8 1, vector<u32> methods, EntityName, le64 global_id. */
export function encodeMAuthInitial(m: MAuthInitial): Buffer {
  return encode((w) => {
    w.u8(1).u32list(m.methods);
    encodeEntityName(w, m.name);
    w.u64(m.globalId);
  }, 64);
}

/** Inverse of {@link encodeMAuthInitial}; malformed → ERR_AUTH_FAILED. */
export function decodeMAuthInitial(payload: Buffer): MAuthInitial {
  try {
    const r = new Reader(payload);
    r.u8();
    const methods = r.u32list();
    const name = decodeEntityName(r);
    const globalId = r.u64();
    return { methods, name, globalId };
  } catch (e) {
    if (isMsgrError(e) && !e.code.startsWith('ERR_DECODE')) throw e;
    throw new MsgrError('ERR_AUTH_FAILED', 'malformed initial MAuth payload', { origin: 'remote', cause: e });
  }
}

/** Server: the first of our methods (in our preference order) that the client also offered. */
export function pickMAuthMethod(ours: readonly number[], offered: readonly number[]): number | undefined {
  for (const m of ours) if (offered.includes(m)) return m;
  return undefined;
}
