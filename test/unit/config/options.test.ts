import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/core/config.ts';
import { OPTIONS, coreOptionNames, findOption, normalizeOptionName, optionNames, type OptionName } from '../../../src/config/options.ts';
import { formatOptionValue, parseOptionValue } from '../../../src/config/values.ts';

test('every core option (MsgrConfig key) is in the table with the same default', () => {
  const coreKeys = Object.keys(DEFAULT_CONFIG).sort();
  assert.deepEqual(coreOptionNames().slice().sort(), coreKeys, 'a MsgrConfig key is missing from (or extra in) src/config/options.ts: add its row there');
  for (const k of coreKeys) {
    assert.equal(OPTIONS[k as OptionName].default, DEFAULT_CONFIG[k as keyof typeof DEFAULT_CONFIG], k);
  }
});

test('the options the brief names exist with Ceph defaults', () => {
  const want: Record<string, unknown> = {
    mon_client_ping_interval: 10,
    mon_client_ping_timeout: 30,
    mon_client_hunt_interval: 3,
    client_mount_timeout: 300,
    rados_mon_op_timeout: 0,
    auth_cluster_required: 'cephx',
    auth_service_required: 'cephx',
    auth_client_required: 'cephx, none',
    ms_mon_client_mode: 'secure crc',
    ms_client_mode: 'crc secure',
    debug_ms: '0/0',
    mon_host: '',
    fsid: '',
    log_file: '',
    admin_socket: '',
  };
  for (const [k, v] of Object.entries(want)) assert.equal(OPTIONS[k as OptionName].default, v, k);
  assert.equal(OPTIONS.client_mount_timeout.type, 'secs');
  assert.equal(OPTIONS.ms_dispatch_throttle_bytes.type, 'size');
  assert.equal(OPTIONS.public_addrv.type, 'addrvec');
});

test('every default is valid for its own type, and round-trips through its text form', () => {
  for (const name of optionNames()) {
    const def = OPTIONS[name];
    if (def.type === 'str' && def.words) {
      assert.doesNotThrow(() => parseOptionValue(name, def, formatOptionValue(def.default)), name);
      continue;
    }
    assert.deepEqual(parseOptionValue(name, def, formatOptionValue(def.default)), def.default, name);
    assert.ok(def.desc.length > 5, `${name} has a description`);
  }
});

test('key normalisation: spaces and dashes are underscores (Ceph normalize_key_name)', () => {
  assert.equal(normalizeOptionName('  mon host '), 'mon_host');
  assert.equal(normalizeOptionName('ms-bind-port-min'), 'ms_bind_port_min');
  assert.equal(normalizeOptionName('ms   bind\tport_max'), 'ms_bind_port_max');
  assert.equal(normalizeOptionName('a - b'), 'a___b');
  assert.equal(findOption('mon-client ping_interval')?.name, 'mon_client_ping_interval');
  assert.equal(findOption('no_such_option'), undefined);
});
