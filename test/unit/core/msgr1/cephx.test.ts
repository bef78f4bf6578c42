/**
 * msgr1 with a cephx authorizer (wire §5.4, §5.3 signatures), two sans-IO cores wired back to
 * back: the client's first connect carries the authorizer, the server answers
 * CHALLENGE_AUTHORIZER, the client resends the connect with the answered authorizer, the server's
 * SEQ reply carries the CephXAuthorizeReply; then every message is signed (footer flag SIGNED,
 * sig = cephx v2 signature under the ticket session key) and verified; a tampered signature
 * faults the receiver; a client without a valid ticket gets BADAUTHORIZER.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Msgr1Tag } from '../../../../src/core/msgr1/connect.ts';
import { cephxMessageSignature } from '../../../../src/core/auth/cephx-crypto.ts';
import type { CephxAuthClient } from '../../../../src/core/auth/cephx-client.ts';
import { AuthMethod, ConMode } from '../../../../src/core/auth/types.ts';
import { Policy, PolicySet } from '../../../../src/core/session/policy.ts';
import { EntityType } from '../../../../src/encoding/types/entity-name.ts';
import { MsgFlag, Message } from '../../../../src/messages/message.ts';
import type { TransportId } from '../../../../src/core/events.ts';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { makeCluster, runExchange, type Cluster } from '../auth/fixture.ts';
import { Harness, takeClientHello, takeConnect, takeRecords, takeReply, takeServerHello, v1 } from './harness.ts';

const SRV = v1('10.0.0.2', 6800, 99);
const CLI_SOCK = v1('10.0.0.1', 40000, 0);

function loggedIn(cl: Cluster): CephxAuthClient {
  const client = cl.client();
  const out = runExchange(client.start(AuthMethod.CEPHX, EntityType.MON, { toMon: true, globalId: 0n }), cl.mon.start(AuthMethod.CEPHX, EntityType.CLIENT), ConMode.CRC);
  assert.equal(out.error, undefined);
  return client;
}

interface Pair {
  cli: Harness;
  srv: Harness;
  cid: number;
  ctid: TransportId;
  stid: TransportId;
  /** client → server bytes seen so far (for inspection) */
  c2s: Buffer[];
  s2c: Buffer[];
}

/** Move bytes both ways until nothing moves; `tap` may rewrite client→server chunks. */
function shuttle(p: Pair, tap?: (b: Buffer) => Buffer): void {
  for (let i = 0; i < 50; i++) {
    const a = p.cli.written(p.ctid);
    const b = p.srv.written(p.stid);
    if (!a.length && !b.length) return;
    if (a.length) {
      const chunk = a.take(a.length);
      p.c2s.push(chunk);
      p.srv.feed(p.stid, tap ? tap(chunk) : chunk);
    }
    if (b.length) {
      const chunk = b.take(b.length);
      p.s2c.push(chunk);
      p.cli.feed(p.ctid, chunk);
    }
  }
  assert.fail('no quiescence');
}

function pair(cl: Cluster, client: CephxAuthClient): Pair {
  const cli = new Harness({ name: { type: EntityType.CLIENT, num: client.globalId }, authClient: client, policies: new PolicySet(Policy.lossless_client()) });
  const ps = new PolicySet(Policy.stateful_server());
  const srv = new Harness({ name: { type: EntityType.OSD, num: 0n }, nonce: 99, authServer: cl.osd, policies: ps }, [SRV]);
  const cid = cli.core.connect([SRV], EntityType.OSD, cli.now);
  const ctid = cli.lastConnectIo().tid;
  cli.core.connected(ctid, CLI_SOCK, cli.now);
  const stid = srv.core.accepted(SRV, CLI_SOCK, srv.now, 1);
  srv.pump();
  return { cli, srv, cid, ctid, stid, c2s: [], s2c: [] };
}

test('cephx authorizer over msgr1: CHALLENGE_AUTHORIZER round, SEQ with the authorize reply, signed messages both ways', () => {
  const cl = makeCluster('msgr1-cephx');
  const client = loggedIn(cl);
  const p = pair(cl, client);
  shuttle(p);
  // what went over the wire
  const c2s = new ByteQueue();
  for (const b of p.c2s) c2s.push(b);
  const s2c = new ByteQueue();
  for (const b of p.s2c) s2c.push(b);
  takeClientHello(c2s);
  const first = takeConnect(c2s);
  const second = takeConnect(c2s);
  assert.equal(first.authorizerProtocol, AuthMethod.CEPHX);
  assert.equal(second.authorizerProtocol, AuthMethod.CEPHX);
  assert.notDeepEqual(first.authorizer, second.authorizer, 'the second authorizer answers the challenge');
  takeServerHello(s2c);
  const challenge = takeReply(s2c);
  assert.equal(challenge.tag, Msgr1Tag.CHALLENGE_AUTHORIZER);
  assert.ok(challenge.authorizer.length > 0);
  const seq = takeReply(s2c);
  assert.equal(seq.tag, Msgr1Tag.SEQ);
  assert.ok(seq.authorizer.length > 0, 'the SEQ reply carries the CephXAuthorizeReply');
  assert.ok(p.cli.steps().includes('CHALLENGE_AUTHORIZER'));
  assert.deepEqual(p.cli.eventKinds(), ['connect']);
  assert.deepEqual(p.srv.eventKinds(), ['accept']);

  const key = client.tickets.get(EntityType.OSD)!.sessionKey;
  const sp = p.srv.proto([...p.srv.core.all.keys()][0]!);
  assert.deepEqual(sp.auth.sessionKey, key);
  assert.equal(sp.conn.peerGlobalId, client.globalId);
  assert.deepEqual(p.cli.proto(p.cid).signing, { key, v2: true });
  assert.deepEqual(sp.signing, { key, v2: true });

  // a signed message each way
  p.cli.core.send(p.cid, new Message({ type: 2, front: Buffer.from('to osd'), data: Buffer.from('d') }), p.cli.now);
  p.c2s.length = 0;
  shuttle(p);
  const q = new ByteQueue();
  for (const b of p.c2s) q.push(b);
  const recs = takeRecords(q);
  const m = recs.find((r) => r.kind === 'message');
  assert.ok(m && m.kind === 'message');
  assert.ok(m.footer.flags & MsgFlag.SIGNED);
  const h = m.header;
  const f = m.footer;
  assert.equal(
    f.sig,
    cephxMessageSignature(key, { headerCrc: h.crc, frontCrc: f.frontCrc, frontLen: h.frontLen, middleCrc: f.middleCrc, middleLen: h.middleLen, dataCrc: f.dataCrc, dataLen: h.dataLen, seq: h.seq }, true),
  );
  const got = p.srv.events.find((e) => e.kind === 'dispatch');
  assert.ok(got && got.kind === 'dispatch' && got.msg.front.toString() === 'to osd', 'verified and dispatched');
  const sid = sp.conn.id;
  p.srv.core.send(sid, new Message({ type: 2, front: Buffer.from('to client') }), p.srv.now);
  shuttle(p);
  const back = p.cli.events.find((e) => e.kind === 'dispatch');
  assert.ok(back && back.kind === 'dispatch' && back.msg.front.toString() === 'to client');
  assert.equal(p.cli.events.filter((e) => e.kind === 'fault').length + p.srv.events.filter((e) => e.kind === 'fault').length, 0);
});

test('a message whose signature does not match faults the receiver (ERR_AUTH_SIGNATURE), nothing dispatched', () => {
  const cl = makeCluster('msgr1-cephx-bad');
  const p = pair(cl, loggedIn(cl));
  shuttle(p);
  p.cli.core.send(p.cid, new Message({ type: 2, front: Buffer.from('x') }), p.cli.now);
  // flip one bit of the 8-byte sig in the footer (the record ends the chunk: sig is bytes -9..-2)
  shuttle(p, (b) => {
    const c = Buffer.from(b);
    c[c.length - 5]! ^= 1;
    return c;
  });
  const f = p.srv.events.find((e) => e.kind === 'fault');
  assert.ok(f && f.kind === 'fault' && f.error.code === 'ERR_AUTH_SIGNATURE');
  assert.equal(p.srv.events.filter((e) => e.kind === 'dispatch').length, 0);
});

test('an authorizer this server cannot open (ticket of another cluster) gets BADAUTHORIZER → refused', () => {
  const cl = makeCluster('msgr1-cephx-noticket');
  const other = makeCluster('another-cluster');
  const stranger = loggedIn(other); // tickets sealed with another cluster's secrets
  const p = pair(cl, stranger);
  shuttle(p);
  const refused = p.cli.events.find((e) => e.kind === 'refused');
  assert.ok(refused && refused.kind === 'refused' && refused.error.code === 'ERR_AUTH_REJECTED');
  assert.equal(p.srv.eventKinds().includes('accept'), false);
  assert.equal(p.cli.eventKinds().includes('connect'), false);
});
