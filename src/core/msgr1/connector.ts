/**
 * msgr1 client role (Ceph's "Client Protocol V1", wire §5.1–5.2): banner → server hello (check
 * the address we dialled, learn our IP) → our address → ceph_msg_connect (+ authorizer) → reply:
 * READY / SEQ (+ le64 exchange) open the session; RESETSESSION, RETRY_SESSION, RETRY_GLOBAL and
 * CHALLENGE_AUTHORIZER resend the connect; WAIT, BADAUTHORIZER, FEATURES, BADPROTOVER fault.
 */
import { Buffer } from 'node:buffer';
import { addrEquals, isBlankIp } from '../../encoding/types/entity-addr.ts';
import { EntityType } from '../../encoding/types/entity-name.ts';
import { MsgrError, isMsgrError } from '../../errors.ts';
import { ConMode } from '../auth/types.ts';
import { Policy } from '../session/policy.ts';
import { asLegacy, asLegacyAddr } from './addrs.ts';
import { MSGR1_BANNER, encodeMsgr1Addr, type Msgr1ServerHello } from './banner.ts';
import { Msgr1ConnectFlag, Msgr1Tag, encodeMsgr1Connect, msgr1TagName, protocolVersionFor, type Msgr1ConnectReply } from './connect.ts';
import { Msgr1RecordDecoder } from './record-decoder.ts';
import { encodeMsgr1Seq } from './records.ts';
import type { ProtocolV1 } from './protocol.ts';
import { Feature, hasFeature } from '../../encoding/types/features.ts';

const EMPTY: Buffer = Buffer.alloc(0);

/** The low 32 bits (msgr1 carries global_seq and connect_seq as le32). */
export function u32(v: bigint): number {
  return Number(BigInt.asUintN(32, v));
}

/** The TCP connection is up: write the banner, then wait for the server's hello. */
export function startClient(p: ProtocolV1): void {
  p.resetSocketState();
  // a fresh global_seq per connection attempt (Ceph takes one in connect() and in fault())
  p.conn.session.globalSeq = p.ctx.nextGlobalSeq();
  p.setState('CONNECTING');
  p.ctx.emit({ kind: 'step', conn: p.conn.id, step: 'START_CLIENT_BANNER_EXCHANGE' });
  const go = (): void => {
    p.sendRaw([MSGR1_BANNER]);
    p.setState('CONNECTING_WAIT_BANNER_AND_IDENTIFY');
  };
  if (p.intercept('BANNER_WRITE', go, go)) go();
}

export function handleServerHello(p: ProtocolV1, h: Msgr1ServerHello): void {
  const c = p.conn;
  const want = asLegacy(c.targetAddr!);
  const got = asLegacy(h.serverAddr);
  if (!addrEquals(want, got)) {
    if (isBlankIp(h.serverAddr) && h.serverAddr.port === want.port && h.serverAddr.nonce === want.nonce) {
      p.log(0, () => ` connect claims to be ${h.serverAddr.ip || '-'}:${h.serverAddr.port} not ${want.ip}:${want.port} - presumably this is the same node!`);
    } else {
      throw new MsgrError(
        'ERR_PEER_ADDR',
        `peer claims to be ${h.serverAddr.ip}:${h.serverAddr.port}/${h.serverAddr.nonce}, we dialled ${want.ip}:${want.port}/${want.nonce}`,
        { origin: 'remote' },
      );
    }
  }
  const mine = p.ctx.myAddrs();
  if (!mine.length || isBlankIp(mine[0]!)) {
    const learned = !isBlankIp(h.peerAddrForMe) ? h.peerAddrForMe : c.localAddr;
    if (learned && !isBlankIp(learned)) p.ctx.learnedAddr(learned);
    // ms_inject_internal_delays: Ceph may sleep right after learned_addr
    const go = (): void => {
      if (p.state === 'CONNECTING_WAIT_BANNER_AND_IDENTIFY') sendAddrAndConnect(p);
    };
    if (!p.delayPoint(go)) return;
  }
  sendAddrAndConnect(p);
}

function sendAddrAndConnect(p: ProtocolV1): void {
  p.sendRaw([encodeMsgr1Addr(asLegacyAddr(p.ctx.myAddrs()))]);
  sendConnect(p);
}

/** Ceph sends an authorizer to every peer but a mon (and to mons when it is a mon itself). */
function usesAuthorizer(p: ProtocolV1): boolean {
  return p.conn.peerType !== EntityType.MON || p.ctx.myName.type === EntityType.MON;
}

/** Build and write ceph_msg_connect (Ceph send_connect_message). */
export function sendConnect(p: ProtocolV1): void {
  const c = p.conn;
  const s = c.session;
  const ctx = p.ctx;
  p.setState('CONNECTING_SEND_CONNECT_MSG');
  let authorizer: Buffer = EMPTY;
  if (usesAuthorizer(p)) {
    if (p.auth.authorizerMore) {
      authorizer = p.auth.authorizerMore;
    } else {
      const method = ctx.authClient.methods(c.peerType)[0];
      if (method === undefined) {
        p.fault(new MsgrError('ERR_AUTH_BAD_METHOD', 'no auth method to build an authorizer with'));
        return;
      }
      try {
        const myNum = ctx.myName.num;
        const h = ctx.authClient.start(method, c.peerType, { toMon: false, globalId: myNum > 0n ? myNum : 0n });
        authorizer = h.initialPayload();
        p.auth.client = h;
        p.auth.clientChallenged = false;
        p.auth.method = method;
      } catch (e) {
        if (!isMsgrError(e)) throw e;
        p.fault(e);
        return;
      }
    }
  }
  const msg = encodeMsgr1Connect({
    features: c.policy.featuresSupported,
    hostType: ctx.myName.type,
    globalSeq: u32(s.globalSeq),
    connectSeq: u32(s.connectSeq),
    protocolVersion: protocolVersionFor(ctx.myName.type, c.peerType, true),
    authorizerProtocol: authorizer.length ? p.auth.method : 0,
    authorizer,
    flags: c.policy.lossy ? Msgr1ConnectFlag.LOSSY : 0,
  });
  p.log(10, () => ` connect sending gseq=${s.globalSeq} cseq=${s.connectSeq} authorizer=${authorizer.length}`);
  // counted like msgr2's CLIENT_IDENT / SESSION_RECONNECT: a new session (cs 0) or a reconnect
  if (s.connectSeq === 0n) c.stats.clientIdents++;
  else c.stats.reconnects++;
  ctx.emit({ kind: 'step', conn: c.id, step: 'SEND_CONNECT_MSG' });
  p.sendAt('CONNECT:w', [msg]);
}

function authError(e: unknown): MsgrError {
  if (!isMsgrError(e)) throw e;
  return e.code === 'ERR_AUTH_REJECTED' || e.code === 'ERR_AUTH_FAILED'
    ? e
    : new MsgrError('ERR_AUTH_FAILED', `authorizer exchange failed: ${e.message}`, { origin: 'remote', cause: e });
}

/** Ceph handle_connect_reply_1/_auth/_2. */
export function handleConnectReply(p: ProtocolV1, r: Msgr1ConnectReply, now: number): void {
  const c = p.conn;
  const s = c.session;
  const ctx = p.ctx;
  p.log(5, () => ` got reply tag ${msgr1TagName(r.tag)} gs=${r.globalSeq} cs=${r.connectSeq} proto=${r.protocolVersion} flags=${r.flags} features=0x${r.features.toString(16)} authorizer=${r.authorizer.length}`);
  if (r.authorizer.length && usesAuthorizer(p)) {
    if (r.tag === Msgr1Tag.CHALLENGE_AUTHORIZER) {
      try {
        let h = p.auth.client;
        // a second challenge (the server replaced a connection and lost the first one): start over
        if (!h || p.auth.clientChallenged) h = ctx.authClient.start(p.auth.method, c.peerType, { toMon: false, globalId: ctx.myName.num > 0n ? ctx.myName.num : 0n });
        p.auth.authorizerMore = h.handleMore(r.authorizer);
        p.auth.client = h;
        p.auth.clientChallenged = true;
      } catch (e) {
        p.refuse(authError(e), now);
        return;
      }
      ctx.emit({ kind: 'step', conn: c.id, step: 'CHALLENGE_AUTHORIZER' });
      sendConnect(p);
      return;
    }
    if ((r.tag === Msgr1Tag.READY || r.tag === Msgr1Tag.SEQ) && p.auth.client) {
      try {
        p.auth.sessionKey = p.auth.client.handleDone(0n, ConMode.CRC, r.authorizer).sessionKey;
      } catch (e) {
        p.refuse(authError(e), now);
        return;
      }
    }
  }
  const ours = c.policy.featuresSupported;
  switch (r.tag) {
    case Msgr1Tag.FEATURES:
      p.refuse(
        new MsgrError('ERR_MISSING_FEATURES', `peer requires features 0x${(r.features & ~ours).toString(16)} we lack`, { origin: 'remote' }),
        now,
      );
      return;
    case Msgr1Tag.BADPROTOVER:
      p.refuse(
        new MsgrError('ERR_MSGR1_BADPROTOVER', `peer speaks protocol ${r.protocolVersion}, we sent ${protocolVersionFor(ctx.myName.type, c.peerType, true)}`, {
          origin: 'remote',
        }),
        now,
      );
      return;
    case Msgr1Tag.BADAUTHORIZER:
      p.auth.authorizerMore = undefined;
      p.refuse(new MsgrError('ERR_AUTH_REJECTED', 'peer rejected our authorizer (BADAUTHORIZER)', { origin: 'remote' }), now);
      return;
    case Msgr1Tag.RESETSESSION:
      p.log(0, () => ` connect got RESETSESSION`);
      p.sessionReset();
      s.connectSeq = 0n;
      ctx.emit({ kind: 'step', conn: c.id, step: 'RESETSESSION' });
      sendConnect(p);
      return;
    case Msgr1Tag.RETRY_GLOBAL:
      s.globalSeq = ctx.nextGlobalSeq(BigInt(r.globalSeq));
      p.log(5, () => ` connect got RETRY_GLOBAL ${r.globalSeq} chose new ${s.globalSeq}`);
      ctx.emit({ kind: 'step', conn: c.id, step: 'RETRY_GLOBAL' });
      sendConnect(p);
      return;
    case Msgr1Tag.RETRY_SESSION:
      if (BigInt(r.connectSeq) <= s.connectSeq) {
        throw new MsgrError('ERR_HANDSHAKE', `RETRY_SESSION with connect_seq ${r.connectSeq} <= ours ${s.connectSeq}`, { origin: 'remote' });
      }
      p.log(5, () => ` connect got RETRY_SESSION ${s.connectSeq} -> ${r.connectSeq}`);
      s.connectSeq = BigInt(r.connectSeq);
      ctx.emit({ kind: 'step', conn: c.id, step: 'SESSION_RETRY' });
      sendConnect(p);
      return;
    case Msgr1Tag.WAIT:
      p.log(1, () => ` connect got WAIT (connection race)`);
      p.setState('WAIT');
      p.fault(new MsgrError('ERR_HANDSHAKE', 'peer asked us to WAIT (connection race)', { origin: 'remote' }), now);
      return;
    case Msgr1Tag.READY:
    case Msgr1Tag.SEQ:
      break;
    default:
      throw new MsgrError('ERR_MSGR1_TAG', `unexpected connect reply ${msgr1TagName(r.tag)}`, { origin: 'remote' });
  }
  const missing = c.policy.featuresRequired & ~r.features;
  if (missing) {
    p.refuse(new MsgrError('ERR_MISSING_FEATURES', `peer lacks required features 0x${missing.toString(16)}`, { origin: 'remote' }), now);
    return;
  }
  p.reply = r;
  if (r.tag === Msgr1Tag.SEQ) {
    p.log(10, () => ` got SEQ, reading acked_seq and writing in_seq`);
    p.awaitingSeq = true;
    return;
  }
  clientReady(p, r, now);
}

/** After SEQ: the server's in_seq arrived; drop what it has, send ours, open. */
export function handleAckSeq(p: ProtocolV1, seq: bigint, now: number): void {
  const s = p.conn.session;
  p.awaitingSeq = false;
  const dropped = s.discardRequeuedUpTo(seq);
  p.log(2, () => ` got newly_acked_seq ${seq}, ${dropped.length} requeued messages dropped, out_seq ${s.outSeq}`);
  p.sendAt('SEQ:w', [encodeMsgr1Seq(s.inSeq)], () => clientReady(p, p.reply!, now));
}

function clientReady(p: ProtocolV1, r: Msgr1ConnectReply, now: number): void {
  const c = p.conn;
  const s = c.session;
  s.peerGlobalSeq = BigInt(r.globalSeq);
  const lossy = (r.flags & Msgr1ConnectFlag.LOSSY) !== 0;
  if (lossy !== c.policy.lossy) c.policy = Policy.with(c.policy, { lossy });
  p.onceReady = true;
  if (s.connectSeq + 1n !== BigInt(r.connectSeq)) {
    p.log(0, () => ` connect_seq ${s.connectSeq} + 1 != reply connect_seq ${r.connectSeq}`);
  }
  s.connectSeq = BigInt(r.connectSeq);
  s.features = r.features & c.policy.featuresSupported;
  const dec = new Msgr1RecordDecoder({ msgAuth: hasFeature(s.features, Feature.MSG_AUTH), maxMessageBytes: p.ctx.config.ms_max_message_size });
  c.announced = true;
  c.stats.connectEvents++;
  p.ctx.emit({ kind: 'connect', conn: c.id });
  p.ready(now, dec);
}
