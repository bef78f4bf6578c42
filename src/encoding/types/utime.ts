/** utime_t / ceph_timespec: le32 seconds + le32 nanoseconds. */
import type { Reader } from '../reader.ts';
import type { Writer } from '../writer.ts';

export interface UTime {
  readonly sec: number;
  readonly nsec: number;
}

export const ZERO_UTIME: UTime = Object.freeze({ sec: 0, nsec: 0 });

export function encodeUTime(w: Writer, t: UTime): void {
  w.u32(t.sec).u32(t.nsec);
}
export function decodeUTime(r: Reader): UTime {
  const sec = r.u32();
  const nsec = r.u32();
  return { sec, nsec };
}
/** From milliseconds since the epoch (the caller supplies the clock). */
export function utimeFromMs(ms: number): UTime {
  const sec = Math.floor(ms / 1000);
  return { sec: sec >>> 0, nsec: Math.round((ms - sec * 1000) * 1e6) >>> 0 };
}
export function utimeToMs(t: UTime): number {
  return t.sec * 1000 + t.nsec / 1e6;
}
export function formatUTime(t: UTime): string {
  return `${t.sec}.${String(t.nsec).padStart(9, '0')}`;
}
