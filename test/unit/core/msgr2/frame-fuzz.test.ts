/**
 * Robustness: 20,000+ random and mutated inputs through FrameDecoder (all four modes), every
 * control-frame decoder and decodeHeader2. Only MsgrError may be thrown, every decode loop ends,
 * and a bogus length never turns into a big allocation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { isMsgrError } from '../../../../src/errors.ts';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { crc32c } from '../../../../src/encoding/crc32c.ts';
import { FrameDecoder } from '../../../../src/core/msgr2/frame-decoder.ts';
import { FrameEncoder } from '../../../../src/core/msgr2/frame-encoder.ts';
import { decodeControlFrame } from '../../../../src/core/msgr2/control-frame.ts';
import * as F from '../../../../src/core/msgr2/frames.ts';
import { decodeHeader2 } from '../../../../src/core/msgr2/header2.ts';
import { createSecureHandlers } from '../../../../src/core/msgr2/secure.ts';
import { Tag } from '../../../../src/core/msgr2/tags.ts';
import { CRC_CAPTURES, DIRS, golden } from './golden.ts';
import { Prng } from './prng.ts';
import { MODES, modeName, type Mode } from './reference.ts';

const SECRET = new Prng(0xf022).bytes(64);
const MAX_SEG = 1 << 20;

/** Run `fn`; anything thrown must be a MsgrError. Returns the error code or 'ok'. */
function only(fn: () => void, what: string): string {
  try {
    fn();
    return 'ok';
  } catch (e) {
    if (!isMsgrError(e)) assert.fail(`${what}: threw a non-MsgrError: ${e instanceof Error ? e.stack : String(e)}`);
    return e.code;
  }
}

/** Decode everything in `input` split into random chunks; decode the payloads of what comes out. */
function decodeAll(mode: Mode, input: Buffer, rng: Prng, maxSegmentLength?: number): { frames: number; code: string } {
  const dec = new FrameDecoder({ rev1: mode.rev1, ...(maxSegmentLength !== undefined ? { maxSegmentLength } : {}) });
  if (mode.secure) dec.setSecure(createSecureHandlers(SECRET, { rev1: mode.rev1, isServer: true }).rx);
  dec.recording = rng.int(2) === 0;
  const q = new ByteQueue();
  let frames = 0;
  let off = 0;
  const code = only(() => {
    while (off < input.length) {
      const n = 1 + rng.int(rng.int(4) === 0 ? 8 : 200);
      q.push(input.subarray(off, off + n));
      off += n;
      // every readFrame either consumes bytes or returns undefined: bounded by the input size
      for (let guard = 0; guard <= input.length + 1; guard++) {
        const f = dec.readFrame(q);
        if (!f) break;
        frames++;
        if (f.raw) assert.equal(f.raw.length >= f.preamble.onwireLength, true);
        const s0 = f.segments[0]!;
        if (f.tag === Tag.MESSAGE) only(() => decodeHeader2(s0), 'decodeHeader2');
        else only(() => decodeControlFrame(f.tag, s0), `decodeControlFrame(${f.tag})`);
      }
    }
  }, `decoder ${modeName(mode)}`);
  return { frames, code };
}

function fixPreambleCrc(b: Buffer, at = 0): void {
  b.writeUInt32LE(crc32c(0, b.subarray(at, at + 28)), at + 28);
}

/** Re-encrypt the first GCM operation of a secure frame after editing its plaintext preamble. */
function securePreambleEdit(mode: Mode, frame: Buffer, edit: (plain: Buffer) => void): Buffer {
  const key = SECRET.subarray(0, 16);
  const nonce = SECRET.subarray(28, 40);
  const len = mode.rev1 ? 80 : 32;
  // decrypt the first block with the keystream (GCM = CTR: ciphertext ^ keystream)
  const ks = createCipheriv('aes-128-gcm', key, nonce).update(Buffer.alloc(len));
  const plain = Buffer.alloc(len);
  for (let i = 0; i < len; i++) plain[i] = frame[i]! ^ ks[i]!;
  edit(plain);
  fixPreambleCrc(plain);
  const out = Buffer.from(frame);
  if (mode.rev1) {
    const c = createCipheriv('aes-128-gcm', key, nonce);
    Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]).copy(out, 0);
  } else for (let i = 0; i < len; i++) out[i] = plain[i]! ^ ks[i]!;
  return out;
}

/** Seed frames per mode: golden control/message payloads re-framed, and random multi-segment frames. */
function seeds(mode: Mode, rng: Prng): Buffer[] {
  const out: Buffer[] = [];
  const enc = (): FrameEncoder => {
    const e = new FrameEncoder({ rev1: mode.rev1 });
    if (mode.secure) e.setSecure(createSecureHandlers(SECRET, { rev1: mode.rev1, isServer: false }).tx);
    return e;
  };
  for (const name of CRC_CAPTURES) {
    for (const dir of DIRS) for (const f of golden(name, dir).frames) out.push(enc().encodeBytes(f.tag, f.segments, f.preamble.alignments));
  }
  for (let i = 0; i < 24; i++) {
    const lens = [rng.int(3) ? 41 : rng.int(100), rng.int(2) ? rng.int(300) : 0, rng.int(4) ? 0 : rng.int(50), rng.int(2) ? rng.int(5000) : 0];
    out.push(enc().encodeBytes(Tag.MESSAGE, lens.map((l) => rng.bytes(l))));
  }
  return out;
}

function mutate(mode: Mode, seed: Buffer, rng: Prng): Buffer {
  const b = Buffer.from(seed);
  const kind = rng.int(10);
  switch (kind) {
    case 0: // 1..8 bit flips anywhere
    case 1: {
      const n = 1 + rng.int(8);
      for (let i = 0; i < n; i++) b[rng.int(b.length)]! ^= 1 << rng.int(8);
      return b;
    }
    case 2: // truncation
      return b.subarray(0, rng.int(b.length));
    case 3: // garbage appended
      return Buffer.concat([b, rng.bytes(rng.int(300))]);
    case 4: // random bytes overwritten
      for (let i = rng.int(16); i >= 0; i--) b[rng.int(b.length)] = rng.u32() & 0xff;
      return b;
    case 5: // pure garbage, sometimes with a valid preamble crc
    {
      const g = rng.bytes(1 + rng.int(400));
      if (g.length >= 32 && rng.int(2) === 0) {
        g[1] = 1 + rng.int(4);
        fixPreambleCrc(g);
      }
      return g;
    }
    default: {
      // length / count / descriptor edits with the preamble crc made valid again
      const edit = (p: Buffer): void => {
        const what = rng.int(6);
        const seg = rng.int(4);
        if (what === 0) p.writeUInt32LE(rng.u32(), 2 + 6 * seg);
        else if (what === 1) p.writeUInt32LE(rng.int(1 << (1 + rng.int(28))), 2 + 6 * seg);
        else if (what === 2) p[1] = rng.int(7);
        else if (what === 3) p[0] = rng.int(256);
        else if (what === 4) p.writeUInt16LE(rng.int(0x10000), 6 + 6 * seg);
        else p[26] = rng.int(256);
      };
      if (!mode.secure) {
        edit(b);
        fixPreambleCrc(b);
        return b;
      }
      if (b.length < (mode.rev1 ? 96 : 32)) return b;
      return securePreambleEdit(mode, b, edit);
    }
  }
}

test('fuzz: 20,000+ mutated and random frames through FrameDecoder in all four modes → only MsgrError, no hang, no big allocation', (t) => {
  const before = process.memoryUsage().arrayBuffers;
  let total = 0;
  for (const mode of MODES) {
    const rng = new Prng(0xf0 + (mode.rev1 ? 2 : 0) + (mode.secure ? 1 : 0));
    const pool = seeds(mode, rng);
    const codes: Record<string, number> = {};
    let frames = 0;
    // the unmutated seeds decode cleanly (so the mutations start from valid frames)
    for (const s of pool) assert.equal(decodeAll(mode, s, rng).code, 'ok', `${modeName(mode)} seed`);
    for (let i = 0; i < 5200; i++) {
      let input = mutate(mode, rng.pick(pool), rng);
      if (rng.int(4) === 0) input = Buffer.concat([input, rng.pick(pool)]); // a good frame after the bad one
      const r = decodeAll(mode, input, rng, rng.int(2) ? MAX_SEG : undefined);
      codes[r.code] = (codes[r.code] ?? 0) + 1;
      frames += r.frames;
      total++;
    }
    t.diagnostic(`${modeName(mode)}: ${JSON.stringify(codes)}, frames decoded ${frames}`);
    assert.ok(Object.keys(codes).length >= 3, 'the mutations reach several different checks');
  }
  assert.ok(total >= 20000);
  const grown = process.memoryUsage().arrayBuffers - before;
  assert.ok(grown < 64 * 1024 * 1024, `arrayBuffers grew by ${grown}`);
});

test('fuzz: every control-frame decoder and decodeHeader2 on 20,000+ mutated payloads → value or MsgrError', (t) => {
  const rng = new Prng(0xc7);
  const payloads: [number, Buffer][] = [];
  for (const name of CRC_CAPTURES) for (const dir of DIRS) for (const f of golden(name, dir).frames) payloads.push([f.tag, f.segments[0]!]);
  payloads.push(
    [Tag.AUTH_BAD_METHOD, F.encodeAuthBadMethod({ method: 2, result: -13, allowedMethods: [2, 1], allowedModes: [2, 1] })],
    [Tag.IDENT_MISSING_FEATURES, F.encodeIdentMissingFeatures({ features: 0x0401020002040000n })],
    [Tag.SESSION_RECONNECT, F.encodeSessionReconnect({ addrs: F.decodeServerIdent(golden('v2-crc-cephx', 's2c').frames[4]!.segments[0]!).addrs, clientCookie: 1n, serverCookie: 2n, globalSeq: 3n, connectSeq: 4n, msgSeq: 5n })],
    [Tag.SESSION_RESET, F.encodeSessionReset({ full: true })],
    [Tag.SESSION_RETRY, F.encodeSessionRetry({ connectSeq: 9n })],
    [Tag.SESSION_RETRY_GLOBAL, F.encodeSessionRetryGlobal({ globalSeq: 9n })],
    [Tag.SESSION_RECONNECT_OK, F.encodeSessionReconnectOk({ msgSeq: 9n })],
    [Tag.WAIT, F.encodeWait()],
    [Tag.KEEPALIVE2, F.encodeKeepalive2({ stamp: { sec: 1, nsec: 2 } })],
    [Tag.KEEPALIVE2_ACK, F.encodeKeepalive2Ack({ stamp: { sec: 1, nsec: 2 } })],
    [Tag.ACK, F.encodeAck({ seq: 77n })],
    [Tag.COMPRESSION_REQUEST, F.encodeCompressionRequest({ isCompress: true, preferredMethods: [1, 2] })],
    [Tag.COMPRESSION_DONE, F.encodeCompressionDone({ isCompress: true, method: 2 })],
  );
  const codes: Record<string, number> = {};
  let runs = 0;
  for (let i = 0; i < 22000; i++) {
    const [tag0, p0] = rng.pick(payloads);
    const tag = rng.int(8) === 0 ? 1 + rng.int(22) : tag0; // sometimes another tag's decoder
    let p: Buffer = Buffer.from(p0);
    switch (rng.int(5)) {
      case 0: for (let k = 1 + rng.int(4); k > 0; k--) if (p.length) p[rng.int(p.length)]! ^= 1 << rng.int(8); break;
      case 1: p = p.subarray(0, rng.int(p.length + 1)); break;
      case 2: if (p.length >= 4) p.writeUInt32LE(rng.int(2) ? rng.u32() : rng.int(64), rng.int(p.length - 3)); break;
      case 3: p = rng.bytes(rng.int(200)); break;
      default: p = Buffer.concat([p, rng.bytes(rng.int(16))]);
    }
    const c = only(() => {
      if (tag === Tag.MESSAGE) decodeHeader2(p);
      else {
        const d = decodeControlFrame(tag, p);
        assert.equal(d.tag, tag);
      }
    }, `tag ${tag}`);
    codes[c] = (codes[c] ?? 0) + 1;
    only(() => decodeHeader2(p), 'decodeHeader2');
    runs++;
  }
  t.diagnostic(JSON.stringify(codes));
  assert.ok(runs >= 20000);
  assert.ok((codes.ok ?? 0) > 1000 && (codes.ERR_DECODE_SHORT ?? 0) > 1000, 'both outcomes are exercised');
});

test('fuzz: random byte streams (no seed) in every mode → only MsgrError', () => {
  const rng = new Prng(0xabc);
  for (const mode of MODES) {
    for (let i = 0; i < 500; i++) decodeAll(mode, rng.bytes(rng.int(2000)), rng);
  }
});
