/**
 * Ceph's human units, as `ceph -s` prints them (include/types.h, common/ceph_time.cc):
 *  - byte_u_t: 0 B, 2.8 KiB, 47 MiB, 1.5 TiB (powers of 1024, at most 7 characters with the unit)
 *  - si_u_t:   0, 950, 19.41k, 1.2M (powers of 1000)
 *  - timespan_str: 1s … 119s, 2m … 119m, 2h … 47h, 2d … 13d, 2w … 11w, then months and years
 */

function formatU(v: number, n: number, index: number, mult: number, unit: string): string {
  if (index === 0 || v % mult === 0) return `${n}${unit}`;
  let s = '';
  for (let digits = 2; digits >= 0; digits--) {
    s = `${(v / mult).toFixed(digits)}${unit}`;
    if (s.length <= 7) break;
  }
  return s;
}

const BYTE_UNITS = [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB', ' EiB'];
const SI_UNITS = ['', 'k', 'M', 'G', 'T', 'P', 'E'];

export function byteU(v: number): string {
  let n = Math.max(0, Math.floor(v));
  let index = 0;
  while (n >= 1024 && index < BYTE_UNITS.length - 1) {
    n = Math.floor(n / 1024);
    index++;
  }
  return formatU(Math.max(0, Math.floor(v)), n, index, 2 ** (10 * index), BYTE_UNITS[index]!);
}

export function siU(v: number): string {
  let n = Math.max(0, Math.floor(v));
  let index = 0;
  let mult = 1;
  while (n >= 1000 && index < SI_UNITS.length - 1) {
    n = Math.floor(n / 1000);
    index++;
    mult *= 1000;
  }
  return formatU(Math.max(0, Math.floor(v)), n, index, mult, SI_UNITS[index]!);
}

/** Ceph's timespan_str for a duration in seconds. */
export function timespanStr(seconds: number): string {
  const s = Math.max(0, seconds);
  if (s < 2) return `${Number(s.toPrecision(6))}s`;
  const sec = Math.floor(s);
  if (sec < 120) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 120) return `${min}m`;
  const hr = Math.floor(min / 60);
  if (hr < 48) return `${hr}h`;
  const day = Math.floor(hr / 24);
  if (day < 14) return `${day}d`;
  const wk = Math.floor(day / 7);
  if (wk < 12) return `${wk}w`;
  const mn = Math.floor(day / 30);
  if (mn < 24) return `${mn}M`;
  return `${Math.floor(day / 365)}y`;
}
