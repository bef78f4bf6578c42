/**
 * MMgrMap (type 0x704): the mon's push of the MgrMap. The MgrMap itself is not decoded by
 * ceph-msgr: the body is the raw front (an encoded MgrMap) so the type is known and can be
 * passed through or re-sent byte for byte.
 */
import type { Buffer } from 'node:buffer';
import { defineCodec } from './define-codec.ts';
import { MsgType } from './msg-types.ts';

export interface MMgrMap {
  /** the encoded MgrMap, opaque */
  mgrMapBl: Buffer;
}

export const MMgrMapCodec = defineCodec<MMgrMap>({
  type: MsgType.MGR_MAP,
  name: 'MMgrMap',
  headVersion: 1,
  compatVersion: 1,
  encodePayload(body) {
    return { front: body.mgrMapBl };
  },
  decodePayload(msg) {
    return { mgrMapBl: msg.front };
  },
});
