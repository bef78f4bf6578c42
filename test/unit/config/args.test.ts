import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCephArgs, splitArgString } from '../../../src/config/args.ts';
import { expectCode } from './helpers.ts';

const sets = (argv: string[]): [string, string][] => parseCephArgs(argv).settings.map((s) => [s.name, s.value]);

test('--ms-foo V, --ms_foo V, --ms-foo=V and --ms_foo=V are the same option', () => {
  for (const argv of [['--ms-bind-port-min', '7000'], ['--ms_bind_port_min', '7000'], ['--ms-bind-port-min=7000'], ['--ms_bind-port_min=7000']]) {
    assert.deepEqual(sets(argv), [['ms_bind_port_min', '7000']], argv.join(' '));
  }
});

test('bool options: bare flag, --no- prefix, =value; a bool never takes the next argument', () => {
  const r = parseCephArgs(['--ms-msgr2-rev1=false', '--ms_die_on_old_message', 'status', '--no-ms-bind-msgr1']);
  assert.deepEqual(
    r.settings.map((s) => [s.name, s.value]),
    [
      ['ms_msgr2_rev1', 'false'],
      ['ms_die_on_old_message', 'true'],
      ['ms_bind_msgr1', 'false'],
    ],
  );
  assert.deepEqual(r.rest, ['status']);
});

test('early options and short forms', () => {
  assert.deepEqual(sets(['-c', '/x.conf', '-n', 'client.foo', '-k', '/k', '-m', '1.2.3.4', '--cluster', 'prod']), [
    ['conf', '/x.conf'],
    ['name', 'client.foo'],
    ['keyring', '/k'],
    ['mon_host', '1.2.3.4'],
    ['cluster', 'prod'],
  ]);
  assert.deepEqual(sets(['--id', 'bob']), [['name', 'client.bob']]);
  assert.deepEqual(sets(['--user=bob']), [['name', 'client.bob']]);
  assert.deepEqual(sets(['-i', 'bob']), [['name', 'client.bob']]);
  assert.deepEqual(sets(['--conf=/a.conf']), [['conf', '/a.conf']]);
});

test('positional and unknown arguments are returned in order; -- stops option parsing', () => {
  const r = parseCephArgs(['status', '--bogus', '{"prefix":"x"}', '--debug-ms', '5', '--', '--ms-bind-port-min', '1']);
  assert.deepEqual(r.settings.map((s) => [s.name, s.value]), [['debug_ms', '5']]);
  assert.deepEqual(r.rest, ['status', '--bogus', '{"prefix":"x"}', '--', '--ms-bind-port-min', '1']);
  assert.equal(parseCephArgs(['--debug-ms', '5']).settings[0]!.origin, 'command line');
  assert.equal(parseCephArgs(['--debug-ms', '5'], 'CEPH_ARGS').settings[0]!.origin, 'CEPH_ARGS');
});

test('a value-taking option at the end is an error', () => {
  expectCode(() => parseCephArgs(['--debug-ms']), 'ERR_CONFIG', /--debug-ms needs a value/);
  expectCode(() => parseCephArgs(['-c']), 'ERR_CONFIG', /-c needs a value/);
});

test('CEPH_ARGS splitting: whitespace, quotes, backslashes', () => {
  assert.deepEqual(splitArgString('  --id admin   --mon-host "[v2:1.2.3.4:3300, v1:1.2.3.4:6789]" '), [
    '--id',
    'admin',
    '--mon-host',
    '[v2:1.2.3.4:3300, v1:1.2.3.4:6789]',
  ]);
  assert.deepEqual(splitArgString("-k '/a b/keyring' x\\ y ''"), ['-k', '/a b/keyring', 'x y', '']);
  assert.deepEqual(splitArgString(''), []);
  expectCode(() => splitArgString('--id "admin'), 'ERR_CONFIG', /unterminated/);
});
