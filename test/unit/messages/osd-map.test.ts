import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Feature, FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';
import { MOSDMapCodec, osdMapEpochs, osdMapLastEpoch, type MOSDMap } from '../../../src/messages/osd-map.ts';
import { FSID } from './samples.ts';

const ALL = FEATURES_ALL_16_2_15;

const body: MOSDMap = {
  fsid: FSID,
  incrementalMaps: new Map([[8, Buffer.from('i8')]]),
  maps: new Map([
    [9, Buffer.from('f9')],
    [7, Buffer.from('f7')],
  ]),
  oldestMap: 1,
  newestMap: 9,
  gapRemovedSnaps: new Map(),
};

test('MOSDMap: v4/compat 3 layout with maps in epoch order and an empty gap_removed_snaps', () => {
  const m = MOSDMapCodec.encode(body, ALL);
  assert.deepEqual([m.version, m.compatVersion], [4, 3]);
  const hexs = m.front.toString('hex');
  const fsidHex = FSID.replace(/-/g, '');
  const blob = (s: string): string => Buffer.from([s.length, 0, 0, 0]).toString('hex') + Buffer.from(s).toString('hex');
  assert.equal(
    hexs,
    fsidHex +
      '01000000' + '08000000' + blob('i8') +
      '02000000' + '07000000' + blob('f7') + '09000000' + blob('f9') +
      '01000000' + '09000000' +
      '00000000',
  );
  const d = MOSDMapCodec.decode(m, ALL);
  assert.deepEqual(osdMapEpochs(d), [7, 8, 9]);
  assert.equal(osdMapLastEpoch(d), 9);
  assert.ok(d.maps.get(7)!.equals(Buffer.from('f7')));
});

test('MOSDMap: header version follows the peer features (v2 without OSDENC, v1 without PGID64)', () => {
  const v2 = MOSDMapCodec.encode({ ...body, gapRemovedSnaps: new Map([[1n, [[5n, 2n]]]]) }, ALL & ~Feature.OSDENC);
  assert.deepEqual([v2.version, v2.compatVersion], [2, 2]);
  const d2 = MOSDMapCodec.decode(v2, ALL);
  assert.equal(d2.newestMap, 9);
  assert.equal(d2.gapRemovedSnaps.size, 0); // not sent below v4
  const v1 = MOSDMapCodec.encode(body, ALL & ~Feature.PGID64);
  assert.deepEqual([v1.version, v1.compatVersion], [1, 1]);
  const d1 = MOSDMapCodec.decode(v1, ALL);
  assert.deepEqual([d1.oldestMap, d1.newestMap], [0, 0]);
  assert.equal(osdMapLastEpoch({ ...d1, maps: new Map(), incrementalMaps: new Map() }), 0);
});

test('MOSDMap: gap_removed_snaps (map<s64, interval_set>) round-trips, negative pool ids included', () => {
  const g = new Map<bigint, (readonly [bigint, bigint])[]>([
    [-1n, [[1n, 1n]]],
    [3n, [[2n, 1n], [10n, 4n]]],
  ]);
  const d = MOSDMapCodec.decode(MOSDMapCodec.encode({ ...body, gapRemovedSnaps: g }, ALL), ALL);
  assert.deepEqual(d.gapRemovedSnaps, g);
});
