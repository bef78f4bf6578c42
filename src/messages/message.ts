/**
 * A Ceph message as the messenger carries it: type, priority, versions, tid and three payload
 * segments (front, middle, data). Typed message classes encode into / decode from these segments
 * through a {@link MessageCodec}; the messenger itself only moves segments.
 *
 * Ownership: buffers given to `send()` must not be modified until the message is acknowledged
 * (lossless) or written (lossy); received buffers are views the receiver may keep.
 */
import { Buffer } from 'node:buffer';
import type { EntityNameT } from '../encoding/types/entity-name.ts';

export const Priority = {
  LOW: 64,
  DEFAULT: 127,
  HIGH: 196,
  HIGHEST: 255,
} as const;

/** Footer / header2 flags. */
export const MsgFlag = {
  COMPLETE: 1,
  NOCRC: 2,
  SIGNED: 4,
} as const;

const EMPTY = Buffer.alloc(0);

export interface MessageInit {
  type: number;
  priority?: number;
  version?: number;
  compatVersion?: number;
  tid?: bigint;
  front?: Buffer;
  middle?: Buffer;
  data?: Buffer;
  dataOff?: number;
}

export class Message {
  type: number;
  /** 0 means "the messenger's default" (127), resolved when queued. */
  priority: number;
  version: number;
  compatVersion: number;
  tid: bigint;
  front: Buffer;
  middle: Buffer;
  data: Buffer;
  dataOff: number;
  /** Assigned by the session when the message is first written (dense per session). */
  seq = 0n;
  /** On receive: the sender's name (type from the handshake, num from its gid). */
  src: EntityNameT | undefined;
  /** On receive: header flags as sent (header2.flags / footer.flags). */
  flags = 0;

  constructor(init: MessageInit) {
    this.type = init.type;
    this.priority = init.priority ?? 0;
    this.version = init.version ?? 1;
    this.compatVersion = init.compatVersion ?? this.version;
    this.tid = init.tid ?? 0n;
    this.front = init.front ?? EMPTY;
    this.middle = init.middle ?? EMPTY;
    this.data = init.data ?? EMPTY;
    this.dataOff = init.dataOff ?? 0;
  }

  /** Total payload bytes (front + middle + data): what byte throttles count. */
  get payloadLength(): number {
    return this.front.length + this.middle.length + this.data.length;
  }

  toString(): string {
    return `msg(type=${this.type} seq=${this.seq} tid=${this.tid} prio=${this.priority} v${this.version}/${this.compatVersion} ${this.front.length}+${this.middle.length}+${this.data.length})`;
  }
}

/** Encodes and decodes one message type's payload. */
export interface MessageCodec<T> {
  readonly type: number;
  /** Ceph's class name, e.g. 'MPing', 'MMonCommand'. */
  readonly name: string;
  readonly headVersion: number;
  readonly compatVersion: number;
  /** Default priority for this type (0 = messenger default). */
  readonly priority?: number;
  /** Encode a body into a Message (features = the connection's negotiated features). */
  encode(body: T, features: bigint): Message;
  /** Decode a Message of this type. Throws MsgrError (ERR_MESSAGE_DECODE / ERR_DECODE_*). */
  decode(msg: Message, features: bigint): T;
}
