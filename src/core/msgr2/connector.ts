/**
 * msgr2 client role (the side that dialled): banner → HELLO → AUTH_REQUEST (…MORE) → AUTH_DONE →
 * AUTH_SIGNATURE → CLIENT_IDENT or SESSION_RECONNECT → SERVER_IDENT / RECONNECT_OK / RESET /
 * RETRY / RETRY_GLOBAL / WAIT. Functions over a ProtocolV2 (Ceph's "Client Protocol Methods").
 */
import { Buffer } from 'node:buffer';
import { addrEquals, isBlankIp } from '../../encoding/types/entity-addr.ts';
import { EntityType } from '../../encoding/types/entity-name.ts';
import { MSGR2_REQUIRED } from '../../encoding/types/features.ts';
import { Errno, MsgrError, isMsgrError } from '../../errors.ts';
import { authSignature } from '../auth/signature.ts';
import { sigEquals } from './auth-meta.ts';
import { ConMode } from '../auth/types.ts';
import { Policy } from '../session/policy.ts';
import { randomNonZeroU64 } from '../random.ts';
import type { Frame } from './frame-decoder.ts';
import * as F from './frames.ts';
import type { ProtocolV2 } from './protocol.ts';
import { createSecureHandlers } from './secure.ts';
import { Tag, tagName } from './tags.ts';

const EMPTY = Buffer.alloc(0);

export function startClientBanner(p: ProtocolV2, now: number): void {
  p.resetSocketState();
  p.conn.session.globalSeq = p.ctx.nextGlobalSeq();
  p.setState('BANNER_CONNECTING');
  p.ctx.emit({ kind: 'step', conn: p.conn.id, step: 'START_CLIENT_BANNER_EXCHANGE' });
  p.sendBanner();
  void now;
}

export function handleConnectorFrame(p: ProtocolV2, frame: Frame, now: number): void {
  const payload = frame.segments[0] ?? EMPTY;
  const st = p.state;
  const unexpected = (): never => {
    throw new MsgrError('ERR_FRAME_UNEXPECTED', `${tagName(frame.tag)} in state ${st}`, { origin: 'remote' });
  };
  switch (frame.tag) {
    case Tag.HELLO:
      if (st !== 'HELLO_CONNECTING') unexpected();
      return handleHello(p, F.decodeHello(payload));
    case Tag.AUTH_BAD_METHOD:
      if (st !== 'AUTH_CONNECTING') unexpected();
      return handleAuthBadMethod(p, F.decodeAuthBadMethod(payload));
    case Tag.AUTH_REPLY_MORE:
      if (st !== 'AUTH_CONNECTING') unexpected();
      return handleAuthReplyMore(p, F.decodeAuthReplyMore(payload).payload);
    case Tag.AUTH_DONE:
      if (st !== 'AUTH_CONNECTING') unexpected();
      return handleAuthDone(p, F.decodeAuthDone(payload));
    case Tag.AUTH_SIGNATURE:
      if (st !== 'AUTH_CONNECTING_SIGN') unexpected();
      return handleAuthSignature(p, F.decodeAuthSignature(payload).signature);
    case Tag.SERVER_IDENT:
      if (st !== 'SESSION_CONNECTING') unexpected();
      return handleServerIdent(p, F.decodeServerIdent(payload), now);
    case Tag.IDENT_MISSING_FEATURES: {
      if (st !== 'SESSION_CONNECTING') unexpected();
      const f = F.decodeIdentMissingFeatures(payload);
      const err = new MsgrError('ERR_MISSING_FEATURES', `server requires features 0x${f.features.toString(16)} we lack`, {
        origin: 'remote',
      });
      p.ctx.emit({ kind: 'refused', conn: p.conn.id, error: err, final: false });
      p.fault(err, now);
      return;
    }
    case Tag.SESSION_RESET: {
      if (st !== 'SESSION_RECONNECTING') unexpected();
      const f = F.decodeSessionReset(payload);
      p.log(1, () => ` received session reset full=${f.full}`);
      const s = p.conn.session;
      if (f.full) p.resetSession();
      else {
        s.serverCookie = 0n;
        s.connectSeq = 0n;
        s.inSeq = 0n;
      }
      p.setState('SESSION_CONNECTING');
      return sendClientIdent(p);
    }
    case Tag.SESSION_RETRY: {
      if (st !== 'SESSION_RECONNECTING') unexpected();
      const f = F.decodeSessionRetry(payload);
      p.conn.session.connectSeq = f.connectSeq + 1n;
      p.log(1, () => ` received session retry connect_seq=${f.connectSeq}, inc to cs=${p.conn.session.connectSeq}`);
      p.ctx.emit({ kind: 'step', conn: p.conn.id, step: 'SESSION_RETRY' });
      return sendReconnect(p);
    }
    case Tag.SESSION_RETRY_GLOBAL: {
      if (st !== 'SESSION_RECONNECTING') unexpected();
      const f = F.decodeSessionRetryGlobal(payload);
      p.conn.session.globalSeq = p.ctx.nextGlobalSeq(f.globalSeq);
      p.log(1, () => ` received session retry global gs=${f.globalSeq}, choose new gs=${p.conn.session.globalSeq}`);
      return sendReconnect(p);
    }
    case Tag.SESSION_RECONNECT_OK: {
      if (st !== 'SESSION_RECONNECTING') unexpected();
      const f = F.decodeSessionReconnectOk(payload);
      p.log(5, () => ` reconnect accepted: sms=${f.msgSeq}`);
      p.conn.session.discardRequeuedUpTo(f.msgSeq);
      p.backoffMs = 0;
      announceConnect(p);
      p.ready(now);
      return;
    }
    case Tag.WAIT:
      if (st !== 'SESSION_CONNECTING' && st !== 'SESSION_RECONNECTING') unexpected();
      F.decodeWait(payload);
      p.log(1, () => ` received WAIT (connection race)`);
      p.setState('WAIT');
      p.fault(new MsgrError('ERR_HANDSHAKE', 'peer asked us to WAIT (connection race)', { origin: 'remote' }), now);
      return;
    default:
      unexpected();
  }
}

function announceConnect(p: ProtocolV2): void {
  const c = p.conn;
  c.announced = true;
  c.stats.connectEvents++;
  p.ctx.emit({ kind: 'connect', conn: c.id });
}

function handleHello(p: ProtocolV2, f: F.HelloFrame): void {
  const c = p.conn;
  p.log(5, () => ` received hello: peer_type=${f.entityType}`);
  if (f.entityType !== c.peerType) {
    p.abort(
      new MsgrError('ERR_PEER_TYPE', `peer is entity type ${f.entityType}, expected ${c.peerType}`, { origin: 'remote' }),
    );
    return;
  }
  const mine = p.ctx.myAddrs();
  if (!mine.length || isBlankIp(mine[0]!)) {
    const learned = !isBlankIp(f.peerAddr) ? f.peerAddr : c.localAddr;
    if (learned && !isBlankIp(learned)) p.ctx.learnedAddr(learned);
  }
  p.setState('AUTH_CONNECTING');
  sendAuthRequest(p, undefined);
}

function sendAuthRequest(p: ProtocolV2, allowed: readonly number[] | undefined): void {
  const c = p.conn;
  const ac = p.ctx.authClient;
  const methods = ac.methods(c.peerType).filter((m) => !p.auth.rejected.has(m) && (!allowed || allowed.includes(m)));
  const method = methods[0];
  if (method === undefined) {
    p.abort(
      new MsgrError('ERR_AUTH_BAD_METHOD', `no auth method acceptable to the peer (allowed: ${allowed?.join(',') ?? '?'})`, {
        origin: 'remote',
      }),
    );
    return;
  }
  const modes = ac.modes(c.peerType, method);
  const myNum = p.ctx.myName.num;
  const handler = ac.start(method, c.peerType, {
    toMon: c.peerType === EntityType.MON,
    globalId: myNum > 0n ? myNum : 0n,
  });
  p.auth.method = method;
  p.auth.client = handler;
  p.ctx.emit({ kind: 'step', conn: c.id, step: 'SEND_AUTH_REQUEST' });
  p.send(Tag.AUTH_REQUEST, F.encodeAuthRequest({ method, preferredModes: modes, payload: handler.initialPayload() }));
}

function handleAuthBadMethod(p: ProtocolV2, f: F.AuthBadMethodFrame): void {
  p.log(1, () => ` auth bad method=${f.method} result=${f.result} allowed methods=${f.allowedMethods} modes=${f.allowedModes}`);
  p.auth.rejected.add(f.method);
  if (f.result === -Errno.EACCES || f.result === -Errno.EPERM) {
    p.abort(
      new MsgrError('ERR_AUTH_REJECTED', `authentication rejected (method ${f.method}, ${f.result === -Errno.EACCES ? 'EACCES' : 'EPERM'})`, {
        origin: 'remote',
        errno: f.result,
      }),
    );
    return;
  }
  const ac = p.ctx.authClient;
  const others = ac.methods(p.conn.peerType).filter((m) => !p.auth.rejected.has(m) && f.allowedMethods.includes(m));
  if (!others.length) {
    p.abort(
      new MsgrError(
        'ERR_AUTH_BAD_METHOD',
        `peer allows auth methods [${f.allowedMethods}] modes [${f.allowedModes}]; we offer [${ac.methods(p.conn.peerType)}] with modes [${ac.modes(p.conn.peerType, f.method)}] (result ${f.result})`,
        { origin: 'remote', errno: f.result },
      ),
    );
    return;
  }
  sendAuthRequest(p, f.allowedMethods);
}

function handleAuthReplyMore(p: ProtocolV2, payload: Buffer): void {
  const h = p.auth.client;
  if (!h) throw new MsgrError('ERR_FRAME_UNEXPECTED', 'AUTH_REPLY_MORE without a request', { origin: 'remote' });
  let reply: Buffer;
  try {
    reply = h.handleMore(payload);
  } catch (e) {
    if (isMsgrError(e) && e.code === 'ERR_AUTH_REJECTED') return p.abort(e);
    throw e;
  }
  p.send(Tag.AUTH_REQUEST_MORE, F.encodeAuthRequestMore({ payload: reply }));
}

function handleAuthDone(p: ProtocolV2, f: F.AuthDoneFrame): void {
  const h = p.auth.client;
  if (!h) throw new MsgrError('ERR_FRAME_UNEXPECTED', 'AUTH_DONE without a request', { origin: 'remote' });
  const offered = p.ctx.authClient.modes(p.conn.peerType, p.auth.method);
  if (!offered.includes(f.conMode)) {
    throw new MsgrError('ERR_AUTH_FAILED', `server chose connection mode ${f.conMode} we did not offer`, { origin: 'remote' });
  }
  let res;
  try {
    res = h.handleDone(f.globalId, f.conMode, f.payload);
  } catch (e) {
    if (isMsgrError(e) && e.code === 'ERR_AUTH_REJECTED') return p.abort(e);
    throw e;
  }
  p.auth.conMode = f.conMode;
  p.auth.sessionKey = res.sessionKey;
  p.auth.connectionSecret = res.connectionSecret;
  p.conn.peerGlobalId = f.globalId;
  const sig = authSignature(res.sessionKey, p.rxRecord ?? []);
  p.auth.expectedPeerSig = authSignature(res.sessionKey, p.txRecord ?? []);
  p.txRecord = null;
  p.rxRecord = null;
  p.dec!.recording = false;
  if (f.conMode === ConMode.SECURE) {
    if (!res.connectionSecret || res.connectionSecret.length < 40) {
      throw new MsgrError('ERR_AUTH_FAILED', 'secure mode without a connection secret', { origin: 'remote' });
    }
    const { tx, rx } = createSecureHandlers(res.connectionSecret, { rev1: p.rev1, isServer: false });
    p.enc!.setSecure(tx);
    p.dec!.setSecure(rx);
  }
  p.setState('AUTH_CONNECTING_SIGN');
  p.send(Tag.AUTH_SIGNATURE, F.encodeAuthSignature({ signature: sig }));
}

function handleAuthSignature(p: ProtocolV2, sig: Buffer): void {
  const want = p.auth.expectedPeerSig;
  if (!want || !sigEquals(want, sig)) {
    throw new MsgrError('ERR_AUTH_SIGNATURE', 'peer AUTH_SIGNATURE does not match our transcript', { origin: 'remote' });
  }
  if (p.conn.session.serverCookie === 0n) {
    p.setState('SESSION_CONNECTING');
    sendClientIdent(p);
  } else {
    p.setState('SESSION_RECONNECTING');
    sendReconnect(p);
  }
}

export function sendClientIdent(p: ProtocolV2): void {
  const c = p.conn;
  const s = c.session;
  if (!c.policy.lossy && s.clientCookie === 0n) s.clientCookie = randomNonZeroU64(p.ctx.random);
  const mine = p.ctx.myAddrs();
  if ((!mine.length || isBlankIp(mine[0]!)) && c.localAddr && !isBlankIp(c.localAddr)) {
    p.ctx.learnedAddr(c.localAddr);
    // Ceph sleeps here (ms_inject_internal_delays) right after learning its address
    const go = (): void => {
      if (p.state === 'SESSION_CONNECTING') sendClientIdentNow(p);
    };
    if (!p.delayPoint(go)) return;
  }
  sendClientIdentNow(p);
}

function sendClientIdentNow(p: ProtocolV2): void {
  const c = p.conn;
  const s = c.session;
  c.stats.clientIdents++;
  p.ctx.emit({ kind: 'step', conn: c.id, step: 'SEND_CLIENT_IDENTITY' });
  p.send(
    Tag.CLIENT_IDENT,
    F.encodeClientIdent({
      addrs: p.ctx.myAddrs(),
      targetAddr: c.targetAddr!,
      gid: p.ctx.myName.num,
      globalSeq: s.globalSeq,
      supportedFeatures: c.policy.featuresSupported,
      requiredFeatures: c.policy.featuresRequired | MSGR2_REQUIRED,
      flags: c.policy.lossy ? 1n : 0n,
      clientCookie: s.clientCookie,
    }),
  );
}

export function sendReconnect(p: ProtocolV2): void {
  const c = p.conn;
  const s = c.session;
  c.stats.reconnects++;
  p.ctx.emit({ kind: 'step', conn: c.id, step: 'SEND_RECONNECT' });
  p.send(
    Tag.SESSION_RECONNECT,
    F.encodeSessionReconnect({
      addrs: p.ctx.myAddrs(),
      clientCookie: s.clientCookie,
      serverCookie: s.serverCookie,
      globalSeq: s.globalSeq,
      connectSeq: s.connectSeq,
      msgSeq: s.inSeq,
    }),
  );
}

function handleServerIdent(p: ProtocolV2, f: F.ServerIdentFrame, now: number): void {
  const c = p.conn;
  const s = c.session;
  p.log(5, () => ` received server identification: gid=${f.gid} global_seq=${f.globalSeq} flags=${f.flags} cookie=${f.serverCookie.toString(16)}`);
  if (!c.targetAddr || !f.addrs.some((a) => addrEquals(a, c.targetAddr!))) {
    throw new MsgrError('ERR_PEER_ADDR', 'peer addrs do not include the address we dialled', { origin: 'remote' });
  }
  s.serverCookie = f.serverCookie;
  c.peerAddrs = f.addrs;
  c.peerName = { type: c.peerType, num: f.gid };
  s.features = f.supportedFeatures & c.policy.featuresSupported;
  s.peerGlobalSeq = f.globalSeq;
  const lossy = (f.flags & 1n) !== 0n;
  if (lossy !== c.policy.lossy) c.policy = Policy.with(c.policy, { lossy });
  p.backoffMs = 0;
  announceConnect(p);
  p.ready(now);
}
