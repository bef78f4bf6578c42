/**
 * msgr1 server role (Ceph's "Server Protocol V1", wire §5.1–5.2): banner + our v1 address + the
 * peer's socket address → the client's banner + address → ceph_msg_connect (+ authorizer) →
 * Ceph's handle_connect_message_2 decision tree (BADPROTOVER, FEATURES, BADAUTHORIZER /
 * CHALLENGE_AUTHORIZER, the existing connection from the same peer: RETRY_GLOBAL,
 * RETRY_SESSION, RESETSESSION, WAIT or replace) → open: READY, or SEQ + le64 exchange.
 *
 * Replacing an existing lossless connection (Ceph `replace`): the existing connection adopts this
 * socket, answers RETRY_GLOBAL, and handles the client's next connect itself (which then opens).
 */
import { Buffer } from 'node:buffer';
import { AddrType, compareAddr, isBlankIp, type EntityAddr } from '../../encoding/types/entity-addr.ts';
import { Feature, hasFeature } from '../../encoding/types/features.ts';
import { MsgrError, isMsgrError } from '../../errors.ts';
import { ConMode } from '../auth/types.ts';
import type { Conn } from '../conn.ts';
import { ByteQueue } from '../../encoding/byte-queue.ts';
import { asLegacy, asLegacyAddr, legacyAddrOf } from './addrs.ts';
import { encodeMsgr1ServerHello, type Msgr1ClientHello } from './banner.ts';
import { Msgr1ConnectFlag, Msgr1Tag, encodeMsgr1ConnectReply, msgr1TagName, protocolVersionFor, type Msgr1Connect } from './connect.ts';
import { u32 } from './connector.ts';
import { Msgr1RecordDecoder } from './record-decoder.ts';
import { encodeMsgr1Seq } from './records.ts';
import type { ProtocolV1 } from './protocol.ts';

const EMPTY: Buffer = Buffer.alloc(0);

/** Our v1 address for the banner: the bound v1 address, else the socket's local address. */
function myBannerAddr(p: ProtocolV1): EntityAddr {
  const v1 = legacyAddrOf(p.ctx.myAddrs());
  if (v1) return v1;
  const local = p.conn.localAddr;
  const nonce = p.ctx.myAddrs()[0]?.nonce ?? 0;
  return local ? { ...local, type: AddrType.LEGACY, nonce } : asLegacyAddr(p.ctx.myAddrs());
}

/** An accepted socket: write banner + our address + the peer's address as we see it. */
export function startServer(p: ProtocolV1): void {
  const c = p.conn;
  p.resetSocketState();
  p.setState('ACCEPTING');
  const seen = c.socketPeerAddr ?? c.peerAddrs[0];
  const peer: EntityAddr = seen ? { ...seen, type: AddrType.LEGACY, nonce: 0 } : { type: AddrType.LEGACY, nonce: 0, family: 0, ip: '', port: 0 };
  const hello = encodeMsgr1ServerHello(myBannerAddr(p), peer);
  const go = (): void => p.sendRaw([hello]);
  if (p.intercept('BANNER_WRITE', go, go)) go();
}

export function handleClientHello(p: ProtocolV1, h: Msgr1ClientHello): void {
  const c = p.conn;
  let a = h.addr;
  if (isBlankIp(a)) {
    // the peer does not know its IP: take it from the socket, keep its port and nonce
    const sp = c.socketPeerAddr;
    a = sp ? { ...sp, type: AddrType.LEGACY, port: a.port, nonce: a.nonce } : asLegacy(a);
    p.log(0, () => ` accept peer addr is really ${a.ip}:${a.port}/${a.nonce} (socket is ${sp?.ip ?? '-'})`);
  }
  a = asLegacy(a);
  c.peerAddrs = [a];
  c.targetAddr = a;
  p.gotPeerHello = true;
}

interface ReplyFields {
  globalSeq?: number;
  connectSeq?: number;
}

/** Write a non-final reply; the client answers with another connect (Ceph send_connect_message_reply). */
function sendReply(p: ProtocolV1, tag: number, f: ReplyFields, authorizerReply: Buffer = EMPTY): void {
  const c = p.conn;
  const m = p.connectMsg!;
  const features = (m.features & c.policy.featuresSupported) | c.policy.featuresRequired;
  p.log(10, () => ` reply ${msgr1TagName(tag)} features=0x${features.toString(16)}`);
  const b = encodeMsgr1ConnectReply({
    tag,
    features,
    globalSeq: f.globalSeq ?? 0,
    connectSeq: f.connectSeq ?? 0,
    protocolVersion: protocolVersionFor(p.ctx.myName.type, c.peerType, false),
    authorizer: authorizerReply,
    flags: 0,
  });
  p.ctx.emit({ kind: 'step', conn: c.id, step: `REPLY_${msgr1TagName(tag)}` });
  p.sendAt('CONNECT_REPLY:w', [b]);
}

/** Verify the authorizer; returns the reply bytes, or undefined when a reply was already sent. */
function verifyAuthorizer(p: ProtocolV1, m: Msgr1Connect): Buffer | undefined {
  const c = p.conn;
  if (!m.authorizer.length) return EMPTY;
  const as = p.ctx.authServer;
  const bad = (why: string): undefined => {
    p.log(0, () => ` got bad authorizer: ${why}`);
    p.auth.server = undefined;
    sendReply(p, Msgr1Tag.BADAUTHORIZER, {});
    return undefined;
  };
  if (!as.allowedMethods(c.peerType).includes(m.authorizerProtocol)) return bad(`method ${m.authorizerProtocol} not allowed`);
  // the verifier is kept only across a challenge round (Ceph: auth_meta->authorizer_challenge)
  const challenged = p.auth.server;
  const more = challenged !== undefined && p.auth.method === m.authorizerProtocol;
  p.auth.server = undefined;
  let step;
  try {
    const h = more ? challenged : as.start(m.authorizerProtocol, c.peerType);
    p.auth.method = m.authorizerProtocol;
    step = h.handle(m.authorizer, ConMode.CRC);
    if (step.kind === 'more' && !more) p.auth.server = h;
  } catch (e) {
    if (!isMsgrError(e)) throw e;
    return bad(e.message);
  }
  if (step.kind === 'error') return bad(`errno ${step.errno}`);
  if (step.kind === 'more') {
    if (more) return bad('challenge not answered');
    p.log(10, () => ` challenging authorizer`);
    sendReply(p, Msgr1Tag.CHALLENGE_AUTHORIZER, {}, step.payload);
    return undefined;
  }
  p.auth.sessionKey = step.result.sessionKey;
  c.peerGlobalId = step.result.globalId;
  return step.payload;
}

/** Ceph handle_connect_message_2. */
export function handleConnect(p: ProtocolV1, m: Msgr1Connect, now: number): void {
  const c = p.conn;
  const ctx = p.ctx;
  p.setState('ACCEPTING_WAIT_CONNECT_MSG_AUTH');
  p.connectMsg = m;
  c.stats.serverIdentsRead++;
  c.peerType = m.hostType;
  c.peerName = { type: m.hostType, num: -1n };
  c.policy = ctx.policyFor(m.hostType);
  p.log(10, () => ` accept of host_type ${m.hostType} gs=${m.globalSeq} cs=${m.connectSeq} policy ${c.policy.name} features 0x${m.features.toString(16)}`);
  const mine = protocolVersionFor(ctx.myName.type, m.hostType, false);
  if (m.protocolVersion !== mine) return sendReply(p, Msgr1Tag.BADPROTOVER, {});
  const missing = c.policy.featuresRequired & ~m.features;
  if (missing) {
    p.log(1, () => ` peer missing required features 0x${missing.toString(16)}`);
    return sendReply(p, Msgr1Tag.FEATURES, {});
  }
  const authReply = verifyAuthorizer(p, m);
  if (authReply === undefined) return;
  if (c.policy.server && c.policy.lossy) return open(p, authReply, now);
  // ms_inject_internal_delays: Ceph's inject_delay around the existing-connection lookup
  const go = (): void => {
    if (p.state === 'ACCEPTING_WAIT_CONNECT_MSG_AUTH' && p.connectMsg === m) lookupExisting(p, m, authReply, now);
  };
  if (p.delayPoint(go)) go();
}

function lookupExisting(p: ProtocolV1, m: Msgr1Connect, authReply: Buffer, now: number): void {
  const c = p.conn;
  let existing = p.ctx.lookupConn(c.peerAddrs, c);
  if (existing && existing.proto.version !== 1) {
    p.log(1, () => ` existing ${existing!.id} speaks msgr${existing!.proto.version}, marking down`);
    existing.proto.stop();
    existing = undefined;
  }
  if (!existing) {
    if (!p.replacing && m.connectSeq > 0) {
      p.log(0, () => ` accept we reset (peer sent cseq ${m.connectSeq}), sending RESETSESSION`);
      return sendReply(p, Msgr1Tag.RESETSESSION, {});
    }
    return open(p, authReply, now);
  }
  handleExisting(p, existing, m, authReply, now);
}

function handleExisting(p: ProtocolV1, existing: Conn, m: Msgr1Connect, authReply: Buffer, now: number): void {
  const c = p.conn;
  const ex = existing.proto as ProtocolV1;
  const xs = existing.session;
  const xcs = xs.connectSeq;
  const cs = BigInt(m.connectSeq);
  if (ex.state === 'CLOSED') return open(p, authReply, now);
  if (ex.replacing) return sendReply(p, Msgr1Tag.RETRY_GLOBAL, { globalSeq: u32(xs.peerGlobalSeq) }, authReply);
  if (BigInt(m.globalSeq) < xs.peerGlobalSeq) {
    p.log(10, () => ` existing ${existing.id} gseq ${xs.peerGlobalSeq} > ${m.globalSeq}, RETRY_GLOBAL`);
    return sendReply(p, Msgr1Tag.RETRY_GLOBAL, { globalSeq: u32(xs.peerGlobalSeq) }, authReply);
  }
  if (existing.policy.lossy) {
    p.log(0, () => ` accept replacing existing (lossy) channel ${existing.id}`);
    ex.sessionReset();
    return replace(p, existing, authReply, now);
  }
  p.log(1, () => ` accept connect_seq ${cs} vs existing ${existing.id} csq=${xcs} state=${ex.state}`);
  if (cs === 0n && xcs > 0n) {
    p.log(0, () => ` accept peer reset, then tried to connect to us, replacing`);
    p.isResetFromPeer = true;
    if (c.policy.resetcheck) ex.sessionReset();
    return replace(p, existing, authReply, now);
  }
  if (cs < xcs) return sendReply(p, Msgr1Tag.RETRY_SESSION, { connectSeq: u32(xcs + 1n) }, authReply);
  if (cs === xcs) {
    if (ex.state === 'OPENED' || ex.state === 'STANDBY') {
      if (c.policy.resetcheck && xcs === 0n) return replace(p, existing, authReply, now);
      return sendReply(p, Msgr1Tag.RETRY_SESSION, { connectSeq: u32(xcs + 1n) }, authReply);
    }
    const peer = asLegacy(c.peerAddrs[0]!);
    const me = asLegacyAddr(p.ctx.myAddrs());
    if (compareAddr(peer, me) < 0 || existing.policy.server) {
      p.log(10, () => ` accept connection race, replacing my attempt ${existing.id}`);
      return replace(p, existing, authReply, now);
    }
    p.log(10, () => ` accept connection race, existing ${existing.id} wins, sending WAIT`);
    xs.keepalivePending = true;
    ex.onQueued(now);
    return sendReply(p, Msgr1Tag.WAIT, {}, authReply);
  }
  if (c.policy.resetcheck && xcs === 0n) {
    p.log(0, () => ` accept we reset (peer sent cseq ${cs}, existing cseq 0), sending RESETSESSION`);
    return sendReply(p, Msgr1Tag.RESETSESSION, {}, authReply);
  }
  p.log(10, () => ` accept peer sent cseq ${cs} > ${xcs}, replacing`);
  replace(p, existing, authReply, now);
}

/**
 * Ceph `replace`: a lossy existing connection is closed and this one opens; a lossless one adopts
 * this socket, replies RETRY_GLOBAL and handles the client's next connect itself.
 */
function replace(p: ProtocolV1, existing: Conn, authReply: Buffer, now: number): void {
  const ex = existing.proto as ProtocolV1;
  if (existing.policy.lossy) {
    p.log(1, () => ` replacing on lossy channel, failing existing ${existing.id}`);
    ex.stopWithReset();
    return open(p, authReply, now);
  }
  const c = p.conn;
  p.log(1, () => ` stop myself to swap existing ${existing.id}`);
  if (p.isResetFromPeer) ex.isResetFromPeer = true;
  ex.blocked = undefined;
  ex.resetSocketState();
  p.ctx.moveTransport(c, existing);
  ex.rx = p.rx;
  p.rx = new ByteQueue();
  ex.sendRaw(p.pending);
  p.pending = [];
  p.pendingBytes = 0;
  ex.gotPeerHello = true;
  ex.connectMsg = p.connectMsg;
  existing.lastActive = now;
  existing.lastRead = now;
  existing.attemptStarted = now;
  c.replacedBy = existing.id;
  p.stop();
  existing.session.requeueSent();
  ex.wakeAt = 0;
  ex.replacing = true;
  ex.setState('ACCEPTING');
  p.ctx.emit({ kind: 'step', conn: existing.id, step: 'REPLACE' });
  sendReply(ex, Msgr1Tag.RETRY_GLOBAL, { globalSeq: u32(existing.session.peerGlobalSeq) }, authReply);
  if (ex.rx.length) ex.process(now);
}

/** Ceph `open`: a new or resumed session; reply READY or SEQ (+ our in_seq). */
function open(p: ProtocolV1, authReply: Buffer, now: number): void {
  const c = p.conn;
  const s = c.session;
  const ctx = p.ctx;
  const m = p.connectMsg!;
  s.connectSeq = BigInt(m.connectSeq) + 1n;
  s.peerGlobalSeq = BigInt(m.globalSeq);
  let tag: number;
  if (hasFeature(m.features, Feature.RECONNECT_SEQ) && !p.isResetFromPeer) {
    tag = Msgr1Tag.SEQ;
    p.waitForSeq = true;
  } else {
    tag = Msgr1Tag.READY;
    p.waitForSeq = false;
    s.discardRequeuedUpTo(0n);
    p.isResetFromPeer = false;
    s.inSeq = 0n;
  }
  const features = c.policy.featuresSupported;
  s.features = features & m.features;
  const reply = encodeMsgr1ConnectReply({
    tag,
    features,
    globalSeq: u32(ctx.nextGlobalSeq()),
    connectSeq: u32(s.connectSeq),
    protocolVersion: protocolVersionFor(ctx.myName.type, c.peerType, false),
    authorizer: authReply,
    flags: c.policy.lossy ? Msgr1ConnectFlag.LOSSY : 0,
  });
  const parts = tag === Msgr1Tag.SEQ ? [reply, encodeMsgr1Seq(s.inSeq)] : [reply];
  p.log(10, () => ` accept success, connect_seq = ${s.connectSeq} in_seq=${s.inSeq}, sending ${msgr1TagName(tag)}`);
  p.replacing = false;
  if (!ctx.acceptConn(c)) {
    p.log(1, () => ` existing race replacing process for this peer, just fail later one (this)`);
    p.fault(new MsgrError('ERR_HANDSHAKE', 'another connection is replacing this peer'), now);
    return;
  }
  ctx.emit({ kind: 'step', conn: c.id, step: `REPLY_${msgr1TagName(tag)}` });
  p.sendAt('CONNECT_REPLY:w', parts, () => {
    c.announced = true;
    c.stats.acceptEvents++;
    ctx.emit({ kind: 'accept', conn: c.id });
    p.onceReady = true;
    p.setState('ACCEPTING_HANDLED_CONNECT_MSG');
    if (!p.waitForSeq) serverReady(p, now);
  });
}

/** After SEQ: the client's in_seq arrived; drop what it has and open. */
export function handleClientSeq(p: ProtocolV1, seq: bigint, now: number): void {
  const s = p.conn.session;
  p.waitForSeq = false;
  const dropped = s.discardRequeuedUpTo(seq);
  p.log(2, () => ` accept get newly_acked_seq ${seq}, ${dropped.length} requeued messages dropped`);
  serverReady(p, now);
}

function serverReady(p: ProtocolV1, now: number): void {
  const s = p.conn.session;
  p.ready(now, new Msgr1RecordDecoder({ msgAuth: hasFeature(s.features, Feature.MSG_AUTH), maxMessageBytes: p.ctx.config.ms_max_message_size }));
}
