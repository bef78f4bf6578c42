import { test } from 'node:test';
import assert from 'node:assert/strict';
import { byteU, siU, timespanStr } from '../../../../src/cli/format/units.ts';

test("byte_u_t as 'ceph -s' prints it", () => {
  const cases: [number, string][] = [
    [0, '0 B'],
    [1023, '1023 B'],
    [1024, '1 KiB'],
    [2867, '2.8 KiB'],
    [10239, '10 KiB'],
    [47 * 2 ** 20 + 12345, '47 MiB'],
    [15 * 2 ** 30, '15 GiB'],
    [1.5 * 2 ** 40, '1.5 TiB'],
    [1536, '1.5 KiB'],
  ];
  for (const [v, want] of cases) assert.equal(byteU(v), want, String(v));
});

test('si_u_t', () => {
  const cases: [number, string][] = [
    [0, '0'],
    [999, '999'],
    [1000, '1k'],
    [19410, '19.41k'],
    [1260, '1.26k'],
    [123456789, '123.46M'],
  ];
  for (const [v, want] of cases) assert.equal(siU(v), want, String(v));
});

test('timespan_str', () => {
  const cases: [number, string][] = [
    [0, '0s'],
    [1, '1s'],
    [1.5, '1.5s'],
    [83, '83s'],
    [119, '119s'],
    [120, '2m'],
    [7199, '119m'],
    [7200, '2h'],
    [47 * 3600, '47h'],
    [48 * 3600, '2d'],
    [13 * 86400, '13d'],
    [14 * 86400, '2w'],
    [100 * 86400, '3M'],
    [800 * 86400, '2y'],
  ];
  for (const [v, want] of cases) assert.equal(timespanStr(v), want, String(v));
});
