/**
 * A deliberately naive second implementation of msgr2 frame assembly, written straight from
 * ceph-wire.md §2.3–2.7, to cross-check FrameEncoder byte for byte and to report the size of each
 * on-wire part. Not optimised, not shared with src/.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv } from 'node:crypto';
import { crc32c } from '../../../../src/encoding/crc32c.ts';

export interface Mode {
  rev1: boolean;
  secure: boolean;
}
export const MODES: Mode[] = [
  { rev1: false, secure: false },
  { rev1: true, secure: false },
  { rev1: false, secure: true },
  { rev1: true, secure: true },
];
export const modeName = (m: Mode): string => `${m.rev1 ? 'msgr2.1' : 'msgr2.0'}-${m.secure ? 'secure' : 'crc'}`;

/** On-wire part sizes, straight from the table in wire §2.7. */
export interface Parts {
  preamble: number;
  segments: number[];
  epilogue: number;
}
const P = (x: number): number => Math.ceil(x / 16) * 16;

export function tableParts(m: Mode, lens: number[]): Parts {
  const n = lens.length;
  if (!m.secure && !m.rev1) return { preamble: 32, segments: lens, epilogue: 17 };
  if (!m.secure && m.rev1) return { preamble: 32, segments: lens.map((l, i) => (i === 0 && l ? l + 4 : l)), epilogue: n > 1 ? 13 : 0 };
  if (m.secure && !m.rev1) return { preamble: 32, segments: lens.map(P), epilogue: 32 };
  return {
    preamble: 96,
    segments: lens.map((l, i) => (i === 0 ? (P(l) > 48 ? P(l) - 48 + 16 : 0) : P(l))),
    epilogue: n > 1 ? 32 : 0,
  };
}
export const partsTotal = (p: Parts): number => p.preamble + p.epilogue + p.segments.reduce((a, b) => a + b, 0);

/** Logical segment count after trimming trailing empty segments (min 1). */
export function trim(segs: Buffer[]): Buffer[] {
  let n = segs.length;
  while (n > 1 && segs[n - 1]!.length === 0) n--;
  return segs.slice(0, n);
}

function u32(v: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
}

export function refPreamble(tag: number, lens: number[], aligns: number[]): Buffer {
  const p = Buffer.alloc(32);
  p[0] = tag;
  p[1] = lens.length;
  lens.forEach((l, i) => {
    p.writeUInt32LE(l, 2 + 6 * i);
    p.writeUInt16LE(aligns[i]!, 6 + 6 * i);
  });
  p.writeUInt32LE(crc32c(0, p.subarray(0, 28)), 28);
  return p;
}

/** The reference sender: keeps its own nonce counter. */
export class RefSender {
  private ops = 0;
  constructor(
    readonly mode: Mode,
    private readonly key?: Buffer,
    private readonly nonce0?: Buffer,
  ) {}

  private gcm(plain: Buffer): Buffer {
    const n = Buffer.from(this.nonce0!);
    if (this.mode.rev1) n.writeBigUInt64LE((n.readBigUInt64LE(4) + BigInt(this.ops)) % (1n << 64n), 4);
    else n.writeUInt32LE((n.readUInt32LE(0) + this.ops) >>> 0, 0);
    this.ops++;
    const c = createCipheriv('aes-128-gcm', this.key!, n);
    return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
  }

  /** Returns the frame bytes and the byte ranges of each part. */
  assemble(tag: number, segsIn: Buffer[], alignsIn: number[]): { bytes: Buffer; parts: Parts } {
    const segs = trim(segsIn);
    const lens = segs.map((s) => s.length);
    const aligns = alignsIn.slice(0, segs.length);
    const pre = refPreamble(tag, lens, aligns);
    const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc(P(b.length) - b.length)]);
    const m = this.mode;
    let parts: Buffer[];
    const sizes: Parts = { preamble: 0, segments: [], epilogue: 0 };
    if (!m.secure && !m.rev1) {
      const epi = Buffer.concat([Buffer.from([0]), ...[0, 1, 2, 3].map((i) => u32(i < segs.length ? crc32c(0xffffffff, segs[i]!) : 0))]);
      parts = [pre, ...segs, epi];
      Object.assign(sizes, { preamble: 32, segments: lens, epilogue: 17 });
    } else if (!m.secure && m.rev1) {
      const s0 = segs[0]!.length ? [segs[0]!, u32(crc32c(0xffffffff, segs[0]!))] : [];
      const epi =
        segs.length > 1 ? [Buffer.concat([Buffer.from([0x0e]), ...[1, 2, 3].map((i) => u32(i < segs.length ? crc32c(0xffffffff, segs[i]!) : 0))])] : [];
      parts = [pre, ...s0, ...segs.slice(1), ...epi];
      sizes.preamble = 32;
      sizes.segments = [s0.reduce((a, b) => a + b.length, 0), ...lens.slice(1)];
      sizes.epilogue = epi.reduce((a, b) => a + b.length, 0);
    } else if (m.secure && !m.rev1) {
      const plain = Buffer.concat([pre, ...segs.map(pad), Buffer.alloc(16)]);
      parts = [this.gcm(plain)];
      Object.assign(sizes, { preamble: 32, segments: lens.map(P), epilogue: 32 });
    } else {
      const p0 = pad(segs[0]!);
      const block = Buffer.concat([pre, p0.subarray(0, 48), Buffer.alloc(48 - Math.min(48, p0.length))]);
      parts = [this.gcm(block)];
      sizes.preamble = 96;
      if (p0.length > 48) {
        const c = this.gcm(p0.subarray(48));
        parts.push(c);
        sizes.segments.push(c.length);
      } else sizes.segments.push(0);
      for (let i = 1; i < segs.length; i++) sizes.segments.push(P(lens[i]!));
      if (segs.length > 1) {
        const epi = Buffer.alloc(16);
        epi[0] = 0x0e;
        const c = this.gcm(Buffer.concat([...segs.slice(1).map(pad), epi]));
        parts.push(c);
        sizes.epilogue = 32;
      }
    }
    return { bytes: Buffer.concat(parts), parts: sizes };
  }
}
