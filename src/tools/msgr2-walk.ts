/**
 * Walking one direction of a msgr2 byte stream frame by frame, for the annotated decoder.
 *
 * Clear frames (crc mode, and the pre-auth frames of a secure session) are taken apart here with
 * the wire layout (frame-layout.ts), so that a bad crc is reported (BAD) instead of ending the
 * walk: lengths come from the preamble, which has its own crc; only a bad preamble crc stops the
 * walk (nothing after it can be trusted). Secure frames go through the real FrameDecoder with
 * the session's receive cipher; a GCM tag mismatch stops the walk.
 */
import { Buffer } from 'node:buffer';
import { ByteQueue } from '../encoding/byte-queue.ts';
import { crc32c } from '../encoding/crc32c.ts';
import { tryDecodeBanner } from '../core/msgr2/banner.ts';
import { FrameDecoder } from '../core/msgr2/frame-decoder.ts';
import { CRC_LEN, EPILOGUE_CRC_REV0_LEN, EPILOGUE_CRC_REV1_LEN, MAX_SEGMENTS, PREAMBLE_LEN, onwireParts, readU32 } from '../core/msgr2/frame-layout.ts';
import { createSecureHandlers } from '../core/msgr2/secure.ts';
import { tagName } from '../core/msgr2/tags.ts';
import type { CrcCheck, DecodedItem, Dir } from './annotate.ts';

export interface RawFrame {
  tag: number;
  segments: Buffer[];
  item: DecodedItem;
}

export class V2Walker {
  pos = 0;
  /** the walk cannot go on (bad preamble, GCM failure, truncated) */
  stopped = false;

  constructor(
    readonly stream: number,
    readonly dir: Dir,
    readonly bytes: Buffer,
  ) {}

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  private item(kind: DecodedItem['kind'], name: string, offset: number, length: number, checks: CrcCheck[] = []): DecodedItem {
    return { stream: this.stream, dir: this.dir, offset, length, kind, name, checks };
  }

  /** The banner, or an error item. */
  banner(): { item: DecodedItem; supported: bigint; required: bigint } | { item: DecodedItem; supported?: undefined } {
    const q = new ByteQueue();
    q.push(this.bytes);
    try {
      const b = tryDecodeBanner(q);
      if (!b) return { item: this.stop('truncated banner') };
      const it = this.item('banner', 'banner', 0, b.raw.length);
      it.fields = { supported: `0x${b.supported.toString(16)}`, required: `0x${b.required.toString(16)}` };
      this.pos = b.raw.length;
      return { item: it, supported: b.supported, required: b.required };
    } catch (e) {
      return { item: this.stop((e as Error).message) };
    }
  }

  /** An error item covering the rest of the stream; the walk ends. */
  stop(error: string, kind: DecodedItem['kind'] = 'error'): DecodedItem {
    const it = this.item(kind, kind === 'encrypted' ? 'encrypted' : 'error', this.pos, this.remaining);
    it.error = error;
    this.pos = this.bytes.length;
    this.stopped = true;
    return it;
  }

  /** The next frame in crc (clear) layout, or undefined at the end of the stream. */
  clearFrame(rev1: boolean): RawFrame | DecodedItem | undefined {
    if (this.stopped || this.remaining === 0) return undefined;
    const b = this.bytes;
    const at = this.pos;
    if (this.remaining < PREAMBLE_LEN) return this.stop(`truncated: ${this.remaining} bytes, less than a preamble`);
    const pre = b.subarray(at, at + PREAMBLE_LEN);
    const preCrc = readU32(pre, 28);
    const preCalc = crc32c(0, pre.subarray(0, 28));
    const tag = pre[0]!;
    const n = pre[1]!;
    if (preCrc !== preCalc || n < 1 || n > MAX_SEGMENTS) {
      const it = this.stop(preCrc !== preCalc ? 'preamble crc BAD: frame lengths cannot be trusted, walk stopped' : `bad segment count ${n}`);
      it.checks.push({ what: 'preamble', ok: preCrc === preCalc, expected: preCrc, computed: preCalc });
      return it;
    }
    const lengths: number[] = [];
    for (let i = 0; i < n; i++) lengths.push(readU32(pre, 2 + 6 * i));
    const parts = onwireParts({ rev1, secure: false }, lengths);
    if (this.remaining < parts.total) {
      const it = this.stop(`truncated ${tagName(tag)} frame: ${parts.total} bytes on the wire, ${this.remaining} captured`);
      it.segments = lengths;
      return it;
    }
    const checks: CrcCheck[] = [{ what: 'preamble', ok: true, expected: preCrc, computed: preCalc }];
    const segs: Buffer[] = [];
    let o = at + PREAMBLE_LEN;
    const check = (what: string, seg: Buffer, expected: number): void => {
      const computed = crc32c(0xffffffff, seg);
      checks.push({ what, ok: computed === expected, expected, computed });
    };
    let late: number;
    if (rev1) {
      const l0 = lengths[0]!;
      segs.push(b.subarray(o, o + l0));
      if (l0 > 0) {
        check('seg0', segs[0]!, readU32(b, o + l0));
        o += l0 + CRC_LEN;
      }
      for (let i = 1; i < n; i++) {
        segs.push(b.subarray(o, o + lengths[i]!));
        o += lengths[i]!;
      }
      late = 0x0e;
      if (n > 1) {
        late = b[o]!;
        for (let i = 1; i < n; i++) check(`seg${i}`, segs[i]!, readU32(b, o + 1 + 4 * (i - 1)));
        o += EPILOGUE_CRC_REV1_LEN;
      }
    } else {
      for (let i = 0; i < n; i++) {
        segs.push(b.subarray(o, o + lengths[i]!));
        o += lengths[i]!;
      }
      late = b[o]! === 0 ? 0x0e : b[o]! & 1 ? 0x01 : b[o]!;
      for (let i = 0; i < n; i++) check(`seg${i}`, segs[i]!, readU32(b, o + 1 + 4 * i));
      o += EPILOGUE_CRC_REV0_LEN;
    }
    this.pos = o;
    const it = this.item('frame', tagName(tag), at, o - at, checks);
    it.segments = lengths;
    if ((late & 0x0f) === 0x01) it.error = 'frame aborted by the sender (late status)';
    else if ((late & 0x0f) !== 0x0e) it.error = `bad late status 0x${late.toString(16)}`;
    return { tag, segments: segs, item: it };
  }

  /** Every remaining frame, decrypted with the connection secret (secure mode). */
  *secureFrames(rev1: boolean, secret: Buffer, receiverIsServer: boolean): Generator<RawFrame | DecodedItem> {
    const dec = new FrameDecoder({ rev1 });
    dec.setSecure(createSecureHandlers(secret, { rev1, isServer: receiverIsServer }).rx);
    const q = new ByteQueue();
    q.push(this.bytes.subarray(this.pos));
    for (;;) {
      const before = q.length;
      const at = this.pos;
      if (before === 0) return;
      let f;
      try {
        f = dec.readFrame(q);
      } catch (e) {
        const it = this.stop(`${(e as Error).message} (walk stopped)`);
        it.checks.push({ what: 'gcm', ok: false });
        yield it;
        return;
      }
      if (!f) {
        yield this.stop(`truncated: ${before} bytes left, not a whole frame`);
        return;
      }
      const len = before - q.length;
      this.pos += len;
      const it = this.item('frame', tagName(f.tag), at, len, [
        { what: 'gcm', ok: true },
        { what: 'preamble', ok: true },
      ]);
      it.segments = f.preamble.lengths.slice();
      it.decrypted = true;
      yield { tag: f.tag, segments: f.segments, item: it };
    }
  }
}
