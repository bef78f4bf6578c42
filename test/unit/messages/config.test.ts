import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FEATURES_ALL_16_2_15 } from '../../../src/encoding/types/features.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { MConfigCodec, MGetConfigCodec } from '../../../src/messages/config.ts';

const ALL = FEATURES_ALL_16_2_15;

test('MConfig: map<string,string> in key (byte) order whatever the insertion order', () => {
  const a = MConfigCodec.encode({ config: new Map([['b', '2'], ['a', '1'], ['B', '0']]) }, ALL);
  const b = MConfigCodec.encode({ config: new Map([['a', '1'], ['B', '0'], ['b', '2']]) }, ALL);
  assert.ok(a.front.equals(b.front));
  assert.deepEqual([...MConfigCodec.decode(a, ALL).config.keys()], ['B', 'a', 'b']);
  assert.equal(MConfigCodec.encode({ config: new Map() }, ALL).front.toString('hex'), '00000000');
});

test('MGetConfig: EntityName (le32 type + id), host, device_class', () => {
  const m = MGetConfigCodec.encode({ name: { type: EntityType.OSD, id: '3' }, host: 'h', deviceClass: '' }, ALL);
  assert.equal(m.front.toString('hex'), '04000000' + '0100000033' + '0100000068' + '00000000');
  assert.deepEqual(MGetConfigCodec.decode(m, ALL), { name: { type: 4, id: '3' }, host: 'h', deviceClass: '' });
});
