/** MMonGetMap (type 5): asks a mon for its MonMap (answered with MMonMap). Empty payload. */
import { Buffer } from 'node:buffer';
import { defineCodec } from './define-codec.ts';
import { MsgType } from './msg-types.ts';

export type MMonGetMap = Record<never, never>;

export const MMonGetMapCodec = defineCodec<MMonGetMap>({
  type: MsgType.MON_GET_MAP,
  name: 'MMonGetMap',
  headVersion: 1,
  compatVersion: 1,
  encodePayload() {
    return { front: Buffer.alloc(0) };
  },
  decodePayload() {
    return {};
  },
});
