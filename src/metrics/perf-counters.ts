/**
 * Perf counters in Ceph's model (PerfCounters): named sections of typed counters, dumped in the
 * shape of Ceph's `perf dump` / `perf schema` admin-socket commands and, for scraping, in the
 * Prometheus text exposition format (version 0.0.4).
 *
 * Counter kinds, as Ceph's perfcounter_type_d: `u64` (a gauge), `u64_counter` (monotonic), `time`
 * (seconds, monotonic) and `time_avg` (long-running average: avgcount + sum → avgtime).
 */

export type CounterKind = 'u64' | 'u64_counter' | 'time' | 'time_avg';

export interface CounterDef {
  /** Ceph-style name inside the section, e.g. 'msgr_send_messages' */
  readonly name: string;
  readonly kind: CounterKind;
  readonly desc: string;
  readonly unit?: 'bytes' | 'none';
}

export interface AvgValue {
  avgcount: number;
  /** seconds */
  sum: number;
}

export interface Sample {
  readonly def: CounterDef;
  readonly value: number | AvgValue;
}

export interface PerfSection {
  /** perf dump section name, e.g. 'msgr-cluster' */
  readonly name: string;
  /** Prometheus family prefix for its counters, e.g. 'ceph_' (+ counter name) */
  readonly promPrefix: string;
  /** Prometheus labels of every sample in the section */
  readonly labels: Readonly<Record<string, string>>;
  readonly samples: readonly Sample[];
}

/** Ceph's perfcounter_type_d bits. */
const TYPE_BITS: Record<CounterKind, number> = { u64: 2, u64_counter: 2 | 8, time: 1 | 8, time_avg: 1 | 4 };

function round9(x: number): number {
  return Math.round(x * 1e9) / 1e9;
}

function dumpValue(s: Sample): number | { avgcount: number; sum: number; avgtime: number } {
  if (typeof s.value === 'number') return s.def.kind === 'time' ? round9(s.value) : s.value;
  const { avgcount, sum } = s.value;
  return { avgcount, sum: round9(sum), avgtime: avgcount ? round9(sum / avgcount) : 0 };
}

/** `perf dump` (optionally one section / one counter, as Ceph's `perf dump [logger] [counter]`). */
export function perfDump(sections: readonly PerfSection[], logger?: string, counter?: string): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const sec of sections) {
    if (logger && sec.name !== logger) continue;
    const o: Record<string, unknown> = {};
    for (const s of sec.samples) if (!counter || s.def.name === counter) o[s.def.name] = dumpValue(s);
    out[sec.name] = o;
  }
  return out;
}

/** `perf schema`. */
export function perfSchema(sections: readonly PerfSection[]): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {};
  for (const sec of sections) {
    const o: Record<string, unknown> = {};
    for (const { def } of sec.samples) {
      o[def.name] = {
        type: TYPE_BITS[def.kind],
        metric_type: def.kind === 'u64' ? 'gauge' : 'counter',
        value_type: def.kind === 'time_avg' ? 'real-integer-pair' : def.kind === 'time' ? 'real' : 'integer',
        description: def.desc,
        nick: '',
        priority: 5,
        units: def.unit ?? 'none',
      };
    }
    out[sec.name] = o;
  }
  return out;
}

// ---------------------------------------------------------------- Prometheus text format

function escLabel(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}
function escHelp(v: string): string {
  return v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}
function labelText(l: Readonly<Record<string, string>>): string {
  const parts = Object.entries(l).map(([k, v]) => `${k}="${escLabel(v)}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}
function num(x: number): string {
  return Number.isFinite(x) ? String(x) : x > 0 ? '+Inf' : x < 0 ? '-Inf' : 'NaN';
}

/** Prometheus family name of a counter: ceph_<name>[_seconds][_total] (unit and type suffixes). */
export function promName(prefix: string, def: CounterDef): string {
  const base = `${prefix}${def.name}`.replace(/[^a-zA-Z0-9_:]/g, '_');
  const unit = def.unit === 'bytes' && !/bytes$/.test(base) ? '_bytes' : def.kind === 'time' || def.kind === 'time_avg' ? '_seconds' : '';
  return def.kind === 'u64' || def.kind === 'time_avg' ? base + unit : `${base}${unit}_total`;
}

/**
 * Every section's counters in the text exposition format: one HELP/TYPE per family (a family
 * gathers the same counter of several sections, told apart by their labels), `time_avg` as a
 * summary (_sum, _count).
 */
export function prometheusText(sections: readonly PerfSection[]): string {
  const families = new Map<string, { def: CounterDef; lines: string[] }>();
  for (const sec of sections) {
    for (const s of sec.samples) {
      const name = promName(sec.promPrefix, s.def);
      let f = families.get(name);
      if (!f) families.set(name, (f = { def: s.def, lines: [] }));
      const l = labelText(sec.labels);
      if (typeof s.value === 'number') f.lines.push(`${name}${l} ${num(s.value)}`);
      else {
        f.lines.push(`${name}_sum${l} ${num(s.value.sum)}`);
        f.lines.push(`${name}_count${l} ${num(s.value.avgcount)}`);
      }
    }
  }
  const out: string[] = [];
  for (const [name, f] of families) {
    const type = f.def.kind === 'u64' ? 'gauge' : f.def.kind === 'time_avg' ? 'summary' : 'counter';
    out.push(`# HELP ${name} ${escHelp(f.def.desc)}`, `# TYPE ${name} ${type}`, ...f.lines);
  }
  return out.join('\n') + '\n';
}
