import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../../src/config/load.ts';
import { expectCode, memIO } from './helpers.ts';

const CONF = '[global]\nmon host = 10.0.0.1\nms bind port min = 7000\n[client.bob]\nms bind port min = 7001\n';

test('-c FILE is read; the rest of the arguments come back in order', () => {
  const io = memIO({ '/x/ceph.conf': CONF });
  const r = loadConfig({ argv: ['status', '-c', '/x/ceph.conf', '-f', 'json', '--ms-bind-port-max', '7300'], io });
  assert.equal(r.confPath, '/x/ceph.conf');
  assert.equal(r.config.get('mon_host'), '10.0.0.1');
  assert.equal(r.config.get('ms_bind_port_max'), 7300);
  assert.deepEqual(r.rest, ['status', '-f', 'json']);
});

test('CEPH_CONF when there is no -c; -c wins over CEPH_CONF', () => {
  const io = memIO({ '/env.conf': '[global]\nmon host = 1.1.1.1\n', '/arg.conf': '[global]\nmon host = 2.2.2.2\n' });
  assert.equal(loadConfig({ io, env: { CEPH_CONF: '/env.conf' } }).config.get('mon_host'), '1.1.1.1');
  assert.equal(loadConfig({ io, env: { CEPH_CONF: '/env.conf' }, argv: ['-c', '/arg.conf'] }).config.get('mon_host'), '2.2.2.2');
});

test('the default search list: /etc/ceph/$cluster.conf, ~/.ceph/$cluster.conf, ./$cluster.conf', () => {
  const io = memIO({ '/home/u/.ceph/prod.conf': CONF });
  const r = loadConfig({ io, argv: ['--cluster', 'prod'] });
  assert.equal(r.confPath, '/home/u/.ceph/prod.conf');
  assert.deepEqual(r.tried, ['/etc/ceph/prod.conf', '/home/u/.ceph/prod.conf']);
  const none = loadConfig({ io: memIO({}) });
  assert.equal(none.confPath, undefined);
  assert.equal(none.config.get('mon_host'), '');
});

test('an explicitly named config file must exist', () => {
  expectCode(() => loadConfig({ io: memIO({}), argv: ['-c', '/nope.conf'] }), 'ERR_CONFIG', /cannot open config file \/nope.conf/);
  expectCode(() => loadConfig({ io: memIO({}), env: { CEPH_CONF: '/nope.conf' } }), 'ERR_CONFIG', /\/nope.conf/);
  // a list: the first existing file is used
  const r = loadConfig({ io: memIO({ '/b.conf': CONF }), argv: ['-c', '/a.conf,/b.conf'] });
  assert.equal(r.confPath, '/b.conf');
});

test('CEPH_ARGS is below the command line and above the file; it picks the entity too', () => {
  const io = memIO({ '/c.conf': CONF });
  const r = loadConfig({ io, argv: ['-c', '/c.conf'], env: { CEPH_ARGS: '--id bob --ms-bind-port-max 7400 --debug-ms 3' } });
  assert.equal(r.config.entityName, 'client.bob');
  assert.equal(r.config.get('ms_bind_port_min'), 7001);
  assert.equal(r.config.get('ms_bind_port_max'), 7400);
  const r2 = loadConfig({ io, argv: ['-c', '/c.conf', '--debug-ms=4'], env: { CEPH_ARGS: '--debug-ms 3' } });
  assert.equal(r2.config.get('debug_ms'), '4');
  assert.equal(r2.config.source('debug_ms').source, 'command line');
  expectCode(() => loadConfig({ io, env: { CEPH_ARGS: 'stray' } }), 'ERR_CONFIG', /CEPH_ARGS: unknown argument 'stray'/);
});

test('overrides have command-line precedence and go after argv', () => {
  const r = loadConfig({
    io: memIO({}),
    argv: ['--ms-mon-client-mode', 'secure'],
    overrides: [{ name: 'ms_mon_client_mode', value: 'crc', origin: 'command line', arg: '--ms-mode' }],
  });
  assert.equal(r.config.get('ms_mon_client_mode'), 'crc');
});

test('$host, $home and $pid come from the IO', () => {
  const r = loadConfig({ io: memIO({}, { host: 'h9', home: '/hh', pid: 7 }), argv: ['--log-file', '$home/$host.$pid'] });
  assert.equal(r.config.get('log_file'), '/hh/h9.7');
});
