/** uuid_d (e.g. the cluster fsid): 16 raw bytes on the wire, printed as 8-4-4-4-12 hex. */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';

export function encodeUuid(w: Writer, uuid: string): void {
  w.bytes(uuidToBytes(uuid));
}
export function decodeUuid(r: Reader): string {
  return bytesToUuid(r.bytes(16));
}
export function uuidToBytes(uuid: string): Buffer {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new MsgrError('ERR_INVALID_ARG', `bad uuid '${uuid}'`);
  return Buffer.from(hex, 'hex');
}
export function bytesToUuid(b: Uint8Array): string {
  const h = Buffer.from(b.buffer, b.byteOffset, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
export const ZERO_UUID = '00000000-0000-0000-0000-000000000000';
