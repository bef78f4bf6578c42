/**
 * `ceph -s` plain layout, rendered from the mon's `{"prefix":"status","format":"json"}` output
 * (Monitor::get_cluster_status, Pacific):
 *
 *     cluster:
 *       id:     <fsid>
 *       health: HEALTH_OK | HEALTH_WARN + one line per check summary
 *
 *     services:
 *       mon: N daemons, quorum a,b,c (age 83s)[, out of quorum: d]
 *       mgr: no daemons active | <name>(active)[, standbys: N]
 *       [mds: …]
 *       osd: N osds: U up[ (since …)], I in[ (since …)][; R remapped pgs]
 *
 *     data:
 *       pools:   P pools, G pgs
 *       objects: O objects, B
 *       usage:   U used, A / T avail
 *       pgs:     <count state> per state
 *
 * Separator lines are a single space, as Ceph prints them. The mon's JSON does not carry the
 * active mgr's name or the out-of-quorum mon names; the caller can pass them (monmap, mgr stat).
 */
import { Buffer } from 'node:buffer';
import { byteU, siU, timespanStr } from './units.ts';

type Json = Record<string, unknown>;

const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : v === undefined || v === null ? '' : String(v));

export interface StatusExtras {
  /** mon names in rank order (from the monmap) for "out of quorum" */
  monNames?: readonly string[];
  /** the active mgr's name (from `mgr stat`) */
  mgrActiveName?: string;
  /** current time in seconds since the epoch (for "since" ages) */
  nowSec?: number;
}

function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function healthLines(h: Json): string[] {
  const status = str(h.status) || 'HEALTH_UNKNOWN';
  const checks = obj(h.checks);
  const muted = Object.entries(checks).filter(([, c]) => obj(c).muted === true).map(([n]) => n);
  const first = muted.length ? `${status} (muted: ${muted.join(' ')})` : status;
  const lines = [`    health: ${first}`];
  for (const [, c] of Object.entries(checks)) {
    if (obj(c).muted === true) continue;
    const msg = str(obj(obj(c).summary).message);
    if (msg) lines.push(`            ${msg}`);
  }
  return lines;
}

function osdLine(o: Json, nowSec: number): string {
  let s = `${num(o.num_osds)} osds: ${num(o.num_up_osds)} up`;
  if (num(o.osd_up_since) > 0) s += ` (since ${timespanStr(nowSec - num(o.osd_up_since))})`;
  s += `, ${num(o.num_in_osds)} in`;
  if (num(o.osd_in_since) > 0) s += ` (since ${timespanStr(nowSec - num(o.osd_in_since))})`;
  if (num(o.num_remapped_pgs) > 0) s += `; ${num(o.num_remapped_pgs)} remapped pgs`;
  return `    osd: ${s}`;
}

function pgLines(p: Json): string[] {
  const pad = ' '.repeat(13);
  const total = num(p.num_pgs);
  const states = arr(p.pgs_by_state)
    .map((x) => ({ name: str(obj(x).state_name), count: num(obj(x).count) }))
    .filter((x) => x.name)
    .sort((a, b) => b.count - a.count);
  const items: string[] = [];
  const unknown = states.find((s) => s.name === 'unknown')?.count ?? 0;
  if (total > 0 && unknown > 0) items.push(`${((unknown / total) * 100).toFixed(3)}% pgs unknown`);
  for (const s of states) items.push(`${s.count} ${s.name}`);
  if (!items.length) return ['    pgs:     '];
  return items.map((t, i) => (i === 0 ? `    pgs:     ${t}` : pad + t));
}

function ioLines(p: Json): string[] {
  const parts: string[] = [];
  if ('read_bytes_sec' in p) parts.push(`${byteU(num(p.read_bytes_sec))}/s rd`);
  if ('write_bytes_sec' in p) parts.push(`${byteU(num(p.write_bytes_sec))}/s wr`);
  if ('read_op_per_sec' in p) parts.push(`${siU(num(p.read_op_per_sec))} op/s rd`);
  if ('write_op_per_sec' in p) parts.push(`${siU(num(p.write_op_per_sec))} op/s wr`);
  return parts.length ? [' ', '  io:', `    client:   ${parts.join(', ')}`] : [];
}

/** Render the status JSON (already parsed) like `ceph -s`. Ends with a newline. */
export function renderStatus(status: unknown, extras: StatusExtras = {}): string {
  const s = obj(status);
  const nowSec = extras.nowSec ?? Date.now() / 1000;
  const lines: string[] = ['  cluster:', `    id:     ${str(s.fsid)}`, ...healthLines(obj(s.health)), ' ', '  services:'];

  const monmap = obj(s.monmap);
  const quorum = arr(s.quorum_names).map(str);
  const numMons = num(monmap.num_mons) || extras.monNames?.length || quorum.length;
  let mon = `    mon: ${numMons} daemons, quorum ${[...quorum].sort(byteOrder).join(',')} (age ${timespanStr(num(s.quorum_age))})`;
  if (quorum.length !== numMons && extras.monNames) {
    const out = extras.monNames.filter((n) => !quorum.includes(n));
    if (out.length) mon += `, out of quorum: ${out.join(', ')}`;
  }
  lines.push(mon);

  const mgr = obj(s.mgrmap);
  const standbys = num(mgr.num_standbys);
  let mgrLine: string;
  if (mgr.available === true || extras.mgrActiveName) mgrLine = `${extras.mgrActiveName ?? 'active'}(active)`;
  else mgrLine = 'no daemons active';
  if (standbys > 0) mgrLine += `, standbys: ${standbys}`;
  lines.push(`    mgr: ${mgrLine}`);

  const fs = obj(s.fsmap);
  const ranks = arr(fs.by_rank);
  if (ranks.length) {
    const up = ranks.filter((r) => str(obj(r).status).startsWith('up:')).length;
    const standby = num(fs['up:standby']);
    lines.push(`    mds: ${up}/${ranks.length} daemons up${standby ? `, ${standby} standby` : ''}`);
  }
  lines.push(osdLine(obj(s.osdmap), nowSec));

  const p = obj(s.pgmap);
  lines.push(
    ' ',
    '  data:',
    `    pools:   ${num(p.num_pools)} pools, ${num(p.num_pgs)} pgs`,
    `    objects: ${siU(num(p.num_objects))} objects, ${byteU(num(p.data_bytes))}`,
    `    usage:   ${byteU(num(p.bytes_used))} used, ${byteU(num(p.bytes_avail))} / ${byteU(num(p.bytes_total))} avail`,
    ...pgLines(p),
    ...ioLines(p),
    ' ',
  );
  return lines.join('\n') + '\n';
}
