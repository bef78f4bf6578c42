/** Frames of the real Ceph 16.2.15 captures (rev1 crc), split with FrameDecoder, raw bytes kept. */
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { tryDecodeBanner, type Banner } from '../../../../src/core/msgr2/banner.ts';
import { FrameDecoder, type Frame } from '../../../../src/core/msgr2/frame-decoder.ts';
import { loadStream, type CaptureName } from '../../../helpers/captures.ts';

export type CrcCapture = 'v2-crc-authnone' | 'v2-crc-cephx';
export const CRC_CAPTURES: CrcCapture[] = ['v2-crc-authnone', 'v2-crc-cephx'];
export const DIRS = ['c2s', 's2c'] as const;
export type Dir = (typeof DIRS)[number];

/** The frame walk of each capture (tag names), as seen in the captures. */
export const EXPECTED_WALK: Record<CrcCapture, Record<Dir, string[]>> = {
  'v2-crc-authnone': {
    c2s: ['HELLO', 'AUTH_REQUEST', 'AUTH_SIGNATURE', 'CLIENT_IDENT', 'MESSAGE', 'MESSAGE'],
    s2c: ['HELLO', 'AUTH_DONE', 'AUTH_SIGNATURE', 'SERVER_IDENT', 'MESSAGE', 'MESSAGE', 'MESSAGE'],
  },
  'v2-crc-cephx': {
    c2s: ['HELLO', 'AUTH_REQUEST', 'AUTH_REQUEST_MORE', 'AUTH_SIGNATURE', 'CLIENT_IDENT', 'MESSAGE', 'MESSAGE'],
    s2c: ['HELLO', 'AUTH_REPLY_MORE', 'AUTH_DONE', 'AUTH_SIGNATURE', 'SERVER_IDENT', 'MESSAGE', 'MESSAGE', 'MESSAGE'],
  },
};

export interface Golden {
  stream: Buffer;
  banner: Banner;
  frames: Frame[];
}

export function golden(name: CaptureName, dir: Dir): Golden {
  const stream = loadStream(name, dir);
  const q = new ByteQueue();
  q.push(stream);
  const banner = tryDecodeBanner(q);
  if (!banner) throw new Error('no banner');
  const d = new FrameDecoder({ rev1: true });
  d.recording = true;
  const frames: Frame[] = [];
  for (let f = d.readFrame(q); f; f = d.readFrame(q)) frames.push(f);
  if (q.length !== 0) throw new Error(`${q.length} bytes left after the last frame`);
  return { stream, banner, frames };
}
