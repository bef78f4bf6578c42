import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatAddr, formatAddrVec, type EntityAddr } from '../../../src/encoding/types/entity-addr.ts';
import { monHostNames, parseMonHost, resolveMonHost, splitMonHost } from '../../../src/config/mon-host.ts';
import { expectCode } from './helpers.ts';

const fmt = (v: EntityAddr[]): string => (v.length === 1 ? formatAddr(v[0]!) : formatAddrVec(v));
const show = (s: string): string[] => parseMonHost(s).map((m) => `${m.name} ${fmt(m.addrs)}`);

test('an address vector is one mon, as written', () => {
  assert.deepEqual(show('[v2:127.0.0.1:54943,v1:127.0.0.1:56317]'), ['noname-a [v2:127.0.0.1:54943/0,v1:127.0.0.1:56317/0]']);
});

test('several mons: spaces, commas and semicolons between them', () => {
  const want = ['noname-a [v2:10.0.0.1:3300/0,v1:10.0.0.1:6789/0]', 'noname-b [v2:10.0.0.2:3300/0,v1:10.0.0.2:6789/0]'];
  assert.deepEqual(show('[v2:10.0.0.1:3300,v1:10.0.0.1:6789] [v2:10.0.0.2:3300,v1:10.0.0.2:6789]'), want);
  assert.deepEqual(show('[v2:10.0.0.1:3300,v1:10.0.0.1:6789],[v2:10.0.0.2:3300,v1:10.0.0.2:6789]'), want);
  assert.deepEqual(show('[v2:10.0.0.1:3300,v1:10.0.0.1:6789];[v2:10.0.0.2:3300, v1:10.0.0.2:6789]'), want);
  assert.deepEqual(show('10.0.0.1:3300,10.0.0.2:3300 ;10.0.0.3:3300'), [
    'noname-a v2:10.0.0.1:3300/0',
    'noname-b v2:10.0.0.2:3300/0',
    'noname-c v2:10.0.0.3:3300/0',
  ]);
});

test('untyped addresses: the port decides (6789 → v1, 3300 → v2, none → both defaults, other → both)', () => {
  assert.deepEqual(show('1.2.3.4:6789'), ['noname-a-legacy v1:1.2.3.4:6789/0']);
  assert.deepEqual(show('1.2.3.4:3300'), ['noname-a v2:1.2.3.4:3300/0']);
  assert.deepEqual(show('1.2.3.4'), ['noname-a v2:1.2.3.4:3300/0', 'noname-a-legacy v1:1.2.3.4:6789/0']);
  assert.deepEqual(show('1.2.3.4:7000'), ['noname-a v2:1.2.3.4:7000/0', 'noname-a-legacy v1:1.2.3.4:7000/0']);
  assert.deepEqual(show('1.2.3.4,1.2.3.5'), [
    'noname-a v2:1.2.3.4:3300/0',
    'noname-a-legacy v1:1.2.3.4:6789/0',
    'noname-b v2:1.2.3.5:3300/0',
    'noname-b-legacy v1:1.2.3.5:6789/0',
  ]);
});

test('typed single addresses keep their type; the port defaults by type', () => {
  assert.deepEqual(show('v2:1.2.3.4'), ['noname-a v2:1.2.3.4:3300/0']);
  assert.deepEqual(show('v1:1.2.3.4'), ['noname-a v1:1.2.3.4:6789/0']);
  assert.deepEqual(show('v2:1.2.3.4:4000/7'), ['noname-a v2:1.2.3.4:4000/7']);
});

test('IPv6, localhost, duplicates', () => {
  assert.deepEqual(show('[::1]:3300'), ['noname-a v2:[::1]:3300/0']);
  assert.deepEqual(show('[v2:[::1]:3300,v1:[::1]:6789]'), ['noname-a [v2:[::1]:3300/0,v1:[::1]:6789/0]']);
  assert.deepEqual(show('[::1]'), ['noname-a v2:[::1]:3300/0', 'noname-a-legacy v1:[::1]:6789/0']);
  assert.deepEqual(show('localhost:3300'), ['noname-a v2:127.0.0.1:3300/0']);
  assert.deepEqual(show('1.2.3.4:3300 1.2.3.4:3300'), ['noname-a v2:1.2.3.4:3300/0']);
  assert.deepEqual(splitMonHost(' [v2:[::1]:3300, v1:[::1]:6789] 1.2.3.4 '), ['[v2:[::1]:3300,v1:[::1]:6789]', '1.2.3.4']);
});

test('malformed or empty mon_host is ERR_CONFIG', () => {
  expectCode(() => parseMonHost(''), 'ERR_CONFIG', /no monitors/);
  expectCode(() => parseMonHost('[v2:1.2.3.4:3300'), 'ERR_CONFIG', /unbalanced/);
  expectCode(() => parseMonHost('1.2.3.4:port'), 'ERR_CONFIG', /bad mon_host/);
  expectCode(() => parseMonHost('999.1.1.1'), 'ERR_CONFIG', /bad mon_host/);
  expectCode(() => parseMonHost('mon1.example.com:3300'), 'ERR_CONFIG', /host names need resolveMonHost/);
});

test('host names are resolved through the lookup', async () => {
  assert.deepEqual(monHostNames('mon1:3300 [v2:mon2:3300,v1:mon2:6789] 10.0.0.9 localhost'), ['mon1', 'mon2']);
  const seen: string[] = [];
  const mons = await resolveMonHost('mon1:3300 [v2:mon2:3300,v1:mon2:6789] v6host', async (h) => {
    seen.push(h);
    return h === 'v6host' ? '::2' : h === 'mon1' ? '10.0.0.1' : '10.0.0.2';
  });
  assert.deepEqual(seen, ['mon1', 'mon2', 'v6host']);
  assert.deepEqual(
    mons.map((m) => `${m.name} ${fmt(m.addrs)}`),
    ['noname-a v2:10.0.0.1:3300/0', 'noname-b [v2:10.0.0.2:3300/0,v1:10.0.0.2:6789/0]', 'noname-c v2:[::2]:3300/0', 'noname-c-legacy v1:[::2]:6789/0'],
  );
  await assert.rejects(
    resolveMonHost('nowhere:3300', async () => {
      throw new Error('ENOTFOUND');
    }),
    (e: Error & { code?: string }) => e.code === 'ERR_CONFIG' && /cannot resolve 'nowhere'/.test(e.message),
  );
});
