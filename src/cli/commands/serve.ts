/**
 * `ceph-msgr serve`: a counting server. It binds the given addresses as the given entity (e.g.
 * mon.b), applies Ceph's default policies for that entity type (a mon: lossless_peer_reuse
 * towards mons, stateless_server towards everyone else), accepts every peer with the auth
 * methods/modes the config allows, lets the messenger ack every message, counts and decodes them,
 * and at the end prints one JSON line of counters (see src/server/peer-server.ts).
 */
import { randomBytes } from 'node:crypto';
import { AddrType, formatAddrVec, parseAddrVec } from '../../encoding/types/entity-addr.ts';
import { EntityType, entityTypeName, formatEntityName } from '../../encoding/types/entity-name.ts';
import { toMsgrConfig } from '../../config/config.ts';
import { nodeConfigIO } from '../../config/load.ts';
import { parseModes } from '../../core/config.ts';
import { cephDefaultPolicies } from '../../core/session/policy.ts';
import '../../core/msgr1/index.ts'; // registers msgr1 (ProtocolV1): v1 listeners
import { Messenger } from '../../node/messenger.ts';
import { serverAuthFromConfig } from '../../server/auth.ts';
import { PeerServer, type PeerServerSummary } from '../../server/peer-server.ts';
import type { CliIO, Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { COMMON_USAGE, parseOrHelp } from '../options.ts';
import { startObservability } from '../../admin/open.ts';
import { cliLogSink } from '../session.ts';

const USAGE = `usage: ceph-msgr serve -n TYPE.ID --bind ADDRS [-k KEYRING] [--ms-mode crc|secure|"secure crc"]
                       [--nonce N] [--duration SECS] [--json] [--OPTION VALUE …]

Accept connections as entity TYPE.ID (e.g. mon.b) on ADDRS (e.g. 'v2:127.0.0.1:3300',
'v1:127.0.0.1:6789' or '[v2:…,v1:…]'; port 0 searches ms_bind_port_min..max), with Ceph's
default policies for that entity type (a mon: lossless_peer_reuse towards mons, stateless_server
towards the rest). Every message is acked by the messenger, counted, and decoded when its type
is known (MMonProbe: sender name, fsid, op). When SECS are over, or on SIGINT/SIGTERM, print one
JSON line of counters (after a human summary unless --json) and exit 0.

  --bind ADDRS      addresses to listen on (required)
  --nonce N         the nonce of our addresses (default 0 for mons, as in a monmap; random else)
  --duration SECS   stop after SECS seconds (default: run until SIGINT/SIGTERM)
  --json            print only the JSON line
  --ms-mode MODES   connection modes we allow: crc, secure, "secure crc" (sets
                    ms_mon_cluster_mode, ms_mon_service_mode, ms_cluster_mode, ms_service_mode)
  -k KEYRING        cephx: the keyring with the [TYPE.] key of our type (mon. for mons), used to
                    verify the peers' authorizers. Methods come from auth_cluster_required (mon
                    peers of a mon; daemons of a daemon) and auth_service_required (the rest).
                    With no keyring and those options at their defaults, auth none is accepted.
  --ms-inject-socket-failures N   fail ~1 in N socket reads/writes (any Ceph option works
                    likewise: --debug-ms 5, --ms_inject_seed=7, --auth-cluster-required none)

The JSON line: {"accepted","ready","messages","by_type","reconnects","resets","duplicates","gaps",…}
  accepted    TCP connections accepted (every socket, also those merged into an existing session
              or dying in the handshake)
  ready       handshakes completed on our side (accept events: msgr2 SERVER_IDENT or
              SESSION_RECONNECT_OK sent, msgr1 READY/SEQ sent) = sessions + reconnects + retries
  messages    messages received and dispatched; by_type: the same per message type id
  reconnects  handshakes that resumed an existing session with its sequence numbers: msgr2
              SESSION_RECONNECT (same cookies) → SESSION_RECONNECT_OK, msgr1 connect with
              connect_seq > 0 accepted on the existing session
  (retries    msgr2 SERVER_IDENTs sent again because the peer never got the first one and sent
              CLIENT_IDENT again with the same client cookie: same session, not a reconnect)
  resets      sessions that ended for good: remote resets (the peer restarted or reset the
              session, ms_handle_remote_reset) + local resets (ms_handle_reset) of accepted peers
  duplicates  messages received twice within one session: dispatched with a seq not above the
              session's last (dispatch_duplicates) + resent ones the messenger dropped
              (wire_duplicates)
  gaps        jumps in a session's seqs (seq > last + 1, one per jump); a session's first
              message must be seq 1
  extra keys: sessions, retries, remote_resets, local_resets, dispatch_duplicates, wire_duplicates,
              wire_skipped, faults, decode_errors, injected_socket_failures, auth (completed
              handshakes by protocol/method/mode), probes (MMonProbe senders: name, fsid, ops)

${COMMON_USAGE}`;

const FLAGS = { '--bind': true, '--duration': true, '--json': false, '--nonce': true } as const;
const SERVER_MODE_OPTIONS = ['ms_mon_cluster_mode', 'ms_mon_service_mode', 'ms_cluster_mode', 'ms_service_mode'] as const;

/** `--ms-mode V` means the modes we allow (not ms_mon_client_mode as for client commands). */
function rewriteMsMode(args: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') {
      out.push(...args.slice(i));
      break;
    }
    const m = /^--ms[-_]mode(?:=(.*))?$/.exec(a);
    if (!m) {
      out.push(a);
      continue;
    }
    let v = m[1];
    if (v === undefined) {
      v = args[++i];
      if (v === undefined) throw new UsageError(`option ${a} needs a value`);
    }
    if (!parseModes(v).length || v.split(/[\s,;]+/).filter(Boolean).some((w) => w !== 'crc' && w !== 'secure')) {
      throw new UsageError(`bad --ms-mode '${v}' (expected crc, secure or "secure crc")`);
    }
    for (const o of SERVER_MODE_OPTIONS) out.push(`--${o}=${v}`);
  }
  return out;
}

function parseNumber(flag: string, v: string, min: number): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min) throw new UsageError(`bad ${flag} '${v}'`);
  return n;
}

/** Wait `ms` (Infinity: forever) or until the signal aborts. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
    function done(): void {
      if (t) clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

function humanSummary(s: PeerServerSummary, secs: number): string {
  const types = Object.entries(s.by_type).map(([t, n]) => `${t}×${n}`).join(' ') || '-';
  const lines = [
    `served ${secs.toFixed(1)} s: ${s.accepted} sockets accepted, ${s.ready} handshakes completed (${s.sessions} sessions, ${s.reconnects} reconnects, ${s.retries} retries), ${s.resets} resets`,
    `messages: ${s.messages} (by type: ${types}), duplicates ${s.duplicates} (dispatched ${s.dispatch_duplicates}, dropped ${s.wire_duplicates}), gaps ${s.gaps}`,
    `faults: ${s.faults} (injected socket failures ${s.injected_socket_failures}), decode errors ${s.decode_errors}`,
  ];
  lines.push(`handshakes: ${Object.entries(s.auth).map(([k, n]) => `${k}×${n}`).join(', ') || '-'}`);
  for (const p of s.probes) {
    lines.push(`MMonProbe from mon.${p.name} fsid ${p.fsid}: ${Object.entries(p.ops).map(([op, n]) => `${op}×${n}`).join(' ')}`);
  }
  return lines.join('\n') + '\n';
}

export const serveCommand: Command = {
  name: 'serve',
  summary: 'accept connections as a daemon (e.g. mon.b) and count what peers send',
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    const o = parseOrHelp(rewriteMsMode(args), io, FLAGS, USAGE);
    if (!o) return 0;
    if (o.positional.length) throw new UsageError(`serve takes no arguments (got '${o.positional[0]}')`);
    const bindArg = o.flags.get('--bind');
    if (typeof bindArg !== 'string') throw new UsageError('serve needs --bind ADDRS');
    let want;
    try {
      want = parseAddrVec(bindArg, AddrType.MSGR2);
    } catch (e) {
      throw new UsageError(`bad --bind '${bindArg}': ${(e as Error).message}`);
    }
    const durArg = o.flags.get('--duration');
    const durationMs = typeof durArg === 'string' ? parseNumber('--duration', durArg, 0) * 1000 : Infinity;
    const json = o.flags.get('--json') === true || o.format === 'json' || o.format === 'json-pretty';
    const cfg = o.config;
    const me = cfg.entity;
    const nonceArg = o.flags.get('--nonce');
    const nonce = typeof nonceArg === 'string' ? parseNumber('--nonce', nonceArg, 0) >>> 0 : me.type === EntityType.MON ? 0 : undefined;
    if (me.type === EntityType.CLIENT) throw new UsageError(`serve needs a daemon name (-n mon.b, osd.0, …), not ${formatEntityName(me)}`);

    const readFile = (p: string): string | undefined => (io.configIO ?? nodeConfigIO).readFile(p);
    let lastGlobalId = 4096n;
    const auth = serverAuthFromConfig(cfg, {
      readFile,
      random: (n) => randomBytes(n),
      now: () => Date.now(),
      nextGlobalId: () => ++lastGlobalId,
      warn: (line) => io.err(`serve: ${line}\n`),
    });
    const log = cliLogSink(cfg, io);
    const ms = Messenger.create({
      name: me,
      logicalName: 'public',
      ...(nonce !== undefined ? { nonce } : {}),
      config: toMsgrConfig(cfg),
      policies: cephDefaultPolicies(me.type),
      authServer: auth.server,
      ...(log ? { log } : {}),
    });
    const server = new PeerServer(ms, {
      onDecodeError: (msg, conn, e) => io.err(`serve: cannot decode ${msg} from ${conn}: ${(e as Error).message}\n`),
    });
    const t0 = Date.now();
    let addrs;
    try {
      addrs = await ms.bind(want);
      await ms.start();
    } catch (e) {
      await ms.shutdown();
      throw e;
    }
    const peerTypes = me.type === EntityType.MON ? [EntityType.MON, EntityType.CLIENT] : [EntityType.OSD, EntityType.CLIENT];
    io.err(
      `serve: ${formatEntityName(me)} listening on ${formatAddrVec(addrs)}; auth ${peerTypes
        .map((t) => `${entityTypeName(t)}s: ${auth.describe(t)}`)
        .join('; ')}${auth.keyringPath ? ` (keyring ${auth.keyringPath})` : ''}\n`,
    );
    const obs = await startObservability([ms], cfg); // --admin-socket PATH, --metrics-port N
    try {
      await sleep(durationMs, io.signal);
    } finally {
      await obs.close();
      await ms.shutdown();
    }
    const secs = (Date.now() - t0) / 1000;
    const s = server.summary();
    if (!json) io.out(humanSummary(s, secs));
    io.out(JSON.stringify(s) + '\n');
    return 0;
  },
};
