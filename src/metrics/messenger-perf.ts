/**
 * A Messenger's perf counters: what Ceph's AsyncMessenger keeps (msgr_recv_messages,
 * msgr_send_messages, msgr_recv_bytes, msgr_send_bytes, msgr_created_connections,
 * msgr_active_connections, msgr_running_{total,send,recv,fast_dispatch}_time, and the later
 * msgr_connection_{ready,idle}_timeouts) plus ceph-msgr's own: handshake failures, reconnects,
 * resets, remote resets, faults (total and by error code), keepalives, duplicates, dispatch queue
 * length and latency, throttle waits, dropped messages.
 *
 * Sections (perf dump): `msgr-<logicalName>`, `msgr-<logicalName>-faults` (one counter per
 * error code seen) and `throttle-msgr_dispatch_throttler-<logicalName>` (Ceph's throttle section
 * name). Per-connection counters come from the live connections plus the sums the core keeps of
 * reaped ones; events and times are counted by the shell in `ShellCounters`.
 */
import { formatEntityName, type EntityName } from '../encoding/types/entity-name.ts';
import type { MessengerCore } from '../core/messenger-core.ts';
import type { MsgrEvent } from '../core/events.ts';
import type { CounterDef, PerfSection, Sample } from './perf-counters.ts';

/** Counted by the Node shell (events it handles, time it spends). Times in ms. */
export class ShellCounters {
  runningMs = 0;
  sendMs = 0;
  recvMs = 0;
  dispatchMs = 0;
  dispatchLatency = { count: 0, sumMs: 0 };
  connects = 0;
  accepts = 0;
  resets = 0;
  remoteResets = 0;
  remoteResetDiscarded = 0;
  refused = 0;
  handshakeFailures = 0;
  readonly faultsByCode = new Map<string, number>();

  onEvent(ev: MsgrEvent): void {
    switch (ev.kind) {
      case 'connect':
        this.connects++;
        return;
      case 'accept':
        this.accepts++;
        return;
      case 'reset':
        this.resets++;
        return;
      case 'remote-reset':
        this.remoteResets++;
        this.remoteResetDiscarded += ev.discarded;
        return;
      case 'refused':
        this.refused++;
        if (ev.final) this.handshakeFailures++;
        return;
      case 'fault':
        this.faultsByCode.set(ev.error.code, (this.faultsByCode.get(ev.error.code) ?? 0) + 1);
        if (ev.state !== 'READY' && ev.state !== 'STANDBY' && ev.state !== 'OPENED') this.handshakeFailures++;
        return;
      default:
        return;
    }
  }
}

/** What the counters are read from (the public Messenger satisfies it). */
export interface PerfSource {
  readonly core: MessengerCore;
  readonly logicalName: string;
  readonly entity: EntityName;
  readonly dropped: number;
  readonly shellCounters: ShellCounters;
  resources(): { dispatchQueue: number };
}

const d = (name: string, kind: CounterDef['kind'], desc: string, unit?: 'bytes'): CounterDef => ({ name, kind, desc, ...(unit ? { unit } : {}) });

export const MSGR_COUNTERS = {
  recv_messages: d('msgr_recv_messages', 'u64_counter', 'Network received messages'),
  send_messages: d('msgr_send_messages', 'u64_counter', 'Network sent messages'),
  recv_bytes: d('msgr_recv_bytes', 'u64_counter', 'Network received bytes', 'bytes'),
  send_bytes: d('msgr_send_bytes', 'u64_counter', 'Network sent bytes', 'bytes'),
  created_connections: d('msgr_created_connections', 'u64_counter', 'Created connection number'),
  active_connections: d('msgr_active_connections', 'u64', 'Active connection number'),
  connections: d('msgr_connections', 'u64', 'Connections not yet reaped (any state)'),
  running_total_time: d('msgr_running_total_time', 'time', 'The total time of thread running'),
  running_send_time: d('msgr_running_send_time', 'time', 'The total time of message sending'),
  running_recv_time: d('msgr_running_recv_time', 'time', 'The total time of message receiving'),
  running_fast_dispatch_time: d('msgr_running_fast_dispatch_time', 'time', 'The total time of dispatching'),
  ready_timeouts: d('msgr_connection_ready_timeouts', 'u64_counter', 'Connections not ready within ms_connection_ready_timeout'),
  idle_timeouts: d('msgr_connection_idle_timeouts', 'u64_counter', 'Connections idle for ms_connection_idle_timeout'),
  handshake_failures: d('msgr_handshake_failures', 'u64_counter', 'Handshakes that failed (fault before READY, or refused for good)'),
  reconnects: d('msgr_reconnects', 'u64_counter', 'Sessions resumed on a new socket (SESSION_RECONNECT / msgr1 connect_seq > 0)'),
  resets: d('msgr_resets', 'u64_counter', 'Sessions reset locally (ms_handle_reset)'),
  remote_resets: d('msgr_remote_resets', 'u64_counter', 'Sessions reset by the peer (ms_handle_remote_reset)'),
  faults: d('msgr_faults', 'u64_counter', 'Connection faults (any cause)'),
  keepalives_sent: d('msgr_keepalives_sent', 'u64_counter', 'KEEPALIVE2 sent'),
  duplicates: d('msgr_duplicate_messages', 'u64_counter', 'Received messages dropped as already seen (old seq)'),
  dispatch_queue_len: d('msgr_dispatch_queue_len', 'u64', 'Messages waiting for (or in) dispatch'),
  dispatch_latency: d('msgr_dispatch_latency', 'time_avg', 'Time from arrival to the end of dispatch'),
  throttle_waits: d('msgr_throttle_waits', 'u64_counter', 'Reads paused for throttle units (dispatch and policy throttles)'),
  dropped_messages: d('msgr_dropped_messages', 'u64_counter', 'Messages dropped: sent on closed connections, discarded by the reaper or by a session reset'),
} as const;

const THROTTLE = {
  val: d('val', 'u64', 'Currently taken slots'),
  max: d('max', 'u64', 'Max value for throttle'),
  get_or_fail_fail: d('get_or_fail_fail', 'u64_counter', 'Failed get_or_fail (a reader had to wait)'),
};

/** The perf sections of one messenger. `name` overrides the logical name in section names. */
export function messengerSections(m: PerfSource, name = m.logicalName): PerfSection[] {
  const core = m.core;
  const sum = (k: keyof MessengerCore['localConn']['stats']): number => {
    let n = core.retiredStats[k] ?? 0;
    for (const c of core.all.values()) n += c.stats[k];
    return n;
  };
  let active = 0;
  for (const c of core.all.values()) if (c.proto.isReady) active++;
  const sh = m.shellCounters;
  const code = (c: string): number => sh.faultsByCode.get(c) ?? 0;
  const throttles = core.throttleList();
  const C = MSGR_COUNTERS;
  const v = (def: CounterDef, value: Sample['value']): Sample => ({ def, value });
  const labels = { messenger: name, entity: formatEntityName(m.entity) };
  const main: Sample[] = [
    v(C.recv_messages, sum('msgsIn')),
    v(C.send_messages, sum('msgsOut')),
    v(C.recv_bytes, sum('bytesIn')),
    v(C.send_bytes, sum('bytesOut')),
    v(C.created_connections, core.counters.connects + core.counters.accepted),
    v(C.active_connections, active),
    v(C.connections, core.all.size),
    v(C.running_total_time, sh.runningMs / 1000),
    v(C.running_send_time, sh.sendMs / 1000),
    v(C.running_recv_time, sh.recvMs / 1000),
    v(C.running_fast_dispatch_time, sh.dispatchMs / 1000),
    v(C.ready_timeouts, code('ERR_HANDSHAKE_TIMEOUT')),
    v(C.idle_timeouts, code('ERR_IDLE_TIMEOUT')),
    v(C.handshake_failures, sh.handshakeFailures),
    v(C.reconnects, sum('reconnects') + sum('reconnectsRead')),
    v(C.resets, sh.resets),
    v(C.remote_resets, sh.remoteResets),
    v(C.faults, sum('faults')),
    v(C.keepalives_sent, sum('keepalivesSent')),
    v(C.duplicates, sum('duplicates')),
    v(C.dispatch_queue_len, m.resources().dispatchQueue),
    v(C.dispatch_latency, { avgcount: sh.dispatchLatency.count, sum: sh.dispatchLatency.sumMs / 1000 }),
    v(C.throttle_waits, throttles.reduce((n, t) => n + t.waits, 0)),
    v(C.dropped_messages, m.dropped + core.counters.discarded + sh.remoteResetDiscarded),
  ];
  const faults: Sample[] = [...sh.faultsByCode.keys()].sort().map((k) => v(d(k, 'u64_counter', `Faults with error ${k}`), code(k)));
  const dt = core.dispatchThrottle;
  return [
    { name: `msgr-${name}`, promPrefix: 'ceph_', labels, samples: main },
    // one family for every code: ceph_msgr_faults_by_code_total{code="…"}
    ...faults.map((s) => ({
      name: `msgr-${name}-faults`,
      promPrefix: 'ceph_',
      labels: { ...labels, code: s.def.name },
      samples: [{ def: d('msgr_faults_by_code', 'u64_counter', 'Connection faults by error code'), value: s.value }],
    })),
    {
      name: `throttle-msgr_dispatch_throttler-${name}`,
      promPrefix: 'ceph_throttle_',
      labels: { ...labels, throttle: 'msgr_dispatch_throttler' },
      samples: [v(THROTTLE.val, dt.current), v(THROTTLE.max, dt.max), v(THROTTLE.get_or_fail_fail, dt.waits)],
    },
  ];
}

/** perf dump sections: the fault sections merged back into one section per messenger. */
export function mergeFaultSections(sections: readonly PerfSection[]): PerfSection[] {
  const out: PerfSection[] = [];
  for (const s of sections) {
    const prev = out.find((x) => x.name === s.name);
    if (prev && s.name.endsWith('-faults')) {
      (prev.samples as Sample[]).push(...s.samples.map((x) => ({ def: { ...x.def, name: s.labels.code ?? x.def.name }, value: x.value })));
    } else if (s.name.endsWith('-faults')) {
      out.push({ ...s, samples: s.samples.map((x) => ({ def: { ...x.def, name: s.labels.code ?? x.def.name }, value: x.value })) });
    } else out.push(s);
  }
  return out;
}
