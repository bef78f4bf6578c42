/**
 * msgr2 secure mode: AES-128-GCM with the key/nonce schedule of wire §3.3 (Ceph crypto_onwire.cc).
 *
 * connection_secret (64 bytes, only 40 used): [0,16) key, [16,28) initial nonce of server→client
 * traffic, [28,40) initial nonce of client→server traffic. Nonce = le32 `fixed` + le64 `counter`;
 * every GCM operation uses the current nonce and then advances it: msgr2.0 adds 1 to the le32
 * first field (mod 2^32), msgr2.1 adds 1 to the le64 counter (mod 2^64). rev0 uses one operation
 * per frame, rev1 one to three (preamble block, segment-0 remainder, tail). Like Ceph's TX handler
 * we refuse to use the initial nonce a second time (ERR_NONCE_EXHAUSTED); the RX side applies the
 * same rule (Ceph does not check on receive, but a peer that wraps is broken either way).
 * No AAD, 16-byte tags.
 *
 * These objects only hand out ciphers in nonce order; the frame layout lives in frame-encoder.ts /
 * frame-decoder.ts.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv, createSecretKey } from 'node:crypto';
import type { CipherGCM, DecipherGCM, KeyObject } from 'node:crypto';
import { MsgrError } from '../../errors.ts';
import { SmallGcm } from './gcm-small.ts';

export const GCM_KEY_LEN = 16;
export const GCM_NONCE_LEN = 12;
export const GCM_TAG_LEN = 16;
/** Plaintext parts shorter than this are joined with their neighbours before encryption. */
const JOIN_MAX = 2048;
/**
 * Operations on at most this many plaintext bytes run in SmallGcm (JS GHASH, native AES-ECB)
 * instead of a new node:crypto cipher: below it SmallGcm is faster (`npm run bench -- gcm`).
 */
export const SMALL_GCM_MAX = 320;
/** Bytes of connection_secret that are used (key + two nonces). */
export const CONNECTION_SECRET_MIN = GCM_KEY_LEN + 2 * GCM_NONCE_LEN;

/** The nonce sequence of one direction. */
class NonceSeq {
  private readonly cur: Buffer;
  private readonly initial: Buffer;
  private usedInitial: boolean;

  constructor(
    initial: Buffer,
    readonly rev1: boolean,
    start?: Buffer,
  ) {
    if (initial.length !== GCM_NONCE_LEN || (start !== undefined && start.length !== GCM_NONCE_LEN)) {
      throw new MsgrError('ERR_INVALID_ARG', `nonce must be ${GCM_NONCE_LEN} bytes`);
    }
    this.initial = Buffer.from(initial);
    this.cur = Buffer.from(start ?? initial);
    // starting elsewhere than the initial nonce means the initial one was used long ago
    this.usedInitial = start !== undefined && !this.initial.equals(this.cur);
  }

  /** The nonce the next operation will use (a copy). */
  peek(): Buffer {
    return Buffer.from(this.cur);
  }

  /**
   * Returns the nonce for the next operation (the internal buffer: use it before calling next()
   * again; node:crypto copies the IV) and advances the sequence.
   */
  next(): Buffer {
    const c = this.cur;
    const i = this.initial;
    if (c.readUInt32LE(0) === i.readUInt32LE(0) && c.readUInt32LE(4) === i.readUInt32LE(4) && c.readUInt32LE(8) === i.readUInt32LE(8)) {
      if (this.usedInitial) throw new MsgrError('ERR_NONCE_EXHAUSTED', 'secure mode: out of nonces');
      this.usedInitial = true;
    }
    return c;
  }

  /** Advance after the nonce returned by next() was handed to node:crypto. */
  advance(): void {
    const c = this.cur;
    if (!this.rev1) {
      c.writeUInt32LE((c.readUInt32LE(0) + 1) >>> 0, 0);
      return;
    }
    const lo = c.readUInt32LE(4) + 1;
    if (lo <= 0xffffffff) {
      c.writeUInt32LE(lo, 4);
    } else {
      c.writeUInt32LE(0, 4);
      c.writeUInt32LE((c.readUInt32LE(8) + 1) >>> 0, 8);
    }
  }
}

export interface SecureOptions {
  /** msgr2.1 nonce format (le64 counter) and frame layout. */
  rev1: boolean;
  /**
   * Testing aid: start the sequence at this nonce instead of the initial one (as if that many
   * operations had happened already), e.g. to exercise nonce exhaustion.
   */
  startNonce?: Buffer;
  /** The small-operation engine for this key, shared by both directions (one table per key). */
  small?: SmallGcm;
  /** Operations up to this many plaintext bytes use `small` (default SMALL_GCM_MAX; 0: never). */
  smallMax?: number;
}

/** One direction's key and nonce sequence (shared by the transmit and receive sides). */
abstract class GcmSide {
  readonly rev1: boolean;
  protected readonly key: KeyObject;
  protected readonly seq: NonceSeq;
  protected readonly small: SmallGcm;
  protected readonly smallMax: number;

  constructor(key: Buffer, initialNonce: Buffer, opts: SecureOptions) {
    if (key.length !== GCM_KEY_LEN) throw new MsgrError('ERR_INVALID_ARG', `AES-128-GCM key must be ${GCM_KEY_LEN} bytes`);
    this.rev1 = opts.rev1;
    this.key = createSecretKey(Buffer.from(key));
    this.seq = new NonceSeq(initialNonce, opts.rev1, opts.startNonce);
    this.small = opts.small ?? new SmallGcm(key);
    this.smallMax = opts.smallMax ?? SMALL_GCM_MAX;
  }

  /** The nonce the next GCM operation will use. */
  get nextNonce(): Buffer {
    return this.seq.peek();
  }
}

/** Transmit side: hands out AES-128-GCM ciphers, one per GCM operation, in nonce order. */
export class SecureTx extends GcmSide {

  /** Start one GCM operation (consumes a nonce). Throws ERR_NONCE_EXHAUSTED. */
  begin(): CipherGCM {
    const c = createCipheriv('aes-128-gcm', this.key, this.seq.next(), { authTagLength: GCM_TAG_LEN });
    this.seq.advance();
    return c;
  }

  /**
   * One whole GCM operation: encrypt `parts` as one plaintext, push the ciphertext pieces and the
   * tag to `out`. Runs of small parts are joined first (a call into node:crypto costs about as
   * much as copying a couple of KiB); large parts are encrypted in place, never copied.
   */
  seal(parts: readonly Buffer[], out: Buffer[]): void {
    if (parts.length === 1) {
      this.seal1(parts[0]!, out);
      return;
    }
    let total = 0;
    for (let i = 0; i < parts.length; i++) total += parts[i]!.length;
    if (total <= this.smallMax) {
      this.seal1(joinRun(parts, 0, parts.length, total), out);
      return;
    }
    const c = this.begin();
    // runs of small parts [from, i) are joined; no closure here (this runs for every frame)
    let from = -1;
    let runLen = 0;
    for (let i = 0; i <= parts.length; i++) {
      const p = i < parts.length ? parts[i]! : undefined;
      if (p !== undefined && p.length === 0) continue;
      if (p !== undefined && p.length < JOIN_MAX) {
        if (from < 0) from = i;
        runLen += p.length;
        continue;
      }
      if (from >= 0) {
        out.push(c.update(joinRun(parts, from, i, runLen)));
        from = -1;
        runLen = 0;
      }
      if (p !== undefined) out.push(c.update(p));
    }
    c.final();
    out.push(c.getAuthTag());
  }

  /** One whole GCM operation over a single plaintext buffer. */
  seal1(plain: Buffer, out: Buffer[]): void {
    if (plain.length <= this.smallMax) {
      out.push(this.small.seal(this.seq.next(), plain));
      this.seq.advance();
      return;
    }
    const c = this.begin();
    if (plain.length > 0) out.push(c.update(plain));
    c.final();
    out.push(c.getAuthTag());
  }
}

/** Receive side: hands out AES-128-GCM deciphers, one per GCM operation, in nonce order. */
export class SecureRx extends GcmSide {

  /** Start one GCM operation (consumes a nonce). Throws ERR_NONCE_EXHAUSTED. */
  begin(): DecipherGCM {
    const d = createDecipheriv('aes-128-gcm', this.key, this.seq.next(), { authTagLength: GCM_TAG_LEN });
    this.seq.advance();
    return d;
  }

  /**
   * One whole GCM operation over `ct` = ciphertext || 16-byte tag. Returns the plaintext
   * (ct.length - 16 bytes). Throws ERR_FRAME_AUTH_TAG on a tag mismatch.
   */
  open(ct: Buffer): Buffer {
    if (ct.length < GCM_TAG_LEN) throw new MsgrError('ERR_FRAME_INVALID', 'ciphertext shorter than the GCM tag', { origin: 'remote' });
    const n = ct.length - GCM_TAG_LEN;
    if (n <= this.smallMax) {
      const pt = this.small.open(this.seq.next(), ct);
      this.seq.advance();
      if (pt === undefined) throw new MsgrError('ERR_FRAME_AUTH_TAG', 'secure mode: AES-GCM authentication failed', { origin: 'remote' });
      return pt;
    }
    const d = this.begin();
    d.setAuthTag(ct.subarray(n));
    const pt = n > 0 ? d.update(ct.subarray(0, n)) : Buffer.alloc(0);
    finishDecipher(d);
    return pt;
  }
}

/** `final()` of a decipher, mapping a tag mismatch to ERR_FRAME_AUTH_TAG. */
export function finishDecipher(d: DecipherGCM): void {
  try {
    d.final();
  } catch (e) {
    throw new MsgrError('ERR_FRAME_AUTH_TAG', 'secure mode: AES-GCM authentication failed', { origin: 'remote', cause: e });
  }
}

/**
 * Build both directions from the connection secret. The client transmits with bytes 28..39 and
 * receives with 16..27; the server is crossed.
 */
export function createSecureHandlers(
  connectionSecret: Buffer,
  opts: { rev1: boolean; isServer: boolean },
): { tx: SecureTx; rx: SecureRx } {
  if (connectionSecret.length < CONNECTION_SECRET_MIN) {
    throw new MsgrError('ERR_INVALID_ARG', `connection secret must be at least ${CONNECTION_SECRET_MIN} bytes, got ${connectionSecret.length}`);
  }
  const key = connectionSecret.subarray(0, GCM_KEY_LEN);
  const s2c = connectionSecret.subarray(16, 28);
  const c2s = connectionSecret.subarray(28, 40);
  const txNonce = opts.isServer ? s2c : c2s;
  const rxNonce = opts.isServer ? c2s : s2c;
  const small = new SmallGcm(key);
  return {
    tx: new SecureTx(key, txNonce, { rev1: opts.rev1, small }),
    rx: new SecureRx(key, rxNonce, { rev1: opts.rev1, small }),
  };
}

/** parts[from..to) (empty ones skipped) as one buffer: the part itself when it is the only one. */
function joinRun(parts: readonly Buffer[], from: number, to: number, len: number): Buffer {
  let only: Buffer | undefined;
  let count = 0;
  for (let i = from; i < to; i++) {
    if (parts[i]!.length === 0) continue;
    only = parts[i];
    count++;
  }
  if (count === 1 && only !== undefined) return only;
  const b = Buffer.allocUnsafe(len);
  let o = 0;
  for (let i = from; i < to; i++) o += parts[i]!.copy(b, o);
  return b;
}
