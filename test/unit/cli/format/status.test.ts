import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderStatus } from '../../../../src/cli/format/status.ts';

/** `ceph -s -f json` of a fresh single-mon 16.2.15 cluster (from the live mon). */
const FRESH = {
  fsid: '14883aba-4a23-4b84-af19-76a9a5951083',
  health: { status: 'HEALTH_OK', checks: {}, mutes: [] },
  election_epoch: 3,
  quorum: [0],
  quorum_names: ['a'],
  quorum_age: 83,
  monmap: { epoch: 1, min_mon_release_name: 'pacific', num_mons: 1 },
  osdmap: { epoch: 1, num_osds: 0, num_up_osds: 0, osd_up_since: 0, num_in_osds: 0, osd_in_since: 0, num_remapped_pgs: 0 },
  pgmap: { pgs_by_state: [], num_pgs: 0, num_pools: 0, num_objects: 0, data_bytes: 0, bytes_used: 0, bytes_avail: 0, bytes_total: 0 },
  fsmap: { epoch: 1, by_rank: [], 'up:standby': 0 },
  mgrmap: { available: false, num_standbys: 0, modules: ['iostat', 'nfs', 'restful'], services: {} },
  servicemap: { epoch: 1, modified: '2026-11-26T08:00:37.968523+0000', services: {} },
  progress_events: {},
};

/** What `ceph -s` printed for it (trailing spaces included). */
const FRESH_PLAIN = `  cluster:
    id:     14883aba-4a23-4b84-af19-76a9a5951083
    health: HEALTH_OK
 
  services:
    mon: 1 daemons, quorum a (age 83s)
    mgr: no daemons active
    osd: 0 osds: 0 up, 0 in
 
  data:
    pools:   0 pools, 0 pgs
    objects: 0 objects, 0 B
    usage:   0 B used, 0 B / 0 B avail
    pgs:     
 
`;

test("a fresh cluster renders exactly like 'ceph -s'", () => {
  assert.equal(renderStatus(FRESH), FRESH_PLAIN);
});

test('health checks, out-of-quorum mons, osds with ages, pgs by state, mgr, client io', () => {
  const now = 1_800_000_000;
  const s = {
    ...FRESH,
    health: {
      status: 'HEALTH_WARN',
      checks: {
        MON_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1/3 mons down, quorum a,b', count: 1 }, muted: false },
        OSD_DOWN: { severity: 'HEALTH_WARN', summary: { message: '1 osds down', count: 1 }, muted: true },
      },
      mutes: [],
    },
    quorum_names: ['b', 'a'],
    quorum_age: 7300,
    monmap: { epoch: 3, min_mon_release_name: 'pacific', num_mons: 3 },
    osdmap: { epoch: 9, num_osds: 3, num_up_osds: 2, osd_up_since: now - 360, num_in_osds: 3, osd_in_since: now - 5 * 86400, num_remapped_pgs: 2 },
    pgmap: {
      pgs_by_state: [
        { state_name: 'active+undersized', count: 8 },
        { state_name: 'active+clean', count: 73 },
      ],
      num_pgs: 81,
      num_pools: 3,
      num_objects: 19410,
      data_bytes: 2867,
      bytes_used: 47 * 2 ** 20,
      bytes_avail: 15 * 2 ** 30,
      bytes_total: 15 * 2 ** 30 + 47 * 2 ** 20,
      read_bytes_sec: 1024,
      write_op_per_sec: 16,
    },
    mgrmap: { available: true, num_standbys: 2, modules: [], services: {} },
  };
  const out = renderStatus(s, { monNames: ['a', 'b', 'c'], mgrActiveName: 'x', nowSec: now });
  assert.equal(
    out,
    `  cluster:
    id:     14883aba-4a23-4b84-af19-76a9a5951083
    health: HEALTH_WARN (muted: OSD_DOWN)
            1/3 mons down, quorum a,b
 
  services:
    mon: 3 daemons, quorum a,b (age 2h), out of quorum: c
    mgr: x(active), standbys: 2
    osd: 3 osds: 2 up (since 6m), 3 in (since 5d); 2 remapped pgs
 
  data:
    pools:   3 pools, 81 pgs
    objects: 19.41k objects, 2.8 KiB
    usage:   47 MiB used, 15 GiB / 15 GiB avail
    pgs:     73 active+clean
             8 active+undersized
 
  io:
    client:   1 KiB/s rd, 16 op/s wr
 
`,
  );
});

test('garbage in, a best-effort layout out (never a throw)', () => {
  const out = renderStatus({ fsid: 5, health: 'bad', quorum_names: 'x', pgmap: null });
  assert.match(out, /id: {5}5\n/);
  assert.match(out, /health: HEALTH_UNKNOWN/);
  assert.match(out, /mon: 0 daemons, quorum {2}\(age 0s\)/);
});
