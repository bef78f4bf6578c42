/**
 * msgr1 connect negotiation structs (wire §5.2): `ceph_msg_connect` (client → server, 33 bytes +
 * authorizer) and `ceph_msg_connect_reply` (server → client, 26 bytes + authorizer), the protocol
 * version numbers and Ceph's choice of protocol version per peer type.
 *
 * Readers work over a {@link ByteQueue}: undefined until the fixed part and all authorizer bytes
 * are queued (nothing consumed until then); authorizer_len is checked as soon as the fixed part is
 * there (ERR_DECODE_TOO_LARGE). The returned authorizer is a view.
 */
import { Buffer } from 'node:buffer';
import { MsgrError } from '../../errors.ts';
import type { ByteQueue } from '../../encoding/byte-queue.ts';
import { Reader } from '../../encoding/reader.ts';
import { Writer } from '../../encoding/writer.ts';
import { EntityType } from '../../encoding/types/entity-name.ts';
import { CONNECT_REPLY_TAGS, msgr1TagName } from './tags.ts';

export { Msgr1Tag, msgr1TagName, Msgr1ConnectFlag, CONNECT_REPLY_TAGS, type Msgr1TagValue } from './tags.ts';

// ---------------------------------------------------------------- protocol versions

/** Public (client-facing) protocols, `src/include/ceph_fs.h`. */
export const CEPH_MONC_PROTOCOL = 15;
export const CEPH_OSDC_PROTOCOL = 24;
export const CEPH_MDSC_PROTOCOL = 32;
/** Cluster-internal protocols (set by each daemon's main as its messenger's cluster_protocol). */
export const CEPH_MON_PROTOCOL = 13; // src/mon/Monitor.h
export const CEPH_OSD_PROTOCOL = 10; // src/osd/OSD.h
/** src/mds/MDSDaemon.h. NOTE: 36 in recent trees; not verified against the 16.2 tag itself. */
export const CEPH_MDS_PROTOCOL = 36;

/** The cluster protocol a daemon of this entity type uses (0 for clients, mgr and others). */
export function clusterProtocolFor(type: number): number {
  switch (type) {
    case EntityType.MON:
      return CEPH_MON_PROTOCOL;
    case EntityType.OSD:
      return CEPH_OSD_PROTOCOL;
    case EntityType.MDS:
      return CEPH_MDS_PROTOCOL;
    default:
      return 0;
  }
}

/**
 * Ceph's `get_proto_version(peer_type, connect)`: the protocol_version we put in a connect (as
 * connector) or expect in one and echo in the reply (as acceptor). Same type on both ends → that
 * type's cluster protocol; otherwise the public protocol of the server side of the pair (the peer
 * when we connect, ourselves when we accept): mon 15, osd 24, mds 32, anything else 0.
 * An acceptor replies BADPROTOVER when the connect's value differs from its own.
 */
export function protocolVersionFor(myType: number, peerType: number, isConnector: boolean): number {
  if (myType === peerType) return clusterProtocolFor(myType);
  switch (isConnector ? peerType : myType) {
    case EntityType.OSD:
      return CEPH_OSDC_PROTOCOL;
    case EntityType.MDS:
      return CEPH_MDSC_PROTOCOL;
    case EntityType.MON:
      return CEPH_MONC_PROTOCOL;
    default:
      return 0;
  }
}

// ---------------------------------------------------------------- structs

export const MSGR1_CONNECT_LEN = 33;
export const MSGR1_CONNECT_REPLY_LEN = 26;
/** Default cap for authorizer_len (a cephx authorizer is a few hundred bytes). */
export const MSGR1_MAX_AUTHORIZER_LEN = 64 * 1024;

/** ceph_msg_connect. */
export interface Msgr1Connect {
  /** Our supported features. */
  features: bigint;
  /** Our entity type (EntityType.*). */
  hostType: number;
  globalSeq: number;
  /** 0 for a new session. */
  connectSeq: number;
  protocolVersion: number;
  /** Auth method of the authorizer (0 none / no authorizer, 2 cephx). */
  authorizerProtocol: number;
  authorizer: Buffer;
  /** Msgr1ConnectFlag.LOSSY when our policy is lossy. */
  flags: number;
}

/** ceph_msg_connect_reply. */
export interface Msgr1ConnectReply {
  /** Msgr1Tag.READY, SEQ, WAIT, … */
  tag: number;
  features: bigint;
  globalSeq: number;
  connectSeq: number;
  protocolVersion: number;
  authorizer: Buffer;
  flags: number;
}

export interface Msgr1ConnectReadOptions {
  /** Largest authorizer_len accepted (default {@link MSGR1_MAX_AUTHORIZER_LEN}). */
  maxAuthorizerLen?: number;
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new MsgrError('ERR_ENCODE_INVALID', `${what} ${v} is not a u32`);
}
function checkU8(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new MsgrError('ERR_ENCODE_INVALID', `${what} ${v} is not a u8`);
}

/** 33 bytes + authorizer, as one buffer. */
export function encodeMsgr1Connect(c: Msgr1Connect): Buffer {
  checkU32(c.hostType, 'host_type');
  checkU32(c.globalSeq, 'global_seq');
  checkU32(c.connectSeq, 'connect_seq');
  checkU32(c.protocolVersion, 'protocol_version');
  checkU32(c.authorizerProtocol, 'authorizer_protocol');
  checkU8(c.flags, 'flags');
  const w = new Writer(MSGR1_CONNECT_LEN + c.authorizer.length);
  w.u64(c.features).u32(c.hostType).u32(c.globalSeq).u32(c.connectSeq).u32(c.protocolVersion);
  w.u32(c.authorizerProtocol).u32(c.authorizer.length).u8(c.flags);
  w.bytes(c.authorizer);
  return w.view();
}

/** 26 bytes + authorizer, as one buffer. */
export function encodeMsgr1ConnectReply(c: Msgr1ConnectReply): Buffer {
  checkU8(c.tag, 'tag');
  checkU32(c.globalSeq, 'global_seq');
  checkU32(c.connectSeq, 'connect_seq');
  checkU32(c.protocolVersion, 'protocol_version');
  checkU8(c.flags, 'flags');
  const w = new Writer(MSGR1_CONNECT_REPLY_LEN + c.authorizer.length);
  w.u8(c.tag).u64(c.features).u32(c.globalSeq).u32(c.connectSeq).u32(c.protocolVersion);
  w.u32(c.authorizer.length).u8(c.flags);
  w.bytes(c.authorizer);
  return w.view();
}

/**
 * Wait for fixed + authorizer_len bytes; the length field sits at `lenAt` in the fixed part.
 * Returns the consumed bytes (view when possible) or undefined.
 */
function takeWithAuthorizer(q: ByteQueue, fixed: number, lenAt: number, max: number): Buffer | undefined {
  if (q.length < fixed) return undefined;
  const len = q.peek(fixed).readUInt32LE(lenAt);
  if (len > max) {
    throw new MsgrError('ERR_DECODE_TOO_LARGE', `authorizer_len ${len} exceeds limit ${max}`, { origin: 'remote' });
  }
  if (q.length < fixed + len) return undefined;
  return q.take(fixed + len);
}

/** Read a ceph_msg_connect (server side). */
export function readMsgr1Connect(q: ByteQueue, opts: Msgr1ConnectReadOptions = {}): Msgr1Connect | undefined {
  const b = takeWithAuthorizer(q, MSGR1_CONNECT_LEN, 28, opts.maxAuthorizerLen ?? MSGR1_MAX_AUTHORIZER_LEN);
  if (!b) return undefined;
  const r = new Reader(b);
  const features = r.u64();
  const hostType = r.u32();
  const globalSeq = r.u32();
  const connectSeq = r.u32();
  const protocolVersion = r.u32();
  const authorizerProtocol = r.u32();
  const len = r.u32();
  const flags = r.u8();
  const authorizer = r.bytes(len);
  return { features, hostType, globalSeq, connectSeq, protocolVersion, authorizerProtocol, authorizer, flags };
}

/**
 * Read a ceph_msg_connect_reply (client side). A tag that is not a connect-reply tag throws
 * ERR_MSGR1_TAG as soon as the first byte is there. After a SEQ reply the server's le64 in_seq
 * follows: read it with `readMsgr1Seq` (records.ts).
 */
export function readMsgr1ConnectReply(q: ByteQueue, opts: Msgr1ConnectReadOptions = {}): Msgr1ConnectReply | undefined {
  if (q.length > 0) {
    const tag = q.byteAt(0);
    if (!CONNECT_REPLY_TAGS.has(tag)) {
      throw new MsgrError('ERR_MSGR1_TAG', `unexpected connect reply tag ${msgr1TagName(tag)}`, { origin: 'remote' });
    }
  }
  const b = takeWithAuthorizer(q, MSGR1_CONNECT_REPLY_LEN, 21, opts.maxAuthorizerLen ?? MSGR1_MAX_AUTHORIZER_LEN);
  if (!b) return undefined;
  const r = new Reader(b);
  const tag = r.u8();
  const features = r.u64();
  const globalSeq = r.u32();
  const connectSeq = r.u32();
  const protocolVersion = r.u32();
  const len = r.u32();
  const flags = r.u8();
  const authorizer = r.bytes(len);
  return { tag, features, globalSeq, connectSeq, protocolVersion, authorizer, flags };
}
