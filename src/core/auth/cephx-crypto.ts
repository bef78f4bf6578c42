/**
 * cephx symmetric crypto (wire §6.4, §5.3): AES-128-CBC with Ceph's fixed IV and PKCS#7, the
 * encrypted envelope (u8 1, le64 AUTH_ENC_MAGIC, body), the client/server challenge key, and the
 * msgr1 message signatures.
 *
 * Decryption mirrors Ceph's `CryptoAESKeyHandler::decrypt`: the input must be a non-empty multiple
 * of 16 bytes; the pad length is the last plaintext byte capped at 16 and the padding bytes are not
 * inspected (no padding oracle). Whether the key was right is decided by the envelope magic.
 */
import { Buffer } from 'node:buffer';
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { MsgrError, type ErrorCode } from '../../errors.ts';
import type { Reader } from '../../encoding/reader.ts';
import type { Writer } from '../../encoding/writer.ts';

export const CEPHX_IV = Buffer.from('cephsageyudagreg', 'latin1');
export const AUTH_ENC_MAGIC = 0xff009cad8826aa55n;
export const AES_BLOCK = 16;
export const AES_KEY_LEN = 16;

function aesKey(key: Buffer): Buffer {
  if (key.length < AES_KEY_LEN) {
    throw new MsgrError('ERR_AUTH_FAILED', `cephx key of ${key.length} bytes (need ${AES_KEY_LEN})`);
  }
  // Ceph keys AES-128 with the first 16 bytes of the secret.
  return key.length === AES_KEY_LEN ? key : key.subarray(0, AES_KEY_LEN);
}

/** AES-128-CBC, cephx IV, PKCS#7 (always 1..16 bytes of padding). */
export function aesCbcEncrypt(key: Buffer, plain: Uint8Array): Buffer {
  const c = createCipheriv('aes-128-cbc', aesKey(key), CEPHX_IV);
  return Buffer.concat([c.update(plain), c.final()]);
}

/**
 * Inverse of {@link aesCbcEncrypt}, with Ceph's lenient padding rule. Throws `code`
 * (ERR_AUTH_FAILED by default) when the ciphertext length is not a positive multiple of 16.
 */
export function aesCbcDecrypt(key: Buffer, cipher: Uint8Array, code: ErrorCode = 'ERR_AUTH_FAILED'): Buffer {
  if (cipher.length < AES_BLOCK || cipher.length % AES_BLOCK !== 0) {
    throw new MsgrError(code, `cephx ciphertext of ${cipher.length} bytes is not a multiple of ${AES_BLOCK}`, { origin: 'remote' });
  }
  const d = createDecipheriv('aes-128-cbc', aesKey(key), CEPHX_IV);
  d.setAutoPadding(false);
  const out = Buffer.concat([d.update(cipher), d.final()]);
  const pad = Math.min(out[out.length - 1]!, AES_BLOCK);
  return out.subarray(0, out.length - pad);
}

/** `encode_encrypt_enc_bl`: raw ciphertext of (u8 1, le64 magic, body). */
export function encryptEnvelope(key: Buffer, body: Uint8Array): Buffer {
  const plain = Buffer.allocUnsafe(9 + body.length);
  plain[0] = 1;
  plain.writeBigUInt64LE(AUTH_ENC_MAGIC, 1);
  plain.set(body, 9);
  return aesCbcEncrypt(key, plain);
}

/**
 * `decode_decrypt_enc_bl`: decrypt raw ciphertext and check the envelope; returns the body.
 * A bad length is `ERR_AUTH_FAILED`; a wrong magic (wrong key, or tampering) is `badKeyCode`
 * (default ERR_AUTH_FAILED; clients pass ERR_AUTH_REJECTED where a wrong key means refusal).
 */
export function decryptEnvelope(key: Buffer, cipher: Uint8Array, badKeyCode: ErrorCode = 'ERR_AUTH_FAILED'): Buffer {
  const plain = aesCbcDecrypt(key, cipher);
  if (plain.length < 9 || plain.readBigUInt64LE(1) !== AUTH_ENC_MAGIC) {
    throw new MsgrError(badKeyCode, 'cephx envelope: bad magic (wrong key?)', { origin: 'remote' });
  }
  // Ceph decodes struct_v but does not check it; neither do we.
  return plain.subarray(9);
}

/** `encode_encrypt`: the envelope as a blob (le32 length + ciphertext). */
export function writeEncrypted(w: Writer, key: Buffer, body: Uint8Array): void {
  w.blob(encryptEnvelope(key, body));
}

/** `decode_decrypt`: read a blob and open its envelope. */
export function readEncrypted(r: Reader, key: Buffer, badKeyCode: ErrorCode = 'ERR_AUTH_FAILED'): Buffer {
  return decryptEnvelope(key, r.blob(), badKeyCode);
}

/**
 * `cephx_calc_client_server_challenge` (wire §6.4): encrypt-envelope {le64 server_challenge,
 * le64 client_challenge} with the client's secret, *as a blob* (le32 length prefix included),
 * and XOR the whole le64 words of those 36 bytes (offsets 0, 8, 16, 24).
 */
export function cephxChallengeKey(secret: Buffer, serverChallenge: bigint, clientChallenge: bigint): bigint {
  const body = Buffer.allocUnsafe(16);
  body.writeBigUInt64LE(BigInt.asUintN(64, serverChallenge), 0);
  body.writeBigUInt64LE(BigInt.asUintN(64, clientChallenge), 8);
  const ct = encryptEnvelope(secret, body);
  const enc = Buffer.allocUnsafe(4 + ct.length);
  enc.writeUInt32LE(ct.length, 0);
  ct.copy(enc, 4);
  let k = 0n;
  for (let pos = 0; pos + 8 <= enc.length; pos += 8) k ^= enc.readBigUInt64LE(pos);
  return k;
}

/** What the msgr1 cephx message signature covers (header crc, footer crcs, lengths, seq). */
export interface MessageSignatureInput {
  headerCrc: number;
  frontCrc: number;
  frontLen: number;
  middleCrc: number;
  middleLen: number;
  dataCrc: number;
  dataLen: number;
  seq: bigint;
}

/**
 * msgr1 message signature (`CephxSessionHandler::_calc_signature`, wire §5.3), as the le64 value
 * that goes into footer.sig. `cephxV2` = the peer has CEPHX_V2 (mimic+):
 *   v2: AES-CBC of 8 le32 (header crc, front crc, front len, middle crc, middle len, data crc,
 *       data len, low 32 bits of seq) → 48 bytes; XOR of the first four le64 words.
 *   legacy: AES-CBC of (u8 1, le64 magic, le32 16, le32 header crc, front crc, middle crc,
 *       data crc) → 32 bytes; the first le64 word.
 */
export function cephxMessageSignature(sessionKey: Buffer, m: MessageSignatureInput, cephxV2: boolean): bigint {
  if (cephxV2) {
    const b = Buffer.allocUnsafe(32);
    b.writeUInt32LE(m.headerCrc >>> 0, 0);
    b.writeUInt32LE(m.frontCrc >>> 0, 4);
    b.writeUInt32LE(m.frontLen >>> 0, 8);
    b.writeUInt32LE(m.middleCrc >>> 0, 12);
    b.writeUInt32LE(m.middleLen >>> 0, 16);
    b.writeUInt32LE(m.dataCrc >>> 0, 20);
    b.writeUInt32LE(m.dataLen >>> 0, 24);
    b.writeUInt32LE(Number(BigInt.asUintN(32, m.seq)), 28);
    const ct = aesCbcEncrypt(sessionKey, b);
    return ct.readBigUInt64LE(0) ^ ct.readBigUInt64LE(8) ^ ct.readBigUInt64LE(16) ^ ct.readBigUInt64LE(24);
  }
  const b = Buffer.allocUnsafe(29);
  b[0] = 1;
  b.writeBigUInt64LE(AUTH_ENC_MAGIC, 1);
  b.writeUInt32LE(16, 9);
  b.writeUInt32LE(m.headerCrc >>> 0, 13);
  b.writeUInt32LE(m.frontCrc >>> 0, 17);
  b.writeUInt32LE(m.middleCrc >>> 0, 21);
  b.writeUInt32LE(m.dataCrc >>> 0, 25);
  return aesCbcEncrypt(sessionKey, b).readBigUInt64LE(0);
}
