import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';
import { isMsgrError } from '../../../src/errors.ts';
import { Writer } from '../../../src/encoding/writer.ts';
import { AddrType, encodeEntityAddr, formatAddrVec, makeAddr } from '../../../src/encoding/types/entity-addr.ts';
import { Feature, FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';
import { encodeUuid } from '../../../src/encoding/types/uuid.ts';
import { encodeUTime } from '../../../src/encoding/types/utime.ts';
import {
  decodeMonMap,
  ElectionStrategy,
  encodeMonMap,
  legacyRanks,
  MMonMapCodec,
  monAddrs,
  type MonMap,
} from '../../../src/messages/mon-map.ts';
import { encodeMonFeatures, encodeMonInfo, MonFeature } from '../../../src/messages/mon-info.ts';
import { Message } from '../../../src/messages/message.ts';
import { FSID, sampleMonMap } from './samples.ts';

const ALL = FEATURES_ALL_16_2_15;
const without = (...masks: bigint[]): bigint => masks.reduce((f, m) => f & ~m, ALL);

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    assert.ok(isMsgrError(e), `non-MsgrError ${String(e)}`);
    return e.code;
  }
  return 'no error';
}

function fixture(): { fsid: string; plain: Buffer; rich: Buffer } {
  const j = JSON.parse(readFileSync(new URL('fixtures/monmaps-16.2.15.json', import.meta.url), 'utf8')) as Record<string, string>;
  return { fsid: j.fsid!, plain: Buffer.from(j.plain!, 'hex'), rich: Buffer.from(j.rich!, 'hex') };
}

test('MonMap: maps written by ceph-mon 16.2.15 decode and re-encode byte-exact', () => {
  const f = fixture();
  const plain = decodeMonMap(f.plain);
  assert.equal(plain.fsid, f.fsid);
  assert.equal(plain.structV, 9);
  assert.equal(plain.epoch, 1);
  assert.equal(plain.persistentFeatures, 0xffn); // kraken … pacific + elector-pinging
  assert.equal(plain.minMonRelease, 16);
  assert.equal(plain.electionStrategy, ElectionStrategy.CLASSIC);
  assert.deepEqual(plain.ranks, ['a']);
  assert.ok(encodeMonMap(plain, ALL).equals(f.plain));

  const rich = decodeMonMap(f.rich);
  assert.equal(rich.epoch, 3);
  assert.equal(rich.electionStrategy, ElectionStrategy.CONNECTIVITY);
  assert.deepEqual([...rich.mons.get('a')!.crushLoc], [
    ['datacenter', 'dc1'],
    ['rack', 'r1'],
  ]);
  assert.ok(encodeMonMap(rich, ALL).equals(f.rich));
  const [a] = monAddrs(rich);
  assert.equal(a!.name, 'a');
  assert.equal(a!.addrs.length, 2);
  assert.equal(a!.addrs[0]!.type, AddrType.MSGR2);
  assert.equal(a!.addrs[1]!.type, AddrType.LEGACY);
});

test('MonMap: v9 round trip keeps every field; encoding sorts maps and sets like std::map/set', () => {
  const m = sampleMonMap();
  const b = encodeMonMap(m, ALL);
  assert.equal(b[0], 9);
  assert.equal(b[1], 6);
  const d = decodeMonMap(b);
  const { structV, ...rest } = d;
  assert.equal(structV, 9);
  // crush_loc comes back in key order
  const want: MonMap = { ...m, mons: new Map([...m.mons].map(([k, v]) => [k, { ...v, crushLoc: new Map([...v.crushLoc].sort()) }])) };
  assert.deepEqual(rest, want);
  // insertion order of the input does not change the bytes
  const shuffled: MonMap = { ...m, mons: new Map([...m.mons].reverse()), removedRanks: [7, 4], disallowedLeaders: ['c', 'c'] };
  assert.ok(encodeMonMap(shuffled, ALL).equals(b));
});

test('MonMap: peers without SERVER_NAUTILUS get v5/compat 3 with legacy addresses; it decodes back', () => {
  const m = sampleMonMap();
  const b = encodeMonMap(m, without(Feature.SERVER_NAUTILUS));
  assert.deepEqual([b[0], b[1]], [5, 3]);
  const d = decodeMonMap(b);
  assert.equal(d.structV, 5);
  assert.equal(formatAddrVec(d.mons.get('a')!.publicAddrs), '[v1:127.0.0.1:6789/0]');
  assert.equal(d.mons.get('c')!.publicAddrs[0]!.family, 0); // no v1 address: blank
  assert.equal(d.mons.get('b')!.priority, 5); // mon_info v2 keeps priority, drops weight / crush_loc
  assert.equal(d.mons.get('b')!.weight, 0);
  assert.equal(d.mons.get('b')!.crushLoc.size, 0);
  // ranks recomputed (calc_legacy_ranks): blank address first, then 10.0.0.2 before 127.0.0.1
  assert.deepEqual(d.ranks, ['c', 'b', 'a']);
  assert.equal(d.minMonRelease, 16); // inferred from mon features 0xff (pacific bit)
  assert.equal(d.electionStrategy, ElectionStrategy.CLASSIC);
});

test('MonMap: peers without MONENC get bare v2, without MONNAMES bare v1 (names 0,1,2 by rank)', () => {
  const m = sampleMonMap();
  const v2 = encodeMonMap(m, without(Feature.MONENC));
  assert.equal(v2.readUInt16LE(0), 2);
  const d2 = decodeMonMap(v2);
  assert.deepEqual([...d2.mons.keys()], ['a', 'b', 'c']);
  assert.equal(formatAddrVec(d2.mons.get('b')!.publicAddrs), '[v1:10.0.0.2:6789/0]');
  assert.equal(d2.persistentFeatures, 0n);

  const v1 = encodeMonMap(m, without(Feature.MONNAMES));
  assert.equal(v1.readUInt16LE(0), 1);
  const d1 = decodeMonMap(v1);
  assert.deepEqual([...d1.mons.keys()], ['0', '1', '2']);
  assert.equal(formatAddrVec(d1.mons.get('0')!.publicAddrs), '[v1:127.0.0.1:6789/0]');
  assert.equal(d1.epoch, 3);
  assert.deepEqual(d1.lastChanged, m.lastChanged);

  // without MSG_ADDR2 the addresses use the 136-byte legacy form
  const legacy = encodeMonMap(m, without(Feature.MSG_ADDR2));
  const dl = decodeMonMap(legacy);
  assert.equal(formatAddrVec(dl.mons.get('a')!.publicAddrs), '[v1:127.0.0.1:6789/0]');
  assert.ok(legacy.length > encodeMonMap(m, ALL).length);
});

/** Hand-built older layouts (what Nautilus/Octopus/Mimic mons wrote). */
function buildOld(v: number, m: MonMap): Buffer {
  const w = new Writer();
  const lc = () => {
    encodeUTime(w, m.lastChanged);
    encodeUTime(w, m.created);
  };
  const monAddrMap = () =>
    w.map(
      [...m.mons],
      (x, k) => x.string(k),
      (x, info) => encodeEntityAddr(x, info.publicAddrs.find((a) => a.type === AddrType.LEGACY)!),
    );
  const t = w.beginVersioned(v, v >= 6 ? 6 : 3);
  encodeUuid(w, m.fsid);
  w.u32(m.epoch);
  if (v < 6) monAddrMap();
  lc();
  if (v >= 4) {
    encodeMonFeatures(w, m.persistentFeatures);
    encodeMonFeatures(w, m.optionalFeatures);
  }
  if (v >= 5) w.map([...m.mons], (x, k) => x.string(k), (x, info) => encodeMonInfo(x, info, ALL));
  if (v >= 6) w.stringList(m.ranks);
  if (v >= 7) w.u8(m.minMonRelease);
  if (v >= 8) {
    w.list(m.removedRanks, (x, n) => x.s32(n));
    w.u8(m.electionStrategy);
    w.stringList(m.disallowedLeaders);
  }
  w.endVersioned(t);
  return w.finish();
}

test('MonMap: older struct versions v3..v8 decode with Ceph defaults for missing fields', () => {
  const m = { ...sampleMonMap(), mons: new Map([...sampleMonMap().mons].filter(([k]) => k !== 'c')), ranks: ['a', 'b'] };
  for (const v of [3, 4, 5, 6, 7, 8]) {
    const d = decodeMonMap(buildOld(v, m));
    assert.equal(d.structV, v);
    assert.equal(d.fsid, FSID);
    assert.equal(d.epoch, 3);
    assert.deepEqual([...d.mons.keys()], ['a', 'b']);
    assert.equal(d.persistentFeatures, v >= 4 ? 0xffn : 0n, `v${v}`);
    assert.deepEqual(d.ranks, v >= 6 ? ['a', 'b'] : ['b', 'a'], `v${v}`); // legacy: by address
    assert.equal(d.minMonRelease, v >= 7 ? 16 : v >= 4 ? 16 : 0, `v${v}`);
    assert.deepEqual(d.removedRanks, v >= 8 ? [4, 7] : []);
    assert.equal(d.electionStrategy, v >= 8 ? ElectionStrategy.CONNECTIVITY : ElectionStrategy.CLASSIC);
    assert.equal(d.stretchModeEnabled, false);
    assert.equal(d.tiebreakerMon, '');
    if (v >= 5) assert.equal(d.mons.get('b')!.weight, 10);
    else assert.equal(formatAddrVec(d.mons.get('b')!.publicAddrs), '[v1:10.0.0.2:6789/0]');
  }
});

test('MonMap: a newer struct_v with compatible compat and unknown trailing fields decodes', () => {
  const m = sampleMonMap();
  const b = encodeMonMap(m, ALL);
  const extra = Buffer.from('deadbeefcafe', 'hex');
  const newer = Buffer.concat([b, extra]);
  newer[0] = 10; // struct_v 10, compat stays 6
  newer.writeUInt32LE(b.readUInt32LE(2) + extra.length, 2);
  const d = decodeMonMap(newer);
  assert.equal(d.structV, 10);
  assert.deepEqual(d.ranks, m.ranks);
  assert.equal(d.tiebreakerMon, 'c');
  // the same for mon_info_t: v6 with a trailing field
  const w = new Writer();
  w.versioned(6, 1, (x) => {
    x.string('z');
    x.u8(2).u32(1);
    encodeEntityAddr(x, makeAddr(AddrType.MSGR2, '1.2.3.4', 3300));
    x.u16(1).u16(2).u32(0).u32(0xabcdef);
  });
  const info = w.finish();
  const mm = { ...m, mons: new Map([['z', { name: 'z', publicAddrs: [], priority: 0, weight: 0, crushLoc: new Map() }]]), ranks: ['z'] };
  const base = encodeMonMap(mm, ALL);
  // splice the v6 mon_info over the encoded one (located after the map count and key)
  const key = Buffer.from('01000000010000007a', 'hex');
  const at = base.indexOf(key) + key.length;
  const oldInfoLen = 6 + base.readUInt32LE(at + 2);
  const spliced = Buffer.concat([base.subarray(0, at), info, base.subarray(at + oldInfoLen)]);
  spliced.writeUInt32LE(spliced.length - 6, 2);
  const dz = decodeMonMap(spliced);
  assert.equal(formatAddrVec(dz.mons.get('z')!.publicAddrs), '[v2:1.2.3.4:3300/0]');
  assert.equal(dz.mons.get('z')!.weight, 2);
});

test('MonMap: too-new compat versions are refused with ERR_DECODE_VERSION', () => {
  const b = encodeMonMap(sampleMonMap(), ALL);
  const c = Buffer.from(b);
  c[1] = 10;
  assert.equal(codeOf(() => decodeMonMap(c)), 'ERR_DECODE_VERSION');
  // mon_feature_t compat 2 (first one sits right after fsid, epoch, two utimes)
  const f = Buffer.from(b);
  assert.deepEqual([f[6 + 36], f[6 + 37]], [1, 1]);
  f[6 + 37] = 2;
  assert.equal(codeOf(() => decodeMonMap(f)), 'ERR_DECODE_VERSION');
  // mon_info_t compat 6
  const i = Buffer.from(b);
  const at = i.indexOf(Buffer.from('0100000061', 'hex'), 6 + 36 + 28) + 5; // after map key "a"
  assert.deepEqual([i[at], i[at + 1]], [5, 1]);
  i[at + 1] = 6;
  assert.equal(codeOf(() => decodeMonMap(i)), 'ERR_DECODE_VERSION');
});

test('MonMap: every truncation fails with a MsgrError, never a crash', () => {
  const b = encodeMonMap(sampleMonMap(), ALL);
  for (let n = 0; n < b.length; n++) {
    const code = codeOf(() => decodeMonMap(b.subarray(0, n)));
    assert.ok(code.startsWith('ERR_DECODE_'), `len ${n}: ${code}`);
  }
});

test('monAddrs / legacyRanks helpers', () => {
  const m = sampleMonMap();
  assert.deepEqual(
    monAddrs(m).map((e) => [e.name, e.rank, formatAddrVec(e.addrs)]),
    [
      ['a', 0, '[v2:127.0.0.1:3300/0,v1:127.0.0.1:6789/0]'],
      ['b', 1, '[v2:10.0.0.2:3300/0,v1:10.0.0.2:6789/0]'],
      ['c', 2, '[v2:[::1]:3301/0]'],
    ],
  );
  assert.deepEqual(monAddrs({ ...m, ranks: ['a', 'gone'] })[1], { name: 'gone', rank: 1, addrs: [] });
  // c has no v1 address, so its front (v2, type 2) sorts after the v1 (type 1) addresses
  assert.deepEqual(legacyRanks(m.mons), ['b', 'a', 'c']);
  assert.equal(MonFeature.PACIFIC, 0x40n);
});

test('MMonMap: blob as given for modern peers, re-encoded for old ones; monmap alone is encoded', () => {
  const m = sampleMonMap();
  const bl = encodeMonMap(m, ALL);
  const msg = MMonMapCodec.encode({ monmapBl: bl }, ALL);
  assert.equal(msg.front.readUInt32LE(0), bl.length);
  assert.ok(msg.front.subarray(4).equals(bl));
  assert.ok(MMonMapCodec.encode({ monmap: m }, ALL).front.equals(msg.front));
  const old = MMonMapCodec.encode({ monmapBl: bl }, without(Feature.MONENC));
  const d = MMonMapCodec.decode(old, ALL);
  assert.equal(d.monmap!.structV, 2);
  assert.equal(codeOf(() => MMonMapCodec.encode({}, ALL)), 'ERR_ENCODE_INVALID');
  const bad = new Message({ type: 4, front: Buffer.from('0400000009060000', 'hex') });
  assert.equal(codeOf(() => MMonMapCodec.decode(bad, ALL)), 'ERR_DECODE_SHORT');
});
