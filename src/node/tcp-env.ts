/**
 * The production environment: real TCP sockets (node:net), Date.now(), setTimeout,
 * crypto.randomBytes. Writes go out as one corked batch per call (writev), and the socket's
 * own buffer is the only unbounded thing we avoid by reporting backpressure above a
 * high-water mark.
 */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import * as net from 'node:net';
import { AddrType, makeAddr, type EntityAddr } from '../encoding/types/entity-addr.ts';
import type { RandomSource } from '../core/random.ts';
import type { Env, Listener, NetEnv, Sock } from './env.ts';

/** Bytes buffered in a socket above which write() reports backpressure. */
export const SOCKET_HIGH_WATER = 4 * 1024 * 1024;
/** Gather lists up to this size are copied into one buffer and written with one write(). */
const SMALL_WRITE = 64 * 1024;

const cryptoRandom: RandomSource = { bytes: (n) => randomBytes(n) };

function addrOf(ip: string | undefined, port: number | undefined, type: number = AddrType.MSGR2): EntityAddr | undefined {
  if (!ip) return undefined;
  const clean = ip.startsWith('::ffff:') && ip.includes('.') ? ip.slice(7) : ip;
  return makeAddr(type, clean, port ?? 0, 0);
}

class TcpSock implements Sock {
  onConnect: (localAddr: EntityAddr | undefined) => void = () => {};
  onData: (chunk: Buffer) => void = () => {};
  onDrain: () => void = () => {};
  onClose: (err: Error | undefined) => void = () => {};
  private destroyed = false;
  private lastErr: Error | undefined;

  constructor(
    readonly s: net.Socket,
    connecting: boolean,
  ) {
    s.setNoDelay(true);
    if (connecting) {
      s.once('connect', () => {
        if (!this.destroyed) this.onConnect(addrOf(s.localAddress, s.localPort));
      });
    }
    s.on('data', (d: Buffer) => {
      if (!this.destroyed) this.onData(d);
    });
    s.on('drain', () => {
      if (!this.destroyed) this.onDrain();
    });
    s.on('error', (e) => {
      this.lastErr = e;
    });
    s.on('close', () => {
      if (this.destroyed) return;
      this.destroyed = true;
      this.onClose(this.lastErr);
    });
    s.on('end', () => {
      // peer closed its side: we never half-close, so finish ours
      s.end();
    });
  }

  write(bufs: Buffer[]): boolean {
    if (this.destroyed) return false;
    const s = this.s;
    if (bufs.length === 1) return s.write(bufs[0]!);
    let total = 0;
    for (const b of bufs) total += b.length;
    if (total <= SMALL_WRITE) {
      // one copy into one buffer is cheaper than a writev of many small pieces
      return s.write(Buffer.concat(bufs, total));
    }
    s.cork();
    for (const b of bufs) s.write(b);
    s.uncork();
    return s.writableLength < SOCKET_HIGH_WATER;
  }
  writeRoom(): number {
    return SOCKET_HIGH_WATER - this.s.writableLength;
  }
  buffered(): number {
    return this.s.writableLength;
  }
  pause(): void {
    this.s.pause();
  }
  resume(): void {
    this.s.resume();
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.s.destroy();
  }
}

class TcpNet implements NetEnv {
  listen(addr: EntityAddr, onAccept: (sock: Sock, local: EntityAddr | undefined, peer: EntityAddr) => void): Promise<Listener> {
    return new Promise((resolve, reject) => {
      const server = net.createServer({ noDelay: true }, (s) => {
        const peer = addrOf(s.remoteAddress, s.remotePort);
        if (!peer) {
          s.destroy();
          return;
        }
        onAccept(new TcpSock(s, false), addrOf(s.localAddress, s.localPort), peer);
      });
      server.once('error', reject);
      const host = addr.family === 0 ? (addr.family === 0 ? '0.0.0.0' : addr.ip) : addr.ip;
      server.listen({ host, port: addr.port, exclusive: true, backlog: 512 }, () => {
        server.off('error', reject);
        server.on('error', () => {});
        const a = server.address() as net.AddressInfo;
        const bound: EntityAddr = { ...addr, port: a.port };
        resolve({
          addr: bound,
          // stop listening now; accepted sockets belong to their connections and close with them
          close: () => {
            server.close();
            return Promise.resolve();
          },
        });
      });
    });
  }

  connect(addr: EntityAddr): Sock {
    const s = net.connect({ host: addr.ip, port: addr.port, noDelay: true });
    return new TcpSock(s, true);
  }
}

export function nodeEnv(random: RandomSource = cryptoRandom): Env {
  return {
    kind: 'tcp',
    now: () => Date.now(),
    setTimer(delayMs, cb) {
      const t = setTimeout(cb, Math.max(0, delayMs));
      return { cancel: () => clearTimeout(t) };
    },
    defer: (cb) => setImmediate(cb),
    random,
    net: new TcpNet(),
  };
}
