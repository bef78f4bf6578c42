import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confLookup, parseConfFile, sectionsFor } from '../../../src/config/conf-file.ts';
import { expectCode } from './helpers.ts';

const get = (text: string, sec: string, key: string): string | undefined => parseConfFile(text).sections.get(sec)?.get(key)?.value;

test('sections, normalised keys, comments', () => {
  const c = parseConfFile(
    [
      '# a comment',
      '; another',
      '[global]',
      '  fsid = 14883aba-4a23-4b84-af19-76a9a5951083   # trailing comment',
      'mon host = [v2:127.0.0.1:3300,v1:127.0.0.1:6789] ; semicolon comment',
      'ms-bind-port-min=7000',
      '',
      '[client.admin]   # section comment',
      'keyring = /etc/ceph/$cluster.$name.keyring',
      '[mon]',
      'debug ms = 20',
    ].join('\n'),
    'x.conf',
  );
  assert.deepEqual([...c.sections.keys()], ['global', 'client.admin', 'mon']);
  assert.equal(c.sections.get('global')!.get('fsid')!.value, '14883aba-4a23-4b84-af19-76a9a5951083');
  assert.equal(c.sections.get('global')!.get('mon_host')!.value, '[v2:127.0.0.1:3300,v1:127.0.0.1:6789]');
  assert.equal(c.sections.get('global')!.get('mon_host')!.line, 5);
  assert.equal(c.sections.get('global')!.get('ms_bind_port_min')!.value, '7000');
  assert.equal(c.sections.get('client.admin')!.get('keyring')!.value, '/etc/ceph/$cluster.$name.keyring');
  assert.equal(c.sections.get('mon')!.get('debug_ms')!.value, '20');
  assert.equal(c.source, 'x.conf');
});

test('quoted values keep comment characters and spaces; escapes', () => {
  assert.equal(get('[global]\nkey = "a # b ; c "  # real comment', 'global', 'key'), 'a # b ; c ');
  assert.equal(get("[global]\nkey = 'single \\' quoted'", 'global', 'key'), "single ' quoted");
  assert.equal(get('[global]\nkey = "say \\"hi\\""', 'global', 'key'), 'say "hi"');
  assert.equal(get('[global]\nkey = a\\#b', 'global', 'key'), 'a#b');
  assert.equal(get('[global]\nkey =', 'global', 'key'), '');
  expectCode(() => parseConfFile('[global]\nkey = "open', 'f'), 'ERR_CONFIG', /f:2: unterminated/);
  expectCode(() => parseConfFile('[global]\nkey = "a" b', 'f'), 'ERR_CONFIG', /f:2: unexpected text/);
});

test('line continuation with a trailing backslash', () => {
  const c = parseConfFile('[global]\nmon host = 1.2.3.4, \\\n   1.2.3.5\nnext = 1\n');
  assert.equal(c.sections.get('global')!.get('mon_host')!.value, '1.2.3.4,    1.2.3.5');
  assert.equal(c.sections.get('global')!.get('next')!.line, 4);
  // an escaped backslash at the end is not a continuation
  assert.equal(get('[global]\npath = c:\\\\\nx = 1', 'global', 'path'), 'c:\\');
});

test('keys before any section go to [global]; later duplicates win; CRLF and BOM', () => {
  const c = parseConfFile('\uFEFFa = 1\r\n[global]\r\na = 2\r\n');
  assert.equal(c.sections.get('global')!.get('a')!.value, '2');
});

test('malformed lines are ERR_CONFIG with file and line', () => {
  expectCode(() => parseConfFile('[global]\njust words\n', 'bad.conf'), 'ERR_CONFIG', /bad.conf:2: expected 'key = value'/);
  expectCode(() => parseConfFile('[global\n', 'bad.conf'), 'ERR_CONFIG', /bad.conf:1: malformed section/);
  expectCode(() => parseConfFile('[ ]\n', 'bad.conf'), 'ERR_CONFIG', /empty section/);
  expectCode(() => parseConfFile('[global]\n = 3\n', 'bad.conf'), 'ERR_CONFIG', /bad key/);
});

test('section lookup order: [type.id] > [type] > [global]', () => {
  assert.deepEqual(sectionsFor('client', 'client.admin'), ['client.admin', 'client', 'global']);
  const c = parseConfFile('[global]\nx = g\ny = g\nz = g\n[client]\nx = c\ny = c\n[client.admin]\nx = a\n[mon]\nx = m\n');
  const s = sectionsFor('client', 'client.admin');
  assert.equal(confLookup(c, s, 'x')!.value, 'a');
  assert.equal(confLookup(c, s, 'y')!.value, 'c');
  assert.equal(confLookup(c, s, 'z')!.value, 'g');
  assert.equal(confLookup(c, s, 'w'), undefined);
});
