/**
 * Control-frame payload decoding by tag: one entry point for callers that dispatch on the tag
 * (logging, fuzzing, generic tooling). The per-tag codecs live in frames.ts.
 */
import type { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import * as F from './frames.ts';
import { Tag } from './tags.ts';

/** A decoded control frame, discriminated by tag. */
export type ControlFrame =
  | { tag: typeof Tag.HELLO; frame: F.HelloFrame }
  | { tag: typeof Tag.AUTH_REQUEST; frame: F.AuthRequestFrame }
  | { tag: typeof Tag.AUTH_BAD_METHOD; frame: F.AuthBadMethodFrame }
  | { tag: typeof Tag.AUTH_REPLY_MORE; frame: F.AuthReplyMoreFrame }
  | { tag: typeof Tag.AUTH_REQUEST_MORE; frame: F.AuthRequestMoreFrame }
  | { tag: typeof Tag.AUTH_DONE; frame: F.AuthDoneFrame }
  | { tag: typeof Tag.AUTH_SIGNATURE; frame: F.AuthSignatureFrame }
  | { tag: typeof Tag.CLIENT_IDENT; frame: F.ClientIdentFrame }
  | { tag: typeof Tag.SERVER_IDENT; frame: F.ServerIdentFrame }
  | { tag: typeof Tag.IDENT_MISSING_FEATURES; frame: F.IdentMissingFeaturesFrame }
  | { tag: typeof Tag.SESSION_RECONNECT; frame: F.SessionReconnectFrame }
  | { tag: typeof Tag.SESSION_RESET; frame: F.SessionResetFrame }
  | { tag: typeof Tag.SESSION_RETRY; frame: F.SessionRetryFrame }
  | { tag: typeof Tag.SESSION_RETRY_GLOBAL; frame: F.SessionRetryGlobalFrame }
  | { tag: typeof Tag.SESSION_RECONNECT_OK; frame: F.SessionReconnectOkFrame }
  | { tag: typeof Tag.WAIT; frame: F.WaitFrame }
  | { tag: typeof Tag.KEEPALIVE2; frame: F.Keepalive2Frame }
  | { tag: typeof Tag.KEEPALIVE2_ACK; frame: F.Keepalive2AckFrame }
  | { tag: typeof Tag.ACK; frame: F.AckFrame }
  | { tag: typeof Tag.COMPRESSION_REQUEST; frame: F.CompressionRequestFrame }
  | { tag: typeof Tag.COMPRESSION_DONE; frame: F.CompressionDoneFrame };

const DECODERS: Record<number, (b: Buffer) => unknown> = {
  [Tag.HELLO]: F.decodeHello,
  [Tag.AUTH_REQUEST]: F.decodeAuthRequest,
  [Tag.AUTH_BAD_METHOD]: F.decodeAuthBadMethod,
  [Tag.AUTH_REPLY_MORE]: F.decodeAuthReplyMore,
  [Tag.AUTH_REQUEST_MORE]: F.decodeAuthRequestMore,
  [Tag.AUTH_DONE]: F.decodeAuthDone,
  [Tag.AUTH_SIGNATURE]: F.decodeAuthSignature,
  [Tag.CLIENT_IDENT]: F.decodeClientIdent,
  [Tag.SERVER_IDENT]: F.decodeServerIdent,
  [Tag.IDENT_MISSING_FEATURES]: F.decodeIdentMissingFeatures,
  [Tag.SESSION_RECONNECT]: F.decodeSessionReconnect,
  [Tag.SESSION_RESET]: F.decodeSessionReset,
  [Tag.SESSION_RETRY]: F.decodeSessionRetry,
  [Tag.SESSION_RETRY_GLOBAL]: F.decodeSessionRetryGlobal,
  [Tag.SESSION_RECONNECT_OK]: F.decodeSessionReconnectOk,
  [Tag.WAIT]: F.decodeWait,
  [Tag.KEEPALIVE2]: F.decodeKeepalive2,
  [Tag.KEEPALIVE2_ACK]: F.decodeKeepalive2Ack,
  [Tag.ACK]: F.decodeAck,
  [Tag.COMPRESSION_REQUEST]: F.decodeCompressionRequest,
  [Tag.COMPRESSION_DONE]: F.decodeCompressionDone,
};

/**
 * Decode the payload of any control frame by tag. MESSAGE (17) and unknown tags throw
 * ERR_FRAME_UNKNOWN_TAG (MESSAGE frames go through header2 + the message codecs instead).
 */
export function decodeControlFrame(tag: number, payload: Buffer): ControlFrame {
  const dec = DECODERS[tag];
  if (dec === undefined) throw new MsgrError('ERR_FRAME_UNKNOWN_TAG', `no control-frame decoder for tag ${tag}`, { origin: 'remote' });
  return { tag, frame: dec(payload) } as ControlFrame;
}
