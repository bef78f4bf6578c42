import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { Feature, FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';
import { Message } from '../../../src/messages/message.ts';
import { decodeMonMap, encodeMonMap } from '../../../src/messages/mon-map.ts';
import { MMonProbeCodec, ProbeOp, probeMonMap, type MMonProbe } from '../../../src/messages/mon-probe.ts';
import { FSID, sampleMonMap } from './samples.ts';

const ALL = FEATURES_ALL_16_2_15;

function liveProbes(): Message[] {
  const j = JSON.parse(readFileSync(new URL('fixtures/live-16.2.15.json', import.meta.url), 'utf8')) as {
    messages: { type: number; version: number; compatVersion: number; front: string }[];
  };
  return j.messages
    .filter((m) => m.type === 67)
    .map((m) => new Message({ type: 67, version: m.version, compatVersion: m.compatVersion, front: Buffer.from(m.front, 'hex') }));
}

test('MMonProbe: mon.a\'s real probe (v8/compat 5) decodes field by field', () => {
  const probes = liveProbes();
  const p = probes.map((m) => MMonProbeCodec.decode(m, ALL)).find((x) => x.op === ProbeOp.PROBE)!;
  assert.ok(p);
  assert.equal(probes[0]!.version, 8);
  assert.equal(probes[0]!.compatVersion, 5);
  assert.ok(p.name === 'a' || p.name === 'b');
  assert.deepEqual(p.quorum, []);
  assert.equal(p.monmapBl.length, 0);
  assert.equal(p.hasEverJoined, false);
  assert.equal(p.paxosFirstVersion, 0n);
  assert.equal(p.requiredFeatures, 0n);
  assert.equal(p.monRelease, 16);
  assert.equal(p.leader, -1);
  assert.equal(probeMonMap(p), undefined);
});

test('MMonProbe: a reply built by us has the layout of a real 16.2.15 reply', () => {
  const real = liveProbes()
    .map((m) => ({ m, p: MMonProbeCodec.decode(m, ALL) }))
    .find(({ p }) => p.op === ProbeOp.REPLY)!;
  const mine: MMonProbe = { ...real.p, monmapBl: encodeMonMap(decodeMonMap(real.p.monmapBl), ALL) };
  const enc = MMonProbeCodec.encode(mine, ALL);
  assert.ok(enc.front.equals(real.m.front));
  assert.deepEqual([enc.version, enc.compatVersion], [8, 5]);
});

test('MMonProbe: older versions decode (v5: no required_features / release / leader → leader from quorum)', () => {
  const body: MMonProbe = {
    fsid: FSID,
    op: ProbeOp.REPLY,
    name: 'a',
    quorum: [2, 1],
    monmapBl: Buffer.alloc(0),
    hasEverJoined: true,
    paxosFirstVersion: 3n,
    paxosLastVersion: 9n,
    requiredFeatures: 77n,
    monRelease: 16,
    leader: 1,
  };
  const full = MMonProbeCodec.encode(body, ALL).front;
  assert.deepEqual(MMonProbeCodec.decode(new Message({ type: 67, version: 8, compatVersion: 5, front: full }), ALL).quorum, [1, 2]);
  const v5 = MMonProbeCodec.decode(new Message({ type: 67, version: 5, compatVersion: 5, front: full.subarray(0, full.length - 13) }), ALL);
  assert.deepEqual([v5.requiredFeatures, v5.monRelease, v5.leader, v5.paxosLastVersion], [0n, 0, 1, 9n]);
  const v7 = MMonProbeCodec.decode(new Message({ type: 67, version: 7, compatVersion: 5, front: full.subarray(0, full.length - 4) }), ALL);
  assert.deepEqual([v7.requiredFeatures, v7.monRelease, v7.leader], [77n, 16, 1]);
  const v6none = MMonProbeCodec.decode(
    new Message({ type: 67, version: 6, compatVersion: 5, front: MMonProbeCodec.encode({ ...body, quorum: [] }, ALL).front }),
    ALL,
  );
  assert.equal(v6none.leader, -1);
});

test('MMonProbe: the carried monmap is re-encoded for a peer without MSG_ADDR2', () => {
  const bl = encodeMonMap(sampleMonMap(), ALL);
  const body: MMonProbe = {
    fsid: FSID,
    op: ProbeOp.REPLY,
    name: 'a',
    quorum: [0],
    monmapBl: bl,
    hasEverJoined: true,
    paxosFirstVersion: 1n,
    paxosLastVersion: 2n,
    requiredFeatures: 0n,
    monRelease: 16,
    leader: 0,
  };
  const modern = MMonProbeCodec.decode(MMonProbeCodec.encode(body, ALL), ALL);
  assert.ok(modern.monmapBl.equals(bl));
  const old = MMonProbeCodec.decode(MMonProbeCodec.encode(body, ALL & ~Feature.MSG_ADDR2), ALL);
  assert.ok(!old.monmapBl.equals(bl));
  assert.deepEqual([...probeMonMap(old)!.mons.keys()], ['a', 'b', 'c']);
});
