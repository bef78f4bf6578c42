import { test } from 'node:test';
import assert from 'node:assert/strict';
import { OPTIONS, type OptionDef } from '../../../src/config/options.ts';
import { parseOptionValue, parseTimespan } from '../../../src/config/values.ts';
import { expectCode } from './helpers.ts';

const p = (name: keyof typeof OPTIONS, raw: string): unknown => parseOptionValue(name, OPTIONS[name] as OptionDef, raw);

test('bool: true/false in any case, or an integer (Ceph parse_value)', () => {
  assert.equal(p('ms_bind_msgr1', 'false'), false);
  assert.equal(p('ms_bind_msgr1', 'TRUE'), true);
  assert.equal(p('ms_bind_msgr1', '0'), false);
  assert.equal(p('ms_bind_msgr1', '7'), true);
  expectCode(() => p('ms_bind_msgr1', 'maybe'), 'ERR_CONFIG', /ms_bind_msgr1.*maybe/);
});

test('int/uint: integers with SI suffixes; bounds and sign are checked', () => {
  assert.equal(p('ms_bind_port_min', '6800'), 6800);
  assert.equal(p('mon_client_max_pending', '2K'), 2000);
  expectCode(() => p('ms_bind_port_min', '70000'), 'ERR_CONFIG', /<= 65535/);
  expectCode(() => p('ms_bind_port_min', '12.5'), 'ERR_CONFIG', /integer/);
  expectCode(() => p('mon_client_hunt_parallel', '-1'), 'ERR_CONFIG', /negative/);
  expectCode(() => p('mon_client_hunt_parallel', '0'), 'ERR_CONFIG', />= 1/);
});

test('float', () => {
  assert.equal(p('ms_initial_backoff', '0.5'), 0.5);
  assert.equal(p('ms_initial_backoff', '2'), 2);
  assert.equal(p('ms_initial_backoff', '1e-1'), 0.1);
  expectCode(() => p('ms_initial_backoff', '0.5s'), 'ERR_CONFIG', /ms_initial_backoff/);
  expectCode(() => p('ms_inject_delay_probability', '1.5'), 'ERR_CONFIG', /<= 1/);
});

test('size: bytes with IEC suffixes (K = Ki = 1024)', () => {
  assert.equal(p('ms_dispatch_throttle_bytes', '4096'), 4096);
  assert.equal(p('ms_dispatch_throttle_bytes', '100M'), 100 * 2 ** 20);
  assert.equal(p('ms_dispatch_throttle_bytes', '1Gi'), 2 ** 30);
  assert.equal(p('ms_dispatch_throttle_bytes', '2KiB'), 2048);
  assert.equal(p('ms_dispatch_throttle_bytes', '7B'), 7);
  expectCode(() => p('ms_dispatch_throttle_bytes', '1X'), 'ERR_CONFIG');
  expectCode(() => p('ms_dispatch_throttle_bytes', '-1'), 'ERR_CONFIG');
});

test('secs: Ceph timespans', () => {
  assert.equal(parseTimespan('300'), 300);
  assert.equal(parseTimespan('30s'), 30);
  assert.equal(parseTimespan('5m'), 300);
  assert.equal(parseTimespan('1h 30min'), 5400);
  assert.equal(parseTimespan('2 days'), 172800);
  assert.equal(parseTimespan('1w'), 604800);
  assert.equal(parseTimespan('0.5'), 0.5);
  assert.equal(parseTimespan('5 parsecs'), undefined);
  assert.equal(parseTimespan(''), undefined);
  assert.equal(p('client_mount_timeout', '2m'), 120);
  expectCode(() => p('client_mount_timeout', 'soon'), 'ERR_CONFIG', /client_mount_timeout.*duration/);
});

test('uuid, addr, addrvec', () => {
  assert.equal(p('fsid', '14883ABA-4a23-4b84-af19-76a9a5951083'), '14883aba-4a23-4b84-af19-76a9a5951083');
  assert.equal(p('fsid', ''), '');
  expectCode(() => p('fsid', 'not-a-uuid'), 'ERR_CONFIG', /fsid/);
  assert.equal(p('public_addr', 'v2:10.0.0.1:3300'), 'v2:10.0.0.1:3300');
  assert.equal(p('public_addrv', '[v2:10.0.0.1:3300,v1:10.0.0.1:6789]'), '[v2:10.0.0.1:3300,v1:10.0.0.1:6789]');
  expectCode(() => p('public_addr', '10.0.0.300'), 'ERR_CONFIG', /public_addr/);
});

test('mode lists and debug levels are validated', () => {
  assert.equal(p('ms_mon_client_mode', 'secure crc'), 'secure crc');
  assert.equal(p('ms_mon_client_mode', 'crc,secure'), 'crc,secure');
  expectCode(() => p('ms_mon_client_mode', 'secure plain'), 'ERR_CONFIG', /'plain' is not one of crc, secure/);
  expectCode(() => p('ms_mon_client_mode', ''), 'ERR_CONFIG', /at least one/);
  assert.equal(p('debug_ms', '1/5'), '1/5');
  assert.equal(p('debug_ms', '20'), '20');
  expectCode(() => p('debug_ms', 'lots'), 'ERR_CONFIG', /debug_ms/);
  expectCode(() => p('debug_ms', '31'), 'ERR_CONFIG', /debug_ms/);
});

test('errors name the option and where the value came from', () => {
  const e = expectCode(() => parseOptionValue('ms_bind_port_min', OPTIONS.ms_bind_port_min, 'x', '/etc/ceph/ceph.conf:12 [global]'), 'ERR_CONFIG');
  assert.match(e.message, /ms_bind_port_min \(\/etc\/ceph\/ceph.conf:12 \[global\]\): 'x'/);
});
