import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { isMsgrError, MsgrError } from '../../../src/errors.ts';
import { Message, type MessageCodec } from '../../../src/messages/message.ts';
import { CATALOGUE, defaultRegistry, isMessageDecodeError, MessageRegistry, MsgType } from '../../../src/messages/registry.ts';
import { defineCodec } from '../../../src/messages/define-codec.ts';
import { FEATURES, samples } from './samples.ts';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `threw a non-MsgrError: ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

test('registry: get / has / name / types', () => {
  const r = new MessageRegistry();
  assert.equal(r.get(MsgType.PING), undefined);
  assert.equal(r.name(9999), 'type 9999');
  assert.equal(r.name(MsgType.OSD_OP), 'MOSDOp'); // known id without a codec
  const ping = defaultRegistry.get(MsgType.PING)!;
  r.register(ping);
  assert.equal(r.get(MsgType.PING), ping);
  assert.ok(r.has(MsgType.PING));
  assert.equal(r.name(MsgType.PING), 'MPing');
  assert.deepEqual(r.types(), [MsgType.PING]);
  assert.equal(codeOf(() => r.register({ ...ping, type: 0x10000 })), 'ERR_INVALID_ARG');
});

test('registry: defaultRegistry holds every catalogue codec under its type', () => {
  const want = [2, 4, 5, 15, 16, 17, 18, 19, 20, 41, 50, 51, 62, 63, 67, 0x704];
  assert.deepEqual(defaultRegistry.types(), want);
  assert.equal(CATALOGUE.length, want.length);
  for (const c of CATALOGUE) {
    assert.equal(defaultRegistry.get(c.type), c);
    assert.equal(defaultRegistry.name(c.type), c.name);
    assert.match(c.name, /^M[A-Za-z]+$/);
  }
  assert.equal(MsgType.MON_MAP, 4);
  assert.equal(MsgType.MGR_MAP, 0x704);
  assert.equal(MsgType.MGR_COMMAND_REPLY, 0x70a);
});

test('registry: decode of an unknown type throws ERR_MESSAGE_UNKNOWN_TYPE, remote', () => {
  try {
    defaultRegistry.decode(new Message({ type: 9999 }), FEATURES);
    assert.fail('no error');
  } catch (e) {
    assert.ok(e instanceof MsgrError);
    assert.equal(e.code, 'ERR_MESSAGE_UNKNOWN_TYPE');
    assert.equal(e.origin, 'remote');
  }
});

test('registry: payload errors keep their ERR_DECODE_* code; codec bugs become ERR_MESSAGE_DECODE', () => {
  const short = new Message({ type: MsgType.MON_GET_VERSION, front: Buffer.from([1, 2, 3]) });
  const code = codeOf(() => defaultRegistry.decode(short, FEATURES));
  assert.equal(code, 'ERR_DECODE_SHORT');
  const buggy = defineCodec<number>({
    type: 4000,
    name: 'MBuggy',
    headVersion: 1,
    compatVersion: 1,
    encodePayload: () => ({ front: Buffer.alloc(0) }),
    decodePayload: () => {
      throw new TypeError('oops');
    },
  });
  const r = defaultRegistry.clone();
  r.register(buggy as MessageCodec<unknown>);
  assert.equal(defaultRegistry.get(4000), undefined, 'clone leaves the default alone');
  let err: unknown;
  try {
    r.decode(new Message({ type: 4000 }), FEATURES);
  } catch (e) {
    err = e;
  }
  assert.ok(isMsgrError(err));
  assert.equal(err.code, 'ERR_MESSAGE_DECODE');
  assert.ok(err.cause instanceof TypeError);
  assert.ok(isMessageDecodeError(err));
  assert.ok(!isMessageDecodeError(new MsgrError('ERR_SOCKET')));
});

test('codecs: a header compat_version above our head version is refused (ERR_DECODE_VERSION)', () => {
  for (const { codec, body } of samples()) {
    const m = codec.encode(body, FEATURES);
    m.compatVersion = codec.headVersion + 1;
    m.version = codec.headVersion + 1;
    assert.equal(codeOf(() => codec.decode(m, FEATURES)), 'ERR_DECODE_VERSION', codec.name);
  }
});

test('codecs: decoding a message of another type is ERR_MESSAGE_DECODE', () => {
  const m = new Message({ type: MsgType.MON_GET_MAP });
  assert.equal(codeOf(() => defaultRegistry.get(MsgType.PING)!.decode(m, FEATURES)), 'ERR_MESSAGE_DECODE');
});

test('codecs: every sample round-trips (encode → decode → encode is byte-identical; headers carry head/compat)', () => {
  let n = 0;
  for (const { codec, body } of samples()) {
    const m = codec.encode(body, FEATURES);
    assert.equal(m.type, codec.type);
    assert.equal(m.version, codec.headVersion, codec.name);
    if (codec.type !== MsgType.PING) assert.equal(m.compatVersion, codec.compatVersion, codec.name);
    assert.equal(m.priority, codec.priority ?? 0);
    const decoded = defaultRegistry.decode(m, FEATURES);
    const again = codec.encode(decoded, FEATURES);
    assert.ok(again.front.equals(m.front), `${codec.name} front`);
    assert.ok(again.middle.equals(m.middle), `${codec.name} middle`);
    assert.ok(again.data.equals(m.data), `${codec.name} data`);
    assert.equal(again.tid, m.tid);
    assert.equal(again.version, m.version);
    assert.equal(again.compatVersion, m.compatVersion);
    // the decoded body carries the values given (spot-check every scalar field the sample set)
    for (const [k, v] of Object.entries(body as Record<string, unknown>)) {
      const got = (decoded as Record<string, unknown>)[k];
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
        assert.equal(got, v, `${codec.name}.${k}`);
      } else if (Buffer.isBuffer(v)) {
        assert.ok(Buffer.isBuffer(got) && got.equals(v), `${codec.name}.${k}`);
      }
    }
    n++;
  }
  assert.ok(n >= 20);
});

test('codecs: decoders return views into the received front (no copies)', () => {
  const { codec, body } = samples().find((s) => s.codec.type === MsgType.AUTH)!;
  const m = codec.encode(body, FEATURES);
  const d = codec.decode(m, FEATURES) as { authPayload: Buffer };
  assert.equal(d.authPayload.buffer, m.front.buffer);
});

test('codecs: a newer header version with unknown trailing front bytes decodes to the same body (Ceph ignores them)', () => {
  let n = 0;
  for (const { codec, body } of samples()) {
    if (codec.type === MsgType.PING || codec.type === MsgType.MGR_MAP) continue; // raw bodies keep every byte
    const m = codec.encode(body, FEATURES);
    const newer = new Message({
      type: m.type,
      version: codec.headVersion + 1,
      compatVersion: codec.compatVersion,
      tid: m.tid,
      front: Buffer.concat([m.front, Buffer.from('feedfacecafe', 'hex')]),
      middle: m.middle,
      data: m.data,
    });
    const again = codec.encode(codec.decode(newer, FEATURES), FEATURES);
    assert.ok(again.front.equals(m.front), codec.name);
    n++;
  }
  assert.ok(n >= 15);
});
