import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ByteQueue } from '../../../../src/encoding/byte-queue.ts';
import { isMsgrError } from '../../../../src/errors.ts';
import {
  checkMsgr1BannerPrefix,
  encodeMsgr1Addr,
  encodeMsgr1ClientHello,
  encodeMsgr1ServerHello,
  MSGR1_BANNER,
  MSGR1_CLIENT_HELLO_LEN,
  MSGR1_SERVER_HELLO_LEN,
  readMsgr1ClientHello,
  readMsgr1ServerHello,
} from '../../../../src/core/msgr1/banner.ts';
import { AddrType, BLANK_ADDR, makeAddr, type EntityAddr } from '../../../../src/encoding/types/entity-addr.ts';

function code(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `expected MsgrError, got ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

function queue(...chunks: Buffer[]): ByteQueue {
  const q = new ByteQueue();
  for (const c of chunks) q.push(c);
  return q;
}

const server = makeAddr(AddrType.LEGACY, '10.1.2.3', 6789, 0);
const seen = makeAddr(AddrType.LEGACY, '10.9.8.7', 41234, 0);
const client: EntityAddr = makeAddr(AddrType.LEGACY, '0.0.0.0', 0, 0xdeadbeef);

test('banner: "ceph v027", 9 bytes; hello sizes 281 and 145', () => {
  assert.equal(MSGR1_BANNER.toString('latin1'), 'ceph v027');
  assert.equal(MSGR1_BANNER.length, 9);
  assert.equal(encodeMsgr1ServerHello(server, seen).length, MSGR1_SERVER_HELLO_LEN);
  assert.equal(MSGR1_SERVER_HELLO_LEN, 281);
  assert.equal(encodeMsgr1ClientHello(client).length, MSGR1_CLIENT_HELLO_LEN);
  assert.equal(MSGR1_CLIENT_HELLO_LEN, 145);
});

test('banner: legacy address layout inside the hello (type 0, nonce, BE family, BE port, ip)', () => {
  const b = encodeMsgr1ServerHello(server, seen);
  assert.ok(b.subarray(0, 9).equals(MSGR1_BANNER));
  assert.equal(b.readUInt32LE(9), 0); // legacy type field
  assert.equal(b.readUInt32LE(13), 0); // nonce
  assert.equal(b.readUInt16BE(17), 2); // AF_INET, big-endian
  assert.equal(b.readUInt16BE(19), 6789);
  assert.deepEqual([...b.subarray(21, 25)], [10, 1, 2, 3]);
  assert.ok(b.subarray(25, 145).every((x) => x === 0));
  assert.equal(b.readUInt16BE(145 + 10), 41234); // second address's port
  const c = encodeMsgr1ClientHello(client);
  assert.equal(c.readUInt32LE(13), 0xdeadbeef);
  // banner sent first, address later: the same bytes
  assert.ok(Buffer.concat([MSGR1_BANNER, encodeMsgr1Addr(client)]).equals(c));
  assert.equal(encodeMsgr1Addr(client).length, 136);
});

test('banner: server hello round trip (IPv4, IPv6, blank), raw bytes returned', () => {
  const v6 = makeAddr(AddrType.LEGACY, 'fe80::1:2', 6789, 7);
  for (const [a, b] of [
    [server, seen],
    [v6, server],
    [server, BLANK_ADDR],
  ] as const) {
    const bytes = encodeMsgr1ServerHello(a, b);
    const q = queue(bytes, Buffer.from([0x42]));
    const h = readMsgr1ServerHello(q)!;
    assert.ok(h);
    assert.equal(h.serverAddr.ip, a.ip);
    assert.equal(h.serverAddr.port, a.port);
    assert.equal(h.serverAddr.nonce, a.nonce);
    assert.equal(h.peerAddrForMe.family, b.family);
    assert.equal(h.peerAddrForMe.port, b.port);
    assert.ok(h.raw.equals(bytes));
    assert.equal(q.length, 1, 'only the hello is consumed');
  }
});

test('banner: client hello round trip', () => {
  const bytes = encodeMsgr1ClientHello(client);
  const q = queue(bytes);
  const h = readMsgr1ClientHello(q)!;
  assert.equal(h.addr.nonce, 0xdeadbeef);
  assert.equal(h.addr.port, 0);
  assert.equal(h.addr.type, AddrType.LEGACY);
  assert.ok(h.raw.equals(bytes));
  assert.equal(q.length, 0);
});

test('banner: undefined and nothing consumed until the whole hello is queued', () => {
  const bytes = encodeMsgr1ServerHello(server, seen);
  const q = new ByteQueue();
  for (let i = 0; i < bytes.length - 1; i++) {
    q.push(bytes.subarray(i, i + 1));
    assert.equal(readMsgr1ServerHello(q), undefined);
    assert.equal(q.length, i + 1);
  }
  q.push(bytes.subarray(bytes.length - 1));
  assert.ok(readMsgr1ServerHello(q)!.raw.equals(bytes));
});

test('banner: the msgr2 banner is ERR_BANNER_MSGR1 as soon as "ceph v2" arrives', () => {
  const v2 = Buffer.from('ceph v2\n\x10\x00', 'latin1');
  const q = new ByteQueue();
  for (let i = 0; i < 6; i++) {
    q.push(v2.subarray(i, i + 1));
    assert.equal(readMsgr1ServerHello(q), undefined, `byte ${i} still matches`);
  }
  q.push(v2.subarray(6, 7));
  assert.equal(code(() => readMsgr1ServerHello(q)), 'ERR_BANNER_MSGR1');
  assert.equal(code(() => readMsgr1ClientHello(queue(v2))), 'ERR_BANNER_MSGR1');
});

test('banner: other garbage is ERR_BANNER at the first differing byte', () => {
  assert.equal(code(() => readMsgr1ServerHello(queue(Buffer.from('GET / HTTP/1.1')))), 'ERR_BANNER');
  assert.equal(code(() => readMsgr1ClientHello(queue(Buffer.from([0x16, 0x03, 0x01])))), 'ERR_BANNER');
  // an older/newer v0xx banner differs only at the last byte
  const q = queue(Buffer.from('ceph v02'));
  assert.equal(readMsgr1ClientHello(q), undefined);
  q.push(Buffer.from('8'));
  assert.equal(code(() => readMsgr1ClientHello(q)), 'ERR_BANNER');
  // "ceph v2" followed by something else is still the other generation at byte 6
  assert.equal(code(() => checkMsgr1BannerPrefix(queue(Buffer.from('ceph v2X')))), 'ERR_BANNER_MSGR1');
  // a differing byte before the v2 position is plain garbage
  assert.equal(code(() => checkMsgr1BannerPrefix(queue(Buffer.from('cephXv2\n')))), 'ERR_BANNER');
  assert.equal(code(() => checkMsgr1BannerPrefix(queue(Buffer.from('ceph v0')))), 'no error');
});

test('banner: unsupported address family is ERR_DECODE_INVALID and consumes nothing', () => {
  const bytes = Buffer.from(encodeMsgr1ServerHello(server, seen));
  bytes.writeUInt16BE(99, 17);
  const q = queue(bytes);
  assert.equal(code(() => readMsgr1ServerHello(q)), 'ERR_DECODE_INVALID');
  assert.equal(q.length, bytes.length);
});
