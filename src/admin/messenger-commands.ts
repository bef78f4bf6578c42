/**
 * The admin-socket commands of a ceph-msgr process, over its messengers and its config (the
 * option table's values, src/config):
 *
 *   perf dump [logger] [counter]   perf schema          (src/metrics: per-messenger sections)
 *   config show / get VAR / set VAR VAL… / diff / help [VAR]
 *   version / git_version / help / get_command_descriptions (the last two from the server)
 *   log flush / log reopen
 *   messenger status                every messenger: addresses, policies, connections with peer,
 *                                   state, seqs, cookies, queue lengths, policy and counters
 *
 * `config set` checks the value against the option table, stores it in the config and applies
 * it to every messenger (Messenger.setConfig), answering Ceph's {"success": "var = 'val' "}.
 */
import { formatAddr, formatAddrVec } from '../encoding/types/entity-addr.ts';
import { entityTypeName, formatEntityName, formatEntityNameT } from '../encoding/types/entity-name.ts';
import type { CephConfig } from '../config/config.ts';
import { findOption, OPTIONS, optionNames, type OptionName, type OptionValue } from '../config/options.ts';
import { formatOptionValue } from '../config/values.ts';
import { isMsgrError } from '../errors.ts';
import { mergeFaultSections } from '../metrics/messenger-perf.ts';
import { sectionsOf } from '../metrics/http.ts';
import { perfDump, perfSchema } from '../metrics/perf-counters.ts';
import { NodeLogSink } from '../node/log-sink.ts';
import type { Messenger } from '../node/messenger.ts';
import { checkOption, normalizeDebug } from '../node/runtime-config.ts';
import { argString } from './commands.ts';
import { EINVAL, ENOENT, type AdminSocket } from './server.ts';

/** The ceph-msgr version reported by `version` (and the Ceph release it speaks). */
export const CEPH_MSGR_VERSION = '0.1.0';

function show(v: OptionValue, name: string): string {
  const s = formatOptionValue(v);
  return name === 'debug_ms' ? normalizeDebug(s) : s;
}

/** One messenger for `messenger status`. */
export function messengerStatus(m: Messenger): Record<string, unknown> {
  const core = m.core;
  return {
    name: m.logicalName,
    entity: formatEntityName(m.entity),
    state: m.state,
    addrs: formatAddrVec(m.myAddrs),
    nonce: m.nonce,
    policies: Object.fromEntries(core.policies.entries().map(([t, p]) => [t, p.name])),
    resources: m.resources(),
    connections: [...core.all.values()].map((c) => {
      const s = c.session;
      return {
        id: c.id,
        role: c.role,
        protocol: `msgr${c.proto.version}`,
        state: c.proto.stateName,
        peer: formatEntityNameT(c.peerName),
        peer_type: c.peerType < 0 ? 'unknown' : entityTypeName(c.peerType),
        peer_addrs: formatAddrVec(c.peerAddrs),
        target_addr: c.targetAddr ? formatAddr(c.targetAddr) : null,
        policy: c.policy.name,
        lossy: c.policy.lossy,
        anon: c.anon,
        dead: c.dead,
        out_seq: s.outSeq.toString(),
        in_seq: s.inSeq.toString(),
        connect_seq: s.connectSeq.toString(),
        global_seq: s.globalSeq.toString(),
        peer_global_seq: s.peerGlobalSeq.toString(),
        client_cookie: `0x${s.clientCookie.toString(16)}`,
        server_cookie: `0x${s.serverCookie.toString(16)}`,
        features: `0x${s.features.toString(16)}`,
        queue: { messages: s.queue.count, bytes: s.queue.bytes, unacked: s.sent.size, unacked_bytes: s.sentBytes },
        stats: { ...c.stats },
      };
    }),
  };
}

export interface MessengerCommandsOptions {
  messengers: () => readonly Messenger[];
  config: CephConfig;
}

/** Register the commands above on an admin socket. */
export function registerMessengerCommands(sock: AdminSocket, o: MessengerCommandsOptions): void {
  const cfg = o.config;
  const dump = (logger?: string, counter?: string) => perfDump(mergeFaultSections(sectionsOf(o.messengers())), logger, counter);
  sock.register('perf dump name=logger,type=CephString,req=false name=counter,type=CephString,req=false', 'dump perfcounters value', (c) => ({
    r: 0,
    out: dump(argString(c.logger), argString(c.counter)),
  }));
  sock.register('perfcounters_dump', '', () => ({ r: 0, out: dump() }));
  sock.register('1', '', () => ({ r: 0, out: dump() }));
  sock.register('perf schema', 'dump perfcounters schema', () => ({ r: 0, out: perfSchema(mergeFaultSections(sectionsOf(o.messengers()))) }));
  sock.register('perfcounters_schema', '', () => ({ r: 0, out: perfSchema(mergeFaultSections(sectionsOf(o.messengers()))) }));
  sock.register('2', '', () => ({ r: 0, out: perfSchema(mergeFaultSections(sectionsOf(o.messengers()))) }));
  sock.register('version', 'get ceph version', () => ({
    r: 0,
    out: { version: `ceph-msgr ${CEPH_MSGR_VERSION} (msgr2/msgr1, Ceph 16.2 wire)`, release: 'pacific', release_type: 'stable' },
  }));
  sock.register('git_version', 'get git sha1', () => ({ r: 0, out: { git_version: CEPH_MSGR_VERSION } }));
  sock.register('config show', 'dump current config settings', () => ({
    r: 0,
    out: Object.fromEntries(optionNames().map((n) => [n, show(cfg.get(n), n)])),
  }));
  sock.register('config get name=var,type=CephString', 'config get <field>: get the config value', (c) => {
    const v = argString(c.var) ?? '';
    const found = findOption(v);
    if (!found) return { r: ENOENT, err: `error getting '${v}': (2) No such file or directory` };
    return { r: 0, out: { [found.name]: show(cfg.get(found.name), found.name) } };
  });
  sock.register('config set name=var,type=CephString name=val,type=CephString,n=N', 'config set <field> <val> [<val> ...]: set a config variable', (c) => {
    const v = argString(c.var) ?? '';
    const val = argString(c.val) ?? '';
    try {
      const checked = checkOption(v, val);
      cfg.set(checked.name, checked.value);
      let note = `${checked.name} = '${formatOptionValue(checked.value)}' (not observed, change may require restart) `;
      for (const m of o.messengers()) note = m.setConfig(checked.name, checked.value).note;
      return { r: 0, out: { success: note } };
    } catch (e) {
      return { r: EINVAL, err: `error setting '${v}' to '${val}': (22) Invalid argument${isMsgrError(e) ? `: ${e.message}` : ''}` };
    }
  });
  sock.register('config diff', 'dump diff of current config and default config', () => {
    const diff: Record<string, Record<string, string>> = {};
    for (const e of cfg.diff()) {
      diff[e.name] = { default: show(e.default, e.name), [e.source === 'command line' ? 'cmdline' : e.source]: show(e.value, e.name), final: show(e.value, e.name) };
    }
    return { r: 0, out: { diff } };
  });
  sock.register('config help name=var,type=CephString,req=false', 'get config setting schema and descriptions', (c) => {
    const v = argString(c.var);
    const schema = (n: OptionName) => {
      const d = OPTIONS[n];
      return { name: n, type: d.type, level: 'advanced', desc: d.desc, default: d.default, can_update_at_runtime: !('early' in d && d.early) };
    };
    if (v === undefined) return { r: 0, out: { options: optionNames().map(schema) } };
    const found = findOption(v);
    if (!found) return { r: ENOENT, err: `Setting not found: '${v}'` };
    return { r: 0, out: schema(found.name) };
  });
  sock.register('log flush', 'flush log entries to log file', () => ({ r: 0, out: {} }));
  sock.register('log reopen', 'reopen log file', () => {
    for (const m of o.messengers()) if (m.core.log instanceof NodeLogSink) m.core.log.reopen();
    return { r: 0, out: {} };
  });
  sock.register('messenger status', 'messengers: addresses, policies, connections (peer, state, seqs, queues, policy)', () => ({
    r: 0,
    out: { messengers: o.messengers().map(messengerStatus) },
  }));
}
