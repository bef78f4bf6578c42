/**
 * The message registry: type id → codec, plus {@link defaultRegistry} with every codec of the
 * catalogue registered.
 *
 * Errors of `decode()`:
 * - no codec for the type → ERR_MESSAGE_UNKNOWN_TYPE (origin remote);
 * - a payload that does not decode → the codec's original ERR_DECODE_* code (SHORT, INVALID,
 *   VERSION, TOO_LARGE), never wrapped, origin remote. ERR_MESSAGE_DECODE is reserved for an
 *   unexpected failure inside a codec (it wraps the cause). `isMessageDecodeError()` matches both.
 * Either way Ceph would fault the connection (wire §4.5, §10.14).
 */
import { MsgrError } from '../errors.ts';
import type { Message, MessageCodec } from './message.ts';
import { MSG_TYPE_CLASS_NAMES } from './msg-types.ts';
import { MAuthCodec, MAuthReplyCodec } from './auth.ts';
import { MConfigCodec, MGetConfigCodec } from './config.ts';
import { MMgrMapCodec } from './mgr-map.ts';
import { MMonCommandAckCodec, MMonCommandCodec } from './mon-command.ts';
import { MMonGetMapCodec } from './mon-get-map.ts';
import { MMonGetVersionCodec, MMonGetVersionReplyCodec } from './mon-get-version.ts';
import { MMonMapCodec } from './mon-map.ts';
import { MMonProbeCodec } from './mon-probe.ts';
import { MMonSubscribeAckCodec, MMonSubscribeCodec } from './mon-subscribe.ts';
import { MOSDMapCodec } from './osd-map.ts';
import { MPingCodec } from './ping.ts';

export { MsgType, MSG_TYPE_CLASS_NAMES } from './msg-types.ts';
export { isMessageDecodeError } from './define-codec.ts';

export class MessageRegistry {
  readonly #codecs = new Map<number, MessageCodec<unknown>>();

  /** Add a codec; replaces an earlier codec of the same type. */
  register(codec: MessageCodec<unknown>): void {
    if (!Number.isInteger(codec.type) || codec.type < 0 || codec.type > 0xffff) {
      throw new MsgrError('ERR_INVALID_ARG', `message type ${codec.type} is not a u16`);
    }
    this.#codecs.set(codec.type, codec);
  }

  get(type: number): MessageCodec<unknown> | undefined {
    return this.#codecs.get(type);
  }

  has(type: number): boolean {
    return this.#codecs.has(type);
  }

  /** Registered type ids, ascending. */
  types(): number[] {
    return [...this.#codecs.keys()].sort((a, b) => a - b);
  }

  /** Ceph's class name ('MPing'), or 'type 9999' for a type nobody knows. */
  name(type: number): string {
    return this.#codecs.get(type)?.name ?? MSG_TYPE_CLASS_NAMES[type] ?? `type ${type}`;
  }

  /** Decode a received message with its codec (see the module comment for the errors). */
  decode(msg: Message, features: bigint): unknown {
    const codec = this.#codecs.get(msg.type);
    if (!codec) {
      throw new MsgrError('ERR_MESSAGE_UNKNOWN_TYPE', `no codec for message ${this.name(msg.type)}`, { origin: 'remote' });
    }
    return codec.decode(msg, features);
  }

  /** A new registry with the same codecs (to add private types without touching the default). */
  clone(): MessageRegistry {
    const r = new MessageRegistry();
    for (const c of this.#codecs.values()) r.register(c);
    return r;
  }
}

/** Every codec of the catalogue. */
export const CATALOGUE: readonly MessageCodec<unknown>[] = Object.freeze([
  MPingCodec,
  MMonMapCodec,
  MMonGetMapCodec,
  MMonSubscribeCodec,
  MMonSubscribeAckCodec,
  MAuthCodec,
  MAuthReplyCodec,
  MMonGetVersionCodec,
  MMonGetVersionReplyCodec,
  MOSDMapCodec,
  MMonCommandCodec,
  MMonCommandAckCodec,
  MConfigCodec,
  MGetConfigCodec,
  MMonProbeCodec,
  MMgrMapCodec,
] as MessageCodec<unknown>[]);

function makeDefault(): MessageRegistry {
  const r = new MessageRegistry();
  for (const c of CATALOGUE) r.register(c);
  return r;
}

/** The registry with every codec of the catalogue. */
export const defaultRegistry: MessageRegistry = makeDefault();
