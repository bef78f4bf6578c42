/**
 * The 18-byte prefix of every PaxosServiceMessage (MAuth, MMonCommand, MMonCommandAck, …):
 * le64 version, s16 deprecated_session_mon, le64 deprecated_session_mon_tid (wire §7.2).
 * Clients send {0, -1, 0}.
 */
import type { Reader } from '../encoding/reader.ts';
import type { Writer } from '../encoding/writer.ts';

export interface PaxosPrefix {
  /** paxos version the sender knows (0 from clients) */
  readonly version: bigint;
  /** deprecated; -1 */
  readonly sessionMon: number;
  /** deprecated; 0 */
  readonly sessionMonTid: bigint;
}

export const DEFAULT_PAXOS_PREFIX: PaxosPrefix = Object.freeze({ version: 0n, sessionMon: -1, sessionMonTid: 0n });

export const PAXOS_PREFIX_LEN = 18;

export function encodePaxosPrefix(w: Writer, p: PaxosPrefix = DEFAULT_PAXOS_PREFIX): void {
  w.u64(p.version).s16(p.sessionMon).u64(p.sessionMonTid);
}

export function decodePaxosPrefix(r: Reader): PaxosPrefix {
  const version = r.u64();
  const sessionMon = r.s16();
  const sessionMonTid = r.u64();
  return { version, sessionMon, sessionMonTid };
}
