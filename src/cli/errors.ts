/**
 * How the CLI reports failures: one line on stderr, `ceph-msgr <command>: <what went wrong>
 * [<ERR_CODE>]`, and an errno-style exit status (Ceph's CLI also exits with the errno):
 *
 *   0 success · 1 other failure · 2 usage (unknown command/option, bad arguments)
 *   13 EACCES auth refused / keyring problem · 22 EINVAL bad configuration
 *   95 EOPNOTSUPP no auth method or connection mode the cluster accepts
 *   110 ETIMEDOUT timed out · 111 ECONNREFUSED no mon reachable · 130 interrupted
 *   a mon command that fails: its errno (-r), like `ceph`
 */
import { isMsgrError, type MsgrError } from '../errors.ts';

/** A usage error (exit 2). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** A mon command that returned r < 0. */
export class MonCommandFailed extends Error {
  constructor(
    readonly r: number,
    readonly rs: string,
  ) {
    super(`Error ${errnoName(-r)}: ${rs || `(errno ${r})`}`);
    this.name = 'MonCommandFailed';
  }
}

const ERRNO_NAMES: Record<number, string> = {
  1: 'EPERM', 2: 'ENOENT', 5: 'EIO', 11: 'EAGAIN', 12: 'ENOMEM', 13: 'EACCES', 16: 'EBUSY', 17: 'EEXIST',
  22: 'EINVAL', 27: 'EFBIG', 28: 'ENOSPC', 34: 'ERANGE', 95: 'EOPNOTSUPP', 110: 'ETIMEDOUT', 111: 'ECONNREFUSED', 125: 'ECANCELED',
};

export function errnoName(n: number): string {
  return ERRNO_NAMES[n] ?? `errno ${n}`;
}

export function exitCodeFor(e: unknown): number {
  if (e instanceof UsageError) return 2;
  if (e instanceof MonCommandFailed) return Math.min(255, Math.max(1, -e.r)) || 1;
  if (!isMsgrError(e)) return 1;
  switch (e.code) {
    case 'ERR_AUTH_REJECTED':
    case 'ERR_KEYRING':
    case 'ERR_AUTH_SIGNATURE':
      return 13;
    case 'ERR_AUTH_BAD_METHOD':
      return 95;
    case 'ERR_CONFIG':
    case 'ERR_INVALID_ARG':
      return 22;
    case 'ERR_TIMEOUT':
    case 'ERR_HANDSHAKE_TIMEOUT':
      return 110;
    case 'ERR_NO_MON':
      return 111;
    case 'ERR_ABORTED':
      return 130;
    default:
      return 1;
  }
}

/** A short explanation for the errors users meet most. */
function explain(e: MsgrError): string {
  const errno = e.errno !== undefined ? `, errno ${e.errno} ${errnoName(-e.errno)}` : '';
  switch (e.code) {
    case 'ERR_AUTH_REJECTED':
      return `authentication failed: ${e.message}${errno}: wrong key, unknown entity or missing caps`;
    case 'ERR_AUTH_BAD_METHOD':
      return `authentication failed: no auth method/connection mode the mon accepts (${e.message})`;
    case 'ERR_KEYRING':
      return `keyring: ${e.message}`;
    case 'ERR_CONFIG':
      return `config: ${e.message}`;
    default:
      return e.message + errno;
  }
}

/** The one stderr line for a failure (no trailing newline). */
export function errorLine(command: string, e: unknown): string {
  const prefix = command ? `ceph-msgr ${command}` : 'ceph-msgr';
  let text: string;
  if (e instanceof UsageError || e instanceof MonCommandFailed) text = e.message;
  else if (isMsgrError(e)) text = `${explain(e)} [${e.code}]`;
  else text = `internal error: ${e instanceof Error ? e.message : String(e)}`;
  return `${prefix}: ${text.replace(/\s*\n\s*/g, ' ')}`;
}
