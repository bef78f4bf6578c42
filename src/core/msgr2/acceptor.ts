/**
 * msgr2 server role (the side that accepted the socket): HELLO → AUTH_REQUEST (…MORE) →
 * AUTH_DONE + AUTH_SIGNATURE → CLIENT_IDENT / SESSION_RECONNECT, including Ceph's handling of an
 * existing connection to the same peer (races, reconnects, peer restarts) and the reuse of that
 * existing connection with this socket (Ceph's "Server Protocol Methods").
 */
import { Buffer } from 'node:buffer';
import { addrEquals, compareAddr, isBlankIp, pickAddr, AddrType, type EntityAddr } from '../../encoding/types/entity-addr.ts';
import { MSGR2_REQUIRED } from '../../encoding/types/features.ts';
import { Errno, MsgrError } from '../../errors.ts';
import { authSignature } from '../auth/signature.ts';
import { sigEquals } from './auth-meta.ts';
import { ConMode, pickConMode } from '../auth/types.ts';
import type { Conn } from '../conn.ts';
import { randomNonZeroU64 } from '../random.ts';
import type { Frame } from './frame-decoder.ts';
import * as F from './frames.ts';
import type { ProtocolV2 } from './protocol.ts';
import { ByteQueue } from '../../encoding/byte-queue.ts';
import { createSecureHandlers } from './secure.ts';
import { Tag, tagName } from './tags.ts';
import { isConnectingState } from './states.ts';

const EMPTY = Buffer.alloc(0);
const BLANK: EntityAddr = { type: 0, nonce: 0, family: 0, ip: '', port: 0 };

export function handleAcceptorFrame(p: ProtocolV2, frame: Frame, now: number): void {
  const payload = frame.segments[0] ?? EMPTY;
  const st = p.state;
  const unexpected = (): never => {
    throw new MsgrError('ERR_FRAME_UNEXPECTED', `${tagName(frame.tag)} in state ${st}`, { origin: 'remote' });
  };
  switch (frame.tag) {
    case Tag.HELLO: {
      if (st !== 'HELLO_ACCEPTING') unexpected();
      const f = F.decodeHello(payload);
      const c = p.conn;
      c.peerType = f.entityType;
      c.peerName = { type: f.entityType, num: -1n };
      c.policy = p.ctx.policyFor(f.entityType);
      p.log(10, () => ` accept of host_type ${f.entityType}, policy ${c.policy.name} lossy=${c.policy.lossy}`);
      // Ceph handle_hello: a side whose own address is blank (bound to 0.0.0.0 / ::) learns it
      // from the socket's local address (getsockname), keeping its type, port and nonce
      const mine = p.ctx.myAddrs();
      if ((!mine.length || isBlankIp(mine[0]!)) && c.localAddr && !isBlankIp(c.localAddr)) p.ctx.learnedAddr(c.localAddr);
      p.setState('AUTH_ACCEPTING');
      return;
    }
    case Tag.AUTH_REQUEST: {
      if (st !== 'AUTH_ACCEPTING') unexpected();
      const f = F.decodeAuthRequest(payload);
      const as = p.ctx.authServer;
      p.auth.method = f.method;
      const allowedMethods = as.allowedMethods(p.conn.peerType);
      const mode = allowedMethods.includes(f.method)
        ? pickConMode(f.preferredModes, as.allowedModes(p.conn.peerType, f.method))
        : undefined;
      if (mode === undefined) return sendAuthBadMethod(p, -Errno.EOPNOTSUPP);
      p.auth.conMode = mode;
      p.auth.server = as.start(f.method, p.conn.peerType);
      return handleAuthPayload(p, f.payload);
    }
    case Tag.AUTH_REQUEST_MORE:
      if (st !== 'AUTH_ACCEPTING_MORE') unexpected();
      return handleAuthPayload(p, F.decodeAuthRequestMore(payload).payload);
    case Tag.AUTH_SIGNATURE: {
      if (st !== 'AUTH_ACCEPTING_SIGN') unexpected();
      const sig = F.decodeAuthSignature(payload).signature;
      const want = p.auth.expectedPeerSig;
      if (!want || !sigEquals(want, sig)) {
        throw new MsgrError('ERR_AUTH_SIGNATURE', 'peer AUTH_SIGNATURE does not match our transcript', { origin: 'remote' });
      }
      p.setState('SESSION_ACCEPTING');
      return;
    }
    case Tag.CLIENT_IDENT:
      if (st !== 'SESSION_ACCEPTING') unexpected();
      return handleClientIdent(p, F.decodeClientIdent(payload), now);
    case Tag.SESSION_RECONNECT:
      if (st !== 'SESSION_ACCEPTING') unexpected();
      return handleReconnect(p, F.decodeSessionReconnect(payload), now);
    default:
      unexpected();
  }
}

function sendAuthBadMethod(p: ProtocolV2, errno: number): void {
  const as = p.ctx.authServer;
  const methods = as.allowedMethods(p.conn.peerType);
  const modes = new Set<number>();
  for (const m of methods) for (const x of as.allowedModes(p.conn.peerType, m)) modes.add(x);
  p.log(1, () => ` auth bad method ${p.auth.method} r=${errno}`);
  p.setState('AUTH_ACCEPTING');
  p.send(
    Tag.AUTH_BAD_METHOD,
    F.encodeAuthBadMethod({ method: p.auth.method, result: errno, allowedMethods: methods, allowedModes: [...modes] }),
  );
}

function handleAuthPayload(p: ProtocolV2, payload: Buffer): void {
  const h = p.auth.server!;
  const step = h.handle(payload, p.auth.conMode);
  if (step.kind === 'more') {
    p.setState('AUTH_ACCEPTING_MORE');
    p.send(Tag.AUTH_REPLY_MORE, F.encodeAuthReplyMore({ payload: step.payload }));
    return;
  }
  if (step.kind === 'error') {
    if (step.errno === -Errno.EBUSY) {
      p.fault(new MsgrError('ERR_AUTH_FAILED', 'auth server busy', { errno: step.errno }));
      return;
    }
    return sendAuthBadMethod(p, step.errno);
  }
  const res = step.result;
  p.auth.sessionKey = res.sessionKey;
  p.auth.connectionSecret = res.connectionSecret;
  p.conn.peerGlobalId = res.globalId;
  if (p.auth.conMode === ConMode.SECURE && (!res.connectionSecret || res.connectionSecret.length < 40)) {
    p.fault(new MsgrError('ERR_AUTH_FAILED', 'secure mode negotiated without a connection secret'));
    return;
  }
  p.setState('AUTH_ACCEPTING_SIGN');
  p.send(
    Tag.AUTH_DONE,
    F.encodeAuthDone({ globalId: res.globalId, conMode: p.auth.conMode, payload: step.payload }),
    () => finishAuth(p),
  );
}

/** After AUTH_DONE is written: switch to the negotiated mode and send our signature. */
function finishAuth(p: ProtocolV2): void {
  const key = p.auth.sessionKey;
  const sig = authSignature(key, p.rxRecord ?? []);
  p.auth.expectedPeerSig = authSignature(key, p.txRecord ?? []);
  p.txRecord = null;
  p.rxRecord = null;
  p.dec!.recording = false;
  if (p.auth.conMode === ConMode.SECURE) {
    const { tx, rx } = createSecureHandlers(p.auth.connectionSecret!, { rev1: p.rev1, isServer: true });
    p.enc!.setSecure(tx);
    p.dec!.setSecure(rx);
  }
  p.send(Tag.AUTH_SIGNATURE, F.encodeAuthSignature({ signature: sig }));
}

/** Ceph _infer_target_addr: the first non-legacy address of the socket's family. */
function inferTargetAddr(addrs: readonly EntityAddr[], family: number | undefined): EntityAddr | undefined {
  for (const a of addrs) {
    if (a.type === AddrType.LEGACY) continue;
    if (family === undefined || a.family === family) return a;
  }
  return undefined;
}

function msgr2Addr(addrs: readonly EntityAddr[]): EntityAddr {
  return pickAddr(addrs, AddrType.MSGR2) ?? BLANK;
}

function handleClientIdent(p: ProtocolV2, f: F.ClientIdentFrame, now: number): void {
  const c = p.conn;
  const s = c.session;
  c.stats.serverIdentsRead++;
  p.log(5, () => ` received client identification: gid=${f.gid} global_seq=${f.globalSeq} flags=${f.flags} cookie=${f.clientCookie.toString(16)}`);
  const first = f.addrs[0];
  if (!first || (first.type === 0 && first.family === 0 && first.nonce === 0)) {
    throw new MsgrError('ERR_HANDSHAKE', 'CLIENT_IDENT with empty addrs', { origin: 'remote' });
  }
  if (!p.ctx.myAddrs().some((a) => addrEquals(a, f.targetAddr))) {
    throw new MsgrError('ERR_PEER_ADDR', 'peer is trying to reach an address which is not ours', { origin: 'remote' });
  }
  c.peerAddrs = f.addrs;
  c.targetAddr = inferTargetAddr(f.addrs, c.socketPeerAddr?.family);
  c.peerName = { type: c.peerType, num: f.gid };
  s.clientCookie = f.clientCookie;
  const missing = (c.policy.featuresRequired | MSGR2_REQUIRED) & ~f.supportedFeatures;
  if (missing) {
    p.log(1, () => ` peer missing required features 0x${missing.toString(16)}`);
    p.send(Tag.IDENT_MISSING_FEATURES, F.encodeIdentMissingFeatures({ features: missing }));
    return;
  }
  p.connectionFeatures = f.supportedFeatures & c.policy.featuresSupported;
  s.peerGlobalSeq = f.globalSeq;
  const go = (): void => {
    if (p.state === 'SESSION_ACCEPTING') lookupAndIdent(p, f, now);
  };
  if (p.delayPoint(go)) go();
}

function lookupAndIdent(p: ProtocolV2, f: F.ClientIdentFrame, now: number): void {
  const c = p.conn;
  let existing = p.ctx.lookupConn(f.addrs, c);
  if (existing && existing.proto.version !== 2) {
    existing.proto.stop();
    existing = undefined;
  }
  if (existing) return handleExistingConnection(p, existing, now);
  sendServerIdent(p, now);
}

function handleExistingConnection(p: ProtocolV2, existing: Conn, now: number): void {
  const ex = existing.proto as ProtocolV2;
  const s = p.conn.session;
  const xs = existing.session;
  if (ex.state === 'CLOSED') return sendServerIdent(p, now);
  if (ex.replacing) {
    p.send(Tag.WAIT, F.encodeWait({}));
    return;
  }
  if (xs.peerGlobalSeq > s.peerGlobalSeq) {
    p.log(1, () => ` this is a stale connection, peer_global_seq=${s.peerGlobalSeq} existing=${xs.peerGlobalSeq}`);
    p.stopWithReset();
    return;
  }
  if (existing.policy.lossy) {
    // Deliberate difference from classic (which always stops a lossy existing connection in
    // favor of the new one): if ours is still connecting to the same peer, this is a connect race,
    // and "the accepting side wins" applied on both ends would kill both winners — with peers
    // that reconnect on reset, a reset storm (crimson PR #33909). Race it like a lossless one.
    if (isConnectingState(ex.state) || ex.state === 'WAIT') return raceExisting(p, existing, now);
    p.log(1, () => ` existing ${existing.id} is lossy: stopping it in favor of this connection`);
    ex.stopWithReset();
    return sendServerIdent(p, now);
  }
  if (xs.serverCookie && xs.clientCookie && xs.clientCookie !== s.clientCookie) {
    p.log(1, () => ` found previous session existing=${existing.id}, peer must have reset`);
    if (p.conn.policy.resetcheck) ex.resetSession();
    return reuseConnection(p, existing, now);
  }
  if (xs.clientCookie === s.clientCookie) {
    p.log(1, () => ` found previous session existing=${existing.id}, continuing session establishment`);
    return reuseConnection(p, existing, now);
  }
  if (ex.state === 'READY' || ex.state === 'STANDBY') {
    p.log(1, () => ` existing=${existing.id} is READY/STANDBY, reusing it`);
    return reuseConnection(p, existing, now);
  }
  raceExisting(p, existing, now);
}

/** Both sides are connecting to each other: the connection initiated by the lower address wins. */
function raceExisting(p: ProtocolV2, existing: Conn, now: number): void {
  const ex = existing.proto as ProtocolV2;
  const peer2 = msgr2Addr(p.conn.peerAddrs);
  const mine2 = msgr2Addr(p.ctx.myAddrs());
  if (compareAddr(peer2, mine2) < 0 || existing.policy.server) {
    p.log(1, () => ` connection race detected, replacing existing=${existing.id}`);
    return reuseConnection(p, existing, now);
  }
  p.log(1, () => ` connection race detected, this connection loses to existing=${existing.id}`);
  existing.session.keepalivePending = true;
  ex.onQueued(now);
  p.send(Tag.WAIT, F.encodeWait({}));
}

function handleReconnect(p: ProtocolV2, f: F.SessionReconnectFrame, now: number): void {
  const c = p.conn;
  c.stats.reconnectsRead++;
  p.log(5, () => ` received reconnect: cc=${f.clientCookie.toString(16)} sc=${f.serverCookie.toString(16)} gs=${f.globalSeq} cs=${f.connectSeq} ms=${f.msgSeq}`);
  c.peerAddrs = f.addrs;
  c.targetAddr = inferTargetAddr(f.addrs, c.socketPeerAddr?.family);
  c.session.peerGlobalSeq = f.globalSeq;
  const go = (): void => {
    if (p.state === 'SESSION_ACCEPTING') lookupAndReconnect(p, f, now);
  };
  if (p.delayPoint(go)) go();
}

function lookupAndReconnect(p: ProtocolV2, f: F.SessionReconnectFrame, now: number): void {
  const c = p.conn;
  let existing = p.ctx.lookupConn(f.addrs, c);
  if (existing && existing.proto.version !== 2) {
    existing.proto.stop();
    existing = undefined;
  }
  const reset = (full: boolean): void => p.send(Tag.SESSION_RESET, F.encodeSessionReset({ full }));
  if (!existing) {
    p.log(0, () => ` no existing connection exists, resetting client`);
    return reset(true);
  }
  const ex = existing.proto as ProtocolV2;
  const xs = existing.session;
  if (ex.state === 'CLOSED') return reset(true);
  if (ex.replacing) {
    p.send(Tag.SESSION_RETRY_GLOBAL, F.encodeSessionRetryGlobal({ globalSeq: xs.peerGlobalSeq }));
    return;
  }
  if (xs.clientCookie !== f.clientCookie) {
    p.log(1, () => ` client cookie mismatch, I must have reset: resetting client`);
    return reset(c.policy.resetcheck);
  } else if (xs.serverCookie === 0n) {
    p.log(1, () => ` I was a client and didn't receive the server_ident; asking peer to resume session establishment`);
    return reset(false);
  }
  if (xs.peerGlobalSeq > f.globalSeq) {
    p.send(Tag.SESSION_RETRY_GLOBAL, F.encodeSessionRetryGlobal({ globalSeq: xs.peerGlobalSeq }));
    return;
  }
  if (xs.connectSeq > f.connectSeq) {
    p.send(Tag.SESSION_RETRY, F.encodeSessionRetry({ connectSeq: xs.connectSeq }));
    return;
  }
  if (xs.connectSeq === f.connectSeq) {
    const peer2 = msgr2Addr(existing.peerAddrs);
    const mine2 = msgr2Addr(p.ctx.myAddrs());
    if (compareAddr(peer2, mine2) > 0 && !existing.policy.server) {
      p.log(1, () => ` reconnect race detected, this connection loses to existing=${existing.id}`);
      p.send(Tag.WAIT, F.encodeWait({}));
      return;
    }
    p.log(1, () => ` reconnect race detected, replacing existing=${existing.id}`);
  }
  p.reconnecting = true;
  xs.connectSeq = f.connectSeq;
  xs.messageSeq = f.msgSeq;
  reuseConnection(p, existing, now);
}

/**
 * Ceph reuse_connection: the existing connection takes over this socket (and its frame and
 * crypto state); this temporary connection is dropped without events; the existing one then
 * answers SERVER_IDENT (new session) or SESSION_RECONNECT_OK (resumed session).
 */
function reuseConnection(p: ProtocolV2, existing: Conn, now: number): void {
  const ex = existing.proto as ProtocolV2;
  const c = p.conn;
  const reconnecting = p.reconnecting;
  p.log(5, () => ` reuse existing=${existing.id} reconnect=${reconnecting}`);
  ex.releaseHeld();
  ex.blocked = undefined;
  if (!reconnecting) {
    existing.session.clientCookie = c.session.clientCookie;
    existing.peerName = c.peerName;
    ex.connectionFeatures = p.connectionFeatures;
    existing.session.features = p.connectionFeatures;
  }
  existing.session.peerGlobalSeq = c.session.peerGlobalSeq;
  existing.peerAddrs = c.peerAddrs;
  if (c.targetAddr) existing.targetAddr = c.targetAddr;
  // move the socket and everything tied to it
  p.ctx.moveTransport(c, existing);
  ex.rx = p.rx;
  ex.enc = p.enc;
  ex.dec = p.dec;
  ex.rev1 = p.rev1;
  ex.auth = p.auth;
  ex.txRecord = null;
  ex.rxRecord = null;
  ex.pending = p.pending;
  ex.pendingBytes = p.pendingBytes;
  existing.lastActive = now;
  existing.lastRead = now;
  existing.attemptStarted = now;
  existing.peerGlobalId = c.peerGlobalId;
  p.pending = [];
  p.pendingBytes = 0;
  p.enc = undefined;
  p.dec = undefined;
  p.rx = new ByteQueue();
  // drop this connection quietly (it was never announced)
  c.replacedBy = existing.id;
  p.stop();
  existing.session.requeueSent();
  ex.wakeAt = 0;
  ex.reconnecting = reconnecting;
  ex.replacing = true;
  ex.setState('SESSION_ACCEPTING');
  if (!reconnecting) sendServerIdent(ex, now);
  else sendReconnectOk(ex, now);
}

function announceAccept(p: ProtocolV2): void {
  const c = p.conn;
  c.announced = true;
  c.stats.acceptEvents++;
  p.ctx.emit({ kind: 'accept', conn: c.id });
}

function sendServerIdent(p: ProtocolV2, now: number): void {
  const c = p.conn;
  const s = c.session;
  s.discardRequeuedUpTo(0n);
  s.inSeq = 0n;
  if (!c.policy.lossy) s.serverCookie = randomNonZeroU64(p.ctx.random);
  const gs = p.ctx.nextGlobalSeq();
  if (!p.ctx.acceptConn(c)) {
    p.fault(new MsgrError('ERR_HANDSHAKE', 'another connection is replacing this peer'), now);
    return;
  }
  s.features = p.connectionFeatures;
  announceAccept(p);
  p.ctx.emit({ kind: 'step', conn: c.id, step: 'SEND_SERVER_IDENTITY' });
  p.send(
    Tag.SERVER_IDENT,
    F.encodeServerIdent({
      addrs: p.ctx.myAddrs(),
      gid: p.ctx.myName.num,
      globalSeq: gs,
      supportedFeatures: c.policy.featuresSupported,
      requiredFeatures: c.policy.featuresRequired | MSGR2_REQUIRED,
      flags: c.policy.lossy ? 1n : 0n,
      serverCookie: s.serverCookie,
    }),
    () => p.ready(now),
  );
}

function sendReconnectOk(p: ProtocolV2, now: number): void {
  const c = p.conn;
  const s = c.session;
  s.discardRequeuedUpTo(s.messageSeq);
  if (!p.ctx.acceptConn(c)) {
    p.fault(new MsgrError('ERR_HANDSHAKE', 'another connection is replacing this peer'), now);
    return;
  }
  announceAccept(p);
  p.ctx.emit({ kind: 'step', conn: c.id, step: 'SEND_RECONNECT_OK' });
  p.send(Tag.SESSION_RECONNECT_OK, F.encodeSessionReconnectOk({ msgSeq: s.inSeq }), () => p.ready(now));
}
