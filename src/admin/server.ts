/**
 * An admin socket speaking Ceph's protocol (src/common/admin_socket.cc), so that Ceph's own CLI
 * works on it: `ceph --admin-daemon SOCK perf dump`.
 *
 * The wire, one request per connection on a Unix stream socket:
 *  - request: a JSON command (`{"prefix": "perf dump", "format": "json"}`) terminated by NUL or
 *    newline; or the old binary form, a NUL then a big-endian u32 version (0 = the socket's
 *    protocol version, 1 = perf dump, 2 = perf schema). As a ceph-msgr extension a plain-text
 *    command (`perf dump\n`) is accepted too, its words after the longest known prefix filling
 *    the arguments in order.
 *  - response: a big-endian u32 length, then the output (json-pretty unless the command asks for
 *    `format: json`). When a command fails, the output starts with `ERROR: (errno) text\n` and the
 *    reason (Ceph's convention: the protocol has no status field).
 * `ceph --admin-daemon` first asks `get_command_descriptions` and validates the arguments
 * against them (so `config set debug_ms 10` reaches us as {"var": "debug_ms", "val": ["10"]}).
 *
 * A stale socket file (nobody answering) is replaced; a live one is an error (EEXIST), as Ceph.
 */
import { existsSync, unlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { MsgrError } from '../errors.ts';
import { argString, commandDescriptions, parseCmdDesc, validateCmd, type CommandDesc } from './commands.ts';

export interface AdminResult {
  /** 0 or a negative errno */
  r: number;
  /** a value to render in the requested format */
  out?: unknown;
  /** raw output (used as is) */
  raw?: string;
  /** the reason of a failure */
  err?: string;
}

export type AdminHandler = (cmd: Record<string, unknown>) => AdminResult | Promise<AdminResult>;

/** What Ceph calls CEPH_ADMIN_SOCK_VERSION. */
export const ADMIN_SOCK_VERSION = '2';
const MAX_REQUEST = 64 * 1024;
const REQUEST_TIMEOUT_MS = 10_000;
const SUN_PATH_MAX = 107;

const STRERROR: Record<number, string> = { 1: 'Operation not permitted', 2: 'No such file or directory', 17: 'File exists', 22: 'Invalid argument', 38: 'Function not implemented' };
export const EINVAL = -22;
export const ENOENT = -2;

interface Entry {
  desc: CommandDesc;
  handler: AdminHandler;
}

/** Render a value as Ceph's JSON formatters do (json-pretty: 4-space indent, final newline). */
export function renderOutput(v: unknown, format: string): string {
  const replacer = (_k: string, x: unknown): unknown => (typeof x === 'bigint' ? x.toString() : x);
  return format === 'json' ? JSON.stringify(v, replacer) : JSON.stringify(v, replacer, 4) + '\n';
}

export class AdminSocket {
  private readonly entries: Entry[] = [];
  private server: Server | undefined;
  private readonly conns = new Set<Socket>();

  constructor() {
    this.register('0', '', () => ({ r: 0, raw: ADMIN_SOCK_VERSION }));
    this.register('help', 'list available commands', () => {
      const o: Record<string, string> = {};
      for (const e of [...this.entries].sort((a, b) => (a.desc.prefix < b.desc.prefix ? -1 : 1))) if (e.desc.help) o[e.desc.prefix] = e.desc.help;
      return { r: 0, out: o };
    });
    this.register('get_command_descriptions', 'list available commands', () => ({
      r: 0,
      raw: JSON.stringify(commandDescriptions(this.entries.map((e) => e.desc))),
    }));
  }

  /** Add a command: `desc` is a Ceph cmddesc ('config get name=var,type=CephString'). */
  register(desc: string, help: string, handler: AdminHandler): void {
    this.entries.push({ desc: parseCmdDesc(desc, help), handler });
  }

  get commands(): readonly CommandDesc[] {
    return this.entries.map((e) => e.desc);
  }

  /** The socket path while listening. */
  path: string | undefined;

  /** Run one request (the bytes before the terminator) and return the response payload. */
  async execute(request: string): Promise<string> {
    let cmd: Record<string, unknown>;
    const text = request.trim();
    if (text.startsWith('{')) {
      try {
        const v: unknown = JSON.parse(text);
        if (!v || typeof v !== 'object' || Array.isArray(v)) return errorText(EINVAL, 'invalid json');
        cmd = v as Record<string, unknown>;
      } catch {
        return errorText(EINVAL, 'invalid json');
      }
    } else cmd = this.fromWords(text);
    const prefix = argString(cmd.prefix);
    if (prefix === undefined) return errorText(EINVAL, 'invalid json, missing format and/or prefix');
    const format = argString(cmd.format) ?? 'json-pretty';
    const matches = this.entries.filter((e) => e.desc.prefix === prefix);
    if (!matches.length) return errorText(EINVAL, `unknown command prefix ${prefix}`);
    const entry = matches.find((e) => validateCmd(e.desc, cmd) === undefined);
    if (!entry) return errorText(EINVAL, `invalid command json: ${validateCmd(matches[0]!.desc, cmd) ?? ''}`);
    let res: AdminResult;
    try {
      res = await entry.handler(cmd);
    } catch (e) {
      res = { r: EINVAL, err: (e as Error).message };
    }
    if (res.r < 0) return errorText(res.r, res.err ?? '');
    return res.raw ?? renderOutput(res.out ?? {}, format);
  }

  /** A plain-text command: the longest registered prefix, then arguments in order. */
  private fromWords(text: string): Record<string, unknown> {
    const words = text.split(/\s+/).filter(Boolean);
    for (let n = words.length; n > 0; n--) {
      const prefix = words.slice(0, n).join(' ');
      const e = this.entries.find((x) => x.desc.prefix === prefix);
      if (!e) continue;
      const cmd: Record<string, unknown> = { prefix };
      const rest = words.slice(n);
      e.desc.args.forEach((a, i) => {
        if (i >= rest.length) return;
        cmd[a.name] = a.many ? rest.slice(i) : rest[i];
      });
      return cmd;
    }
    return { prefix: text };
  }

  /** Listen on a Unix socket path. */
  async listen(path: string): Promise<void> {
    if (Buffer.byteLength(path) > SUN_PATH_MAX) {
      throw new MsgrError('ERR_INVALID_ARG', `admin socket path ${path} is too long (max ${SUN_PATH_MAX} bytes)`);
    }
    if (existsSync(path)) {
      if (await answers(path)) throw new MsgrError('ERR_INVALID_ARG', `admin socket ${path} is in use by a running process (EEXIST)`);
      unlinkSync(path);
    }
    const server = createServer((sock) => this.serve(sock));
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) => reject(new MsgrError('ERR_INVALID_ARG', `cannot bind admin socket ${path}: ${e.code ?? e.message}`, { cause: e })));
      server.listen(path, () => resolve());
    });
    server.unref();
    this.server = server;
    this.path = path;
  }

  private serve(sock: Socket): void {
    this.conns.add(sock);
    sock.on('close', () => this.conns.delete(sock));
    sock.on('error', () => sock.destroy());
    sock.setTimeout(REQUEST_TIMEOUT_MS, () => sock.destroy());
    let buf = Buffer.alloc(0);
    let done = false;
    sock.on('data', (chunk: Buffer) => {
      if (done) return;
      buf = Buffer.concat([buf, chunk]);
      let req: string | undefined;
      if (buf[0] === 0) {
        if (buf.length < 4) return;
        const v = buf[3]!;
        req = JSON.stringify({ prefix: v === 0 ? '0' : v === 1 ? 'perf dump' : v === 2 ? 'perf schema' : 'foo' });
      } else {
        const end = buf.findIndex((b) => b === 0 || b === 0x0a);
        if (end < 0) {
          if (buf.length > MAX_REQUEST) sock.destroy();
          return;
        }
        req = buf.subarray(0, end).toString('utf8');
      }
      done = true;
      void this.execute(req).then((out) => {
        const body = Buffer.from(out, 'utf8');
        const len = Buffer.alloc(4);
        len.writeUInt32BE(body.length, 0);
        sock.end(Buffer.concat([len, body]));
      });
    });
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (!s) return;
    for (const c of this.conns) c.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
    if (this.path && existsSync(this.path)) {
      try {
        unlinkSync(this.path);
      } catch {
        // already gone
      }
    }
    this.path = undefined;
  }
}

function errorText(r: number, err: string): string {
  const n = -r;
  return `ERROR: (${n}) ${STRERROR[n] ?? `errno ${n}`}\n${err}\n`;
}

/** Does something answer on this socket path? */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
