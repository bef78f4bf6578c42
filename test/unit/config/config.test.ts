import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCephArgs } from '../../../src/config/args.ts';
import { parseConfFile } from '../../../src/config/conf-file.ts';
import { CephConfig, debugLevel, toMsgrConfig } from '../../../src/config/config.ts';
import { DEFAULT_CONFIG } from '../../../src/core/config.ts';
import { EntityType } from '../../../src/encoding/types/entity-name.ts';
import { expectCode } from './helpers.ts';

const FILE = parseConfFile(
  [
    '[global]',
    'ms bind port min = 7001',
    'ms bind port max = 7101',
    'mon_client_ping_interval = 1',
    'mon_client_ping_timeout = 2',
    'mon host = 10.0.0.1',
    '[client]',
    'ms bind port max = 7102',
    'mon_client_ping_timeout = 3',
    'keyring = /etc/ceph/$cluster.$name.keyring',
    '[client.admin]',
    'mon_client_ping_timeout = 4',
    '[mon]',
    'ms bind port min = 9999',
    'unknown_option_is_ignored = 1',
  ].join('\n'),
  'test.conf',
);

const args = (origin: 'CEPH_ARGS' | 'command line', ...a: string[]) => parseCephArgs(a, origin).settings;

test('precedence: defaults < [global] < [type] < [type.id] < CEPH_ARGS < command line < set()', () => {
  const c = new CephConfig({
    file: FILE,
    args: [...args('CEPH_ARGS', '--mon-client-ping-interval', '5', '--ms-bind-port-max=7200'), ...args('command line', '--mon_client_ping_interval=6')],
  });
  assert.equal(c.get('ms_initial_backoff'), 0.2); // default
  assert.equal(c.get('ms_bind_port_min'), 7001); // [global]; [mon] does not apply to client.admin
  assert.equal(c.get('mon_client_ping_timeout'), 4); // [client.admin] over [client] over [global]
  assert.equal(c.get('ms_bind_port_max'), 7200); // CEPH_ARGS over [client]
  assert.equal(c.get('mon_client_ping_interval'), 6); // command line over CEPH_ARGS
  assert.equal(c.source('mon_client_ping_timeout').source, 'file');
  assert.match(c.source('mon_client_ping_timeout').where, /test.conf:12 \[client.admin\]/);
  assert.equal(c.source('mon_client_ping_interval').source, 'command line');
  assert.equal(c.source('ms_initial_backoff').source, 'default');
  c.set('mon_client_ping_interval', 7);
  assert.equal(c.get('mon_client_ping_interval'), 7);
  assert.equal(c.source('mon_client_ping_interval').source, 'override');
});

test('another entity reads its own sections', () => {
  const c = new CephConfig({ file: FILE, name: 'mon.a' });
  assert.equal(c.get('ms_bind_port_min'), 9999);
  assert.equal(c.get('mon_client_ping_timeout'), 2);
  assert.deepEqual(c.entity, { type: EntityType.MON, id: 'a' });
  const d = new CephConfig({ file: FILE, args: args('command line', '--id', 'bob') });
  assert.equal(d.entityName, 'client.bob');
  assert.equal(d.get('mon_client_ping_timeout'), 3);
});

test('metavariables: $cluster $name $type $id $host $pid $home, ${x}, other options; unknown ones stay', () => {
  const c = new CephConfig({
    file: FILE,
    cluster: 'prod',
    host: 'node7',
    pid: 99,
    home: '/root',
    args: args('command line', '--log-file', '${run_dir}/$cluster-$type.$id@$host.$pid.log', '--admin-socket', '$home/$nosuchvar.asok'),
  });
  assert.equal(c.get('keyring'), '/etc/ceph/prod.client.admin.keyring');
  assert.equal(c.get('log_file'), '/var/run/ceph/prod-client.admin@node7.99.log');
  assert.equal(c.get('admin_socket'), '/root/$nosuchvar.asok');
  assert.equal(c.get('host'), 'node7');
  assert.equal(c.expand('$name on $cluster'), 'client.admin on prod');
});

test('a metavariable loop is an error, not a hang', () => {
  expectCode(
    () => new CephConfig({ args: args('command line', '--log-file', '$admin_socket', '--admin-socket', '$log_file') }),
    'ERR_CONFIG',
    /metavariable loop/,
  );
});

test('bad values are ERR_CONFIG naming the option and where it came from', () => {
  const bad = parseConfFile('[global]\nms_bind_port_min = lots\n', '/etc/ceph/ceph.conf');
  expectCode(() => new CephConfig({ file: bad }), 'ERR_CONFIG', /ms_bind_port_min \(\/etc\/ceph\/ceph.conf:2 \[global\]\): 'lots'/);
  expectCode(() => new CephConfig({ args: args('CEPH_ARGS', '--ms-msgr2-rev1=perhaps') }), 'ERR_CONFIG', /ms_msgr2_rev1 \(CEPH_ARGS \(--ms-msgr2-rev1=perhaps\)\)/);
  expectCode(() => new CephConfig({ name: 'admin' }), 'ERR_CONFIG', /entity name 'admin'/);
  const c = new CephConfig();
  expectCode(() => c.set('ms_bind_port_min', 'x'), 'ERR_CONFIG', /ms_bind_port_min/);
  expectCode(() => c.set('no_such_thing', 1), 'ERR_CONFIG', /unknown option no_such_thing/);
  expectCode(() => c.set('name', 'client.x'), 'ERR_CONFIG', /cannot be changed/);
  assert.equal(c.get('ms_bind_port_min'), 6800, 'a rejected set() changes nothing');
});

test('show() lists every option with value, default and source; diff() only the changed ones', () => {
  const c = new CephConfig({ file: FILE, args: args('command line', '--debug-ms', '5') });
  const all = c.show();
  assert.ok(all.length > 50);
  const dbg = all.find((e) => e.name === 'debug_ms')!;
  assert.deepEqual([dbg.value, dbg.default, dbg.source], ['5', '0/0', 'command line']);
  const changed = c.diff().map((e) => e.name);
  assert.ok(changed.includes('debug_ms') && changed.includes('ms_bind_port_min') && !changed.includes('ms_initial_backoff'));
  assert.equal(c.getByName('debug-ms'), '5');
});

test('toMsgrConfig gives the core exactly its options, typed', () => {
  const c = new CephConfig({ args: args('command line', '--ms-msgr2-rev1=false', '--ms-mon-client-mode', 'crc', '--ms-dispatch-throttle-bytes', '1M') });
  const m = toMsgrConfig(c);
  assert.deepEqual(Object.keys(m).sort(), Object.keys(DEFAULT_CONFIG).sort());
  assert.equal(m.ms_msgr2_rev1, false);
  assert.equal(m.ms_mon_client_mode, 'crc');
  assert.equal(m.ms_dispatch_throttle_bytes, 1 << 20);
  assert.equal(m.ms_max_backoff, DEFAULT_CONFIG.ms_max_backoff);
});

test('debugLevel', () => {
  assert.equal(debugLevel('0/0'), 0);
  assert.equal(debugLevel('20'), 20);
  assert.equal(debugLevel(' 5 / 10 '), 5);
  expectCode(() => debugLevel('x'), 'ERR_CONFIG');
});
