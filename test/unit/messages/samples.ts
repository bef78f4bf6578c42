/**
 * One or more representative bodies per codec of the catalogue, shared by the round-trip tests
 * and the fuzz tests (which mutate their encodings).
 */
import { Buffer } from 'node:buffer';
import { makeAddr, AddrType } from '../../../src/encoding/types/entity-addr.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import type { MessageCodec } from '../../../src/messages/message.ts';
import { MAuthCodec, MAuthReplyCodec } from '../../../src/messages/auth.ts';
import { MConfigCodec, MGetConfigCodec } from '../../../src/messages/config.ts';
import { MMgrMapCodec } from '../../../src/messages/mgr-map.ts';
import { MMonCommandAckCodec, MMonCommandCodec } from '../../../src/messages/mon-command.ts';
import { MMonGetMapCodec } from '../../../src/messages/mon-get-map.ts';
import { MMonGetVersionCodec, MMonGetVersionReplyCodec } from '../../../src/messages/mon-get-version.ts';
import { ElectionStrategy, encodeMonMap, MMonMapCodec, type MonMap } from '../../../src/messages/mon-map.ts';
import { MMonProbeCodec, ProbeOp } from '../../../src/messages/mon-probe.ts';
import { MMonSubscribeAckCodec, MMonSubscribeCodec, subscribeWhat, SUBSCRIBE_ONETIME } from '../../../src/messages/mon-subscribe.ts';
import { MOSDMapCodec } from '../../../src/messages/osd-map.ts';
import { MPingCodec } from '../../../src/messages/ping.ts';
import { FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';

export const FSID = 'bd9f1bbb-bced-4eca-aeb9-bbca42988323';

export function sampleMonMap(): MonMap {
  return {
    fsid: FSID,
    epoch: 3,
    lastChanged: { sec: 1700000000, nsec: 123456789 },
    created: { sec: 1690000000, nsec: 5 },
    persistentFeatures: 0xffn,
    optionalFeatures: 0n,
    mons: new Map([
      [
        'a',
        {
          name: 'a',
          publicAddrs: [makeAddr(AddrType.MSGR2, '127.0.0.1', 3300), makeAddr(AddrType.LEGACY, '127.0.0.1', 6789)],
          priority: 0,
          weight: 0,
          crushLoc: new Map(),
        },
      ],
      [
        'b',
        {
          name: 'b',
          publicAddrs: [makeAddr(AddrType.MSGR2, '10.0.0.2', 3300), makeAddr(AddrType.LEGACY, '10.0.0.2', 6789)],
          priority: 5,
          weight: 10,
          crushLoc: new Map([
            ['rack', 'r2'],
            ['datacenter', 'dc2'],
          ]),
        },
      ],
      [
        'c',
        {
          name: 'c',
          publicAddrs: [{ ...makeAddr(AddrType.MSGR2, '::1', 3301), flowinfo: 0, scopeId: 0 }],
          priority: 0,
          weight: 0,
          crushLoc: new Map(),
        },
      ],
    ]),
    ranks: ['a', 'b', 'c'],
    minMonRelease: 16,
    removedRanks: [4, 7],
    electionStrategy: ElectionStrategy.CONNECTIVITY,
    disallowedLeaders: ['c'],
    stretchModeEnabled: true,
    tiebreakerMon: 'c',
    stretchMarkedDownMons: ['b'],
  };
}

export interface Sample {
  codec: MessageCodec<unknown>;
  body: unknown;
}

function s<T>(codec: MessageCodec<T>, body: T): Sample {
  return { codec: codec as MessageCodec<unknown>, body };
}

export const FEATURES = FEATURES_ALL_16_2_15;

export function samples(): Sample[] {
  const mm = sampleMonMap();
  return [
    s(MPingCodec, {}),
    s(MPingCodec, { data: Buffer.from('payload in data') }),
    s(MPingCodec, { front: Buffer.from('0500000068656c6c6f', 'hex') }),
    s(MMonGetMapCodec, {}),
    s(MMonMapCodec, { monmap: mm }),
    s(MMonMapCodec, { monmapBl: encodeMonMap(mm, FEATURES) }),
    s(MMonSubscribeCodec, {
      what: subscribeWhat([
        ['monmap', 2, 0],
        ['config', 0],
        ['osdmap', 0, SUBSCRIBE_ONETIME],
      ]),
      hostname: 'host-1',
    }),
    s(MMonSubscribeAckCodec, { interval: 300, fsid: FSID }),
    s(MAuthCodec, { protocol: 2, authPayload: Buffer.from('0102030405', 'hex'), monmapEpoch: 1 }),
    s(MAuthCodec, {
      paxos: { version: 9n, sessionMon: 2, sessionMonTid: 77n },
      protocol: 0,
      authPayload: Buffer.alloc(0),
      monmapEpoch: 0,
    }),
    s(MAuthReplyCodec, { protocol: 2, result: -13, globalId: 4115n, resultBl: Buffer.from('abcd', 'hex'), resultMsg: 'denied' }),
    s(MMonGetVersionCodec, { handle: 7n, what: 'osdmap', tid: 7n }),
    s(MMonGetVersionReplyCodec, { handle: 7n, version: 12n, oldestVersion: 1n, tid: 7n }),
    s(MOSDMapCodec, {
      fsid: FSID,
      incrementalMaps: new Map([
        [5, Buffer.from('inc5')],
        [4, Buffer.from('inc4')],
      ]),
      maps: new Map([[6, Buffer.from('full6')]]),
      oldestMap: 1,
      newestMap: 6,
      gapRemovedSnaps: new Map([[3n, [[2n, 1n] as const, [10n, 4n] as const]]]),
    }),
    s(MMonCommandCodec, {
      fsid: FSID,
      cmd: ['{"prefix": "status", "format": "json"}'],
      inbl: Buffer.from('input'),
      tid: 42n,
    }),
    s(MMonCommandAckCodec, { r: -22, rs: 'invalid', cmd: ['{"prefix": "x"}'], outbl: Buffer.from('{}'), tid: 42n }),
    s(MConfigCodec, {
      config: new Map([
        ['mon_host', '[v2:127.0.0.1:3300]'],
        ['debug_ms', '1/5'],
      ]),
    }),
    s(MGetConfigCodec, { name: { type: EntityType.OSD, id: '3' }, host: 'node1', deviceClass: 'ssd' }),
    s(MMonProbeCodec, {
      fsid: FSID,
      op: ProbeOp.PROBE,
      name: 'b',
      quorum: [],
      monmapBl: Buffer.alloc(0),
      hasEverJoined: false,
      paxosFirstVersion: 0n,
      paxosLastVersion: 0n,
      requiredFeatures: 0n,
      monRelease: 16,
      leader: -1,
    }),
    s(MMonProbeCodec, {
      fsid: FSID,
      op: ProbeOp.REPLY,
      name: 'a',
      quorum: [0, 1],
      monmapBl: encodeMonMap(mm, FEATURES),
      hasEverJoined: true,
      paxosFirstVersion: 1n,
      paxosLastVersion: 42n,
      requiredFeatures: 0x1234n,
      monRelease: 16,
      leader: 0,
    }),
    s(MMgrMapCodec, { mgrMapBl: Buffer.from('0c06opaque') }),
  ];
}
