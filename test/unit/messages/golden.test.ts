/**
 * Golden tests: every MESSAGE of the msgr2.1 crc captures (both TCP connections of each run, both
 * directions) and of the live 16.2.15 fixtures decodes with the default registry and re-encodes
 * byte for byte (front, middle, data, header version / compat / tid).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Buffer } from 'node:buffer';
import { captureFsid, type CaptureName } from '../../helpers/captures.ts';
import { formatAddrVec } from '../../../src/encoding/types/entity-addr.ts';
import { FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';
import { Message } from '../../../src/messages/message.ts';
import { defaultRegistry, MsgType } from '../../../src/messages/registry.ts';
import type { MMonCommand, MMonCommandAck } from '../../../src/messages/mon-command.ts';
import type { MConfig } from '../../../src/messages/config.ts';
import { encodeMonMap, monAddrs, type MMonMap } from '../../../src/messages/mon-map.ts';
import type { MMonSubscribe } from '../../../src/messages/mon-subscribe.ts';
import type { MOSDMap } from '../../../src/messages/osd-map.ts';
import { probeMonMap, ProbeOp, type MMonProbe } from '../../../src/messages/mon-probe.ts';
import { pingReplyText, type MPing } from '../../../src/messages/ping.ts';
import type { MMonGetVersion, MMonGetVersionReply } from '../../../src/messages/mon-get-version.ts';
import { loadPcapStream, splitV2CrcMessages, type CapturedMessage } from './capture-messages.ts';

const FEATURES = FEATURES_ALL_16_2_15;
const here = new URL('.', import.meta.url);

function toMessage(c: CapturedMessage): Message {
  return new Message({
    type: c.type,
    priority: c.priority,
    version: c.version,
    compatVersion: c.compatVersion,
    tid: c.tid,
    front: c.front,
    middle: c.middle,
    data: c.data,
    dataOff: c.dataOff,
  });
}

/** Decode with the registry, re-encode the body, and compare everything the codec produces. */
function roundTrip(c: CapturedMessage, where: string): unknown {
  const codec = defaultRegistry.get(c.type);
  assert.ok(codec, `${where}: no codec for type ${c.type}`);
  const body = defaultRegistry.decode(toMessage(c), FEATURES);
  const again = codec.encode(body, FEATURES);
  assert.equal(again.type, c.type, where);
  assert.equal(again.version, c.version, `${where} ${codec.name}: version`);
  assert.equal(again.compatVersion, c.compatVersion, `${where} ${codec.name}: compat`);
  assert.equal(again.tid, c.tid, `${where} ${codec.name}: tid`);
  assert.ok(again.front.equals(c.front), `${where} ${codec.name}: front differs`);
  assert.ok(again.middle.equals(c.middle), `${where} ${codec.name}: middle differs`);
  assert.ok(again.data.equals(c.data), `${where} ${codec.name}: data differs`);
  return body;
}

const CAPTURES: CaptureName[] = ['v2-crc-authnone', 'v2-crc-cephx'];

for (const name of CAPTURES) {
  test(`golden ${name}: every MESSAGE of both connections decodes and re-encodes byte-exact`, () => {
    const fsid = captureFsid(name);
    const seen = new Set<number>();
    const cmdTids = new Set<bigint>();
    let count = 0;
    for (const index of [0, 1]) {
      const stream = loadPcapStream(name, index);
      for (const dir of ['c2s', 's2c'] as const) {
        for (const [i, c] of splitV2CrcMessages(stream[dir]).entries()) {
          const where = `${name} stream ${index} ${dir} #${i}`;
          const body = roundTrip(c, where);
          seen.add(c.type);
          count++;
          switch (c.type) {
            case MsgType.MON_MAP: {
              const m = body as MMonMap;
              assert.equal(m.monmap?.fsid, fsid);
              assert.ok(m.monmapBl && encodeMonMap(m.monmap!, FEATURES).equals(m.monmapBl), `${where}: MonMap re-encode`);
              const mons = monAddrs(m.monmap!);
              assert.equal(mons.length, 1);
              assert.equal(mons[0]!.name, 'a');
              assert.equal(mons[0]!.rank, 0);
              assert.equal(formatAddrVec(mons[0]!.addrs), '[v2:127.0.0.1:3300/0,v1:127.0.0.1:6789/0]');
              assert.equal(m.monmap!.minMonRelease, 16);
              assert.equal(m.monmap!.structV, 9);
              break;
            }
            case MsgType.MON_SUBSCRIBE: {
              const m = body as MMonSubscribe;
              assert.ok(m.what.size >= 1);
              for (const k of m.what.keys()) assert.ok(['config', 'monmap', 'mgrmap', 'osdmap'].includes(k), k);
              assert.ok(m.hostname.length > 0);
              break;
            }
            case MsgType.CONFIG:
              assert.equal((body as MConfig).config.size, 0);
              break;
            case MsgType.MON_COMMAND: {
              const m = body as MMonCommand;
              assert.equal(m.fsid, fsid);
              assert.equal(typeof JSON.parse(m.cmd[0]!).prefix, 'string');
              cmdTids.add(c.tid);
              break;
            }
            case MsgType.MON_COMMAND_ACK: {
              const m = body as MMonCommandAck;
              assert.equal(m.r, 0);
              assert.ok(cmdTids.has(c.tid) || c.tid > 0n);
              assert.ok(m.outbl && m.outbl.length > 0);
              const req = JSON.parse(m.cmd[0]!) as { prefix: string; format?: string };
              const out = m.outbl.toString('utf8'); // command output is in the data segment
              if (req.prefix === 'status') assert.ok(out.includes(fsid), 'status output names the fsid');
              else JSON.parse(out);
              break;
            }
            case MsgType.OSD_MAP: {
              const m = body as MOSDMap;
              assert.equal(m.fsid, fsid);
              assert.ok(m.maps.size + m.incrementalMaps.size >= 1);
              assert.ok(m.newestMap >= m.oldestMap);
              break;
            }
          }
        }
      }
    }
    // the run must have exercised what we claim it does
    for (const t of [MsgType.MON_GET_MAP, MsgType.MON_MAP, MsgType.MON_SUBSCRIBE, MsgType.CONFIG, MsgType.MGR_MAP, MsgType.OSD_MAP, MsgType.MON_COMMAND, MsgType.MON_COMMAND_ACK]) {
      assert.ok(seen.has(t), `type ${t} not in ${name}`);
    }
    assert.equal(count, 18, `${count} messages`); // 5 on the bootstrap connection, 13 on the status session
  });
}

interface FixtureMessage {
  stream: number;
  dir: string;
  type: number;
  tid: string;
  priority: number;
  version: number;
  compatVersion: number;
  front: string;
  middle: string;
  data: string;
}

function loadFixture(): FixtureMessage[] {
  const j = JSON.parse(readFileSync(new URL('fixtures/live-16.2.15.json', here), 'utf8')) as { messages: FixtureMessage[] };
  return j.messages;
}

test('golden live 16.2.15: MMonProbe, MPing, MMonGetVersion(+Reply), MMonMap of a 2-mon cluster and the rest', () => {
  const seen = new Map<number, number>();
  let probeOps = new Set<number>();
  for (const [i, f] of loadFixture().entries()) {
    const c: CapturedMessage = {
      seq: 0n,
      tid: BigInt(f.tid),
      type: f.type,
      priority: f.priority,
      version: f.version,
      dataOff: 0,
      ackSeq: 0n,
      flags: 3,
      compatVersion: f.compatVersion,
      front: Buffer.from(f.front, 'hex'),
      middle: Buffer.from(f.middle, 'hex'),
      data: Buffer.from(f.data, 'hex'),
    };
    const where = `fixture #${i} (type ${f.type}, ${f.dir})`;
    const body = roundTrip(c, where);
    seen.set(f.type, (seen.get(f.type) ?? 0) + 1);
    if (f.type === MsgType.MON_PROBE) {
      const p = body as MMonProbe;
      probeOps.add(p.op);
      assert.equal(p.monRelease, 16);
      assert.ok(['a', 'b'].includes(p.name));
      if (p.op === ProbeOp.PROBE) {
        assert.equal(p.monmapBl.length, 0);
        assert.equal(p.leader, -1);
      } else {
        const mm = probeMonMap(p);
        assert.ok(mm);
        assert.equal(mm.fsid, p.fsid);
        assert.deepEqual(
          monAddrs(mm).map((m) => m.name),
          ['a', 'b'],
        );
        assert.ok(encodeMonMap(mm, FEATURES).equals(p.monmapBl));
      }
    }
    if (f.type === MsgType.PING && f.dir === 's2c') {
      const text = pingReplyText(body as MPing);
      const j = JSON.parse(text) as { health: { status: string } };
      assert.equal(j.health.status, 'HEALTH_OK');
    }
    if (f.type === MsgType.MON_GET_VERSION) assert.equal((body as MMonGetVersion).what, 'osdmap');
    if (f.type === MsgType.MON_GET_VERSION_REPLY) {
      const r = body as MMonGetVersionReply;
      assert.ok(r.version >= r.oldestVersion);
    }
    if (f.type === MsgType.MON_MAP) {
      const mm = (body as MMonMap).monmap!;
      assert.deepEqual(mm.ranks, ['a', 'b']);
    }
  }
  for (const t of [MsgType.PING, MsgType.MON_GET_VERSION, MsgType.MON_GET_VERSION_REPLY, MsgType.MON_PROBE, MsgType.MON_MAP]) {
    assert.ok((seen.get(t) ?? 0) > 0, `fixture lacks type ${t}`);
  }
  assert.deepEqual([...probeOps].sort(), [ProbeOp.PROBE, ProbeOp.REPLY]);
  probeOps = new Set();
});
