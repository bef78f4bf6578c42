/**
 * msgr1 ("ceph v027") banner and address exchange (wire §5.1).
 *
 *   server → client:  "ceph v027" + server's legacy entity_addr (136) + client's addr as seen (136)
 *   client → server:  "ceph v027" + client's own legacy entity_addr (136)
 *
 * The readers work over a {@link ByteQueue}: they return undefined until the whole hello has
 * arrived, consume nothing until then (nor when they throw), and throw as soon as a banner byte differs from
 * "ceph v027" (ERR_BANNER_MSGR1 when the bytes so far are the msgr2 banner "ceph v2\n", i.e. the
 * peer speaks the other protocol generation; ERR_BANNER otherwise).
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import type { ByteQueue } from '../../encoding/byte-queue.ts';
import { Reader } from '../../encoding/reader.ts';
import { Writer } from '../../encoding/writer.ts';
import { decodeEntityAddrLegacy, encodeEntityAddrLegacy, type EntityAddr } from '../../encoding/types/entity-addr.ts';

/** The msgr1 banner: ASCII "ceph v027", 9 bytes, no terminator. */
export const MSGR1_BANNER: Buffer = Buffer.from('ceph v027', 'ascii');
/** The msgr2 banner prefix, recognised to report a protocol-generation mismatch. */
const MSGR2_BANNER_PREFIX: Buffer = Buffer.from('ceph v2\n', 'ascii');

/** Size of a legacy ceph_entity_addr on the wire. */
export const LEGACY_ADDR_LEN = 136;
/** banner + server addr + client addr as seen. */
export const MSGR1_SERVER_HELLO_LEN = MSGR1_BANNER.length + 2 * LEGACY_ADDR_LEN; // 281
/** banner + client addr. */
export const MSGR1_CLIENT_HELLO_LEN = MSGR1_BANNER.length + LEGACY_ADDR_LEN; // 145

/** What a client reads from a server. */
export interface Msgr1ServerHello {
  /** The server's own (v1) address. */
  readonly serverAddr: EntityAddr;
  /** The client's address as the server sees it (TCP source address, nonce 0). */
  readonly peerAddrForMe: EntityAddr;
  /** The exact bytes consumed (281). */
  readonly raw: Buffer;
}

/** What a server reads from a client. */
export interface Msgr1ClientHello {
  /** The client's own address (unbound clients: blank or partial IP, port 0, their nonce). */
  readonly addr: EntityAddr;
  /** The exact bytes consumed (145). */
  readonly raw: Buffer;
}

/**
 * One legacy ceph_entity_addr (136 bytes). A Ceph client writes its banner at once and its address
 * only after reading the server's hello: MSGR1_BANNER first, then this.
 */
export function encodeMsgr1Addr(a: EntityAddr): Buffer {
  const w = new Writer(LEGACY_ADDR_LEN);
  encodeEntityAddrLegacy(w, a);
  return w.view();
}
const legacyAddrBytes = encodeMsgr1Addr;

/** server → client: banner + own addr + the client's addr as seen. 281 bytes. */
export function encodeMsgr1ServerHello(serverAddr: EntityAddr, peerAddrForMe: EntityAddr): Buffer {
  return Buffer.concat([MSGR1_BANNER, legacyAddrBytes(serverAddr), legacyAddrBytes(peerAddrForMe)]);
}

/** client → server: banner + own addr. 145 bytes. */
export function encodeMsgr1ClientHello(myAddr: EntityAddr): Buffer {
  return Buffer.concat([MSGR1_BANNER, legacyAddrBytes(myAddr)]);
}

/**
 * Check the banner bytes that have arrived so far (up to 9); throws on the first byte that differs.
 * Consumes nothing.
 */
export function checkMsgr1BannerPrefix(q: ByteQueue): void {
  const n = Math.min(q.length, MSGR1_BANNER.length);
  for (let i = 0; i < n; i++) {
    const b = q.byteAt(i);
    if (b === MSGR1_BANNER[i]) continue;
    // differing byte: is everything so far (including it) a prefix of the msgr2 banner?
    let v2 = i < MSGR2_BANNER_PREFIX.length;
    for (let j = 0; v2 && j <= i; j++) if (q.byteAt(j) !== MSGR2_BANNER_PREFIX[j]) v2 = false;
    if (v2) {
      throw new MsgrError('ERR_BANNER_MSGR1', 'peer sent the msgr2 banner on a msgr1 connection', { origin: 'remote' });
    }
    throw new MsgrError('ERR_BANNER', `bad msgr1 banner byte 0x${b.toString(16)} at offset ${i}`, { origin: 'remote' });
  }
}

/** Read the server's hello (client side). Undefined until all 281 bytes are queued. */
export function readMsgr1ServerHello(q: ByteQueue): Msgr1ServerHello | undefined {
  checkMsgr1BannerPrefix(q);
  if (q.length < MSGR1_SERVER_HELLO_LEN) return undefined;
  const raw = q.peek(MSGR1_SERVER_HELLO_LEN);
  const r = new Reader(raw, MSGR1_BANNER.length);
  const serverAddr = decodeEntityAddrLegacy(r);
  const peerAddrForMe = decodeEntityAddrLegacy(r);
  q.skip(MSGR1_SERVER_HELLO_LEN);
  return { serverAddr, peerAddrForMe, raw };
}

/** Read the client's hello (server side). Undefined until all 145 bytes are queued. */
export function readMsgr1ClientHello(q: ByteQueue): Msgr1ClientHello | undefined {
  checkMsgr1BannerPrefix(q);
  if (q.length < MSGR1_CLIENT_HELLO_LEN) return undefined;
  const raw = q.peek(MSGR1_CLIENT_HELLO_LEN);
  const r = new Reader(raw, MSGR1_BANNER.length);
  const addr = decodeEntityAddrLegacy(r);
  q.skip(MSGR1_CLIENT_HELLO_LEN);
  return { addr, raw };
}
