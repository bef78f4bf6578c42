/**
 * Builds a {@link MessageCodec} from a payload encoder and decoder, adding what every codec must
 * do the same way:
 * - encode: the Message gets the codec's type, head/compat versions (unless the payload encoder
 *   picks older ones for a legacy peer) and default priority;
 * - decode: checks the type, refuses a header compat_version above our head version (Ceph refuses
 *   to decode such a message too) with ERR_DECODE_VERSION, and lets ERR_DECODE_* errors of the
 *   payload decoder through unchanged. Anything else thrown (a bug) becomes ERR_MESSAGE_DECODE.
 *
 * Error policy of the catalogue (documented for callers): payload decode failures surface with
 * their original `ERR_DECODE_*` code (SHORT, INVALID, VERSION, TOO_LARGE) and origin 'remote';
 * `ERR_MESSAGE_DECODE` is only used for a type mismatch or an unexpected internal failure.
 * Use {@link isMessageDecodeError} to test for "this payload could not be decoded".
 */
import { Buffer } from 'node:buffer';
import { MsgrError, isMsgrError } from '../errors.ts';
import { Reader } from '../encoding/reader.ts';
import { Message, type MessageCodec } from './message.ts';

/** What a payload encoder produces. Omitted versions default to the codec's head/compat. */
export interface EncodedPayload {
  front: Buffer;
  middle?: Buffer;
  data?: Buffer;
  tid?: bigint;
  dataOff?: number;
  version?: number;
  compatVersion?: number;
}

export interface CodecSpec<T> {
  readonly type: number;
  readonly name: string;
  readonly headVersion: number;
  readonly compatVersion: number;
  readonly priority?: number;
  encodePayload(body: T, features: bigint): EncodedPayload;
  decodePayload(msg: Message, features: bigint): T;
}

export function defineCodec<T>(spec: CodecSpec<T>): MessageCodec<T> {
  const codec: MessageCodec<T> = {
    type: spec.type,
    name: spec.name,
    headVersion: spec.headVersion,
    compatVersion: spec.compatVersion,
    ...(spec.priority !== undefined ? { priority: spec.priority } : {}),
    encode(body: T, features: bigint): Message {
      const p = spec.encodePayload(body, features);
      const version = p.version ?? spec.headVersion;
      return new Message({
        type: spec.type,
        priority: spec.priority ?? 0,
        version,
        compatVersion: p.compatVersion ?? (p.version !== undefined ? version : spec.compatVersion),
        tid: p.tid ?? 0n,
        front: p.front,
        ...(p.middle !== undefined ? { middle: p.middle } : {}),
        ...(p.data !== undefined ? { data: p.data } : {}),
        ...(p.dataOff !== undefined ? { dataOff: p.dataOff } : {}),
      });
    },
    decode(msg: Message, features: bigint): T {
      if (msg.type !== spec.type) {
        throw new MsgrError('ERR_MESSAGE_DECODE', `${spec.name}: message type ${msg.type} is not ${spec.type}`);
      }
      if (msg.compatVersion > spec.headVersion) {
        throw new MsgrError(
          'ERR_DECODE_VERSION',
          `${spec.name}: compat_version ${msg.compatVersion} > supported ${spec.headVersion}`,
          { origin: 'remote' },
        );
      }
      try {
        return spec.decodePayload(msg, features);
      } catch (e) {
        if (isMsgrError(e)) throw e;
        throw new MsgrError('ERR_MESSAGE_DECODE', `${spec.name}: ${e instanceof Error ? e.message : String(e)}`, {
          origin: 'remote',
          cause: e,
        });
      }
    },
  };
  return Object.freeze(codec);
}

/** A reader over a message's front segment. */
export function frontReader(msg: Message): Reader {
  return new Reader(msg.front);
}

/** True for the errors a codec's decode raises on a bad payload (ERR_DECODE_* or ERR_MESSAGE_DECODE). */
export function isMessageDecodeError(e: unknown): e is MsgrError {
  return isMsgrError(e) && (e.code.startsWith('ERR_DECODE_') || e.code === 'ERR_MESSAGE_DECODE');
}

/** Byte-wise (memcmp) order of UTF-8 strings, as std::string's operator< sorts map/set keys. */
export function compareStringBytes(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** Entries of a string-keyed map sorted as Ceph's std::map would encode them. */
export function sortedByKey<V>(m: ReadonlyMap<string, V>): [string, V][] {
  return [...m.entries()].sort((x, y) => compareStringBytes(x[0], y[0]));
}

/** A string set in Ceph's std::set<std::string> order, duplicates removed. */
export function sortedStrings(s: Iterable<string>): string[] {
  return [...new Set(s)].sort(compareStringBytes);
}

/** An int set in std::set<int32_t> order, duplicates removed. */
export function sortedInts(s: Iterable<number>): number[] {
  return [...new Set(s)].sort((a, b) => a - b);
}
