/**
 * A simulated network with a manual clock. Every Messenger built on `sim.env()` runs its real
 * code (core + shell) over in-memory stream sockets; time only moves when the test runs the
 * simulation, jumping to the next timer or delivery. Deterministic for a given seed.
 *
 *   const sim = new SimNetwork({ seed: 1, latencyMs: 0.1 });
 *   const a = Messenger.create({ name: 'osd.0', env: sim.env('127.0.0.1') });
 *   …; await sim.runUntil(() => got === 10, 5_000);   // virtual milliseconds
 *
 * Faults: `breakAll()` resets every link (both ends see a socket error), `blackhole(ip)` makes
 * links to/from an address silently drop bytes (a peer that vanished) and connects to/from it
 * hang (the SYN is dropped), `refuse(port)`.
 */
import { Buffer } from 'node:buffer';
import { makeAddr, AddrType, type EntityAddr } from '../encoding/types/entity-addr.ts';
import { SeededRandom } from '../core/random.ts';
import type { Env, Listener, NetEnv, Sock, TimerHandle } from '../node/env.ts';

interface Timer {
  at: number;
  seq: number;
  cb: () => void;
  cancelled: boolean;
}

export interface SimOptions {
  seed?: number;
  /** one-way latency of every link (virtual ms) */
  latencyMs?: number;
  /** split deliveries into random chunks (exercises decoders at arbitrary boundaries) */
  splitWrites?: boolean;
  /** bytes a socket may have in flight before write() reports backpressure */
  highWater?: number;
}

const errCode = (code: string, msg: string): Error => Object.assign(new Error(msg), { code });

class SimSock implements Sock {
  onConnect: (localAddr: EntityAddr | undefined) => void = () => {};
  onData: (chunk: Buffer) => void = () => {};
  onDrain: () => void = () => {};
  onClose: (err: Error | undefined) => void = () => {};
  peer: SimSock | undefined;
  local!: EntityAddr;
  remote!: EntityAddr;
  closed = false;
  paused = false;
  /** bytes delivered while paused */
  private held: Buffer[] = [];
  /** bytes written by us and not yet delivered to the peer */
  inFlight = 0;
  wantDrain = false;

  constructor(readonly net: SimNetwork) {}

  write(bufs: Buffer[]): boolean {
    if (this.closed) return false;
    const data = bufs.length === 1 ? Buffer.from(bufs[0]!) : Buffer.concat(bufs);
    const peer = this.peer;
    if (!peer || this.net.isBlackholed(this) ) return true;
    this.inFlight += data.length;
    const parts = this.net.split(data);
    const at = this.net.deliveryTime(this);
    for (const p of parts) {
      this.net.at(at, () => {
        this.inFlight -= p.length;
        if (!peer.closed && !this.net.isBlackholed(this)) peer.deliver(p);
        if (this.wantDrain && this.inFlight < this.net.highWater && !this.closed) {
          this.wantDrain = false;
          this.onDrain();
        }
      });
    }
    if (this.inFlight >= this.net.highWater) {
      this.wantDrain = true;
      return false;
    }
    return true;
  }

  writeRoom(): number {
    return this.net.highWater - this.inFlight;
  }
  buffered(): number {
    return this.inFlight;
  }

  deliver(p: Buffer): void {
    if (this.closed) return;
    if (this.paused) this.held.push(p);
    else this.onData(p);
  }

  pause(): void {
    this.paused = true;
  }
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    const h = this.held;
    this.held = [];
    for (const p of h) {
      if (this.closed || this.paused) {
        if (!this.closed) this.held.push(p);
        continue;
      }
      this.onData(p);
    }
  }

  destroy(): void {
    if (this.closed) return;
    this.closed = true;
    this.net.socks.delete(this);
    const peer = this.peer;
    // the FIN/RST is lost in a black hole: the peer's end stays half-open
    if (peer && !peer.closed && !this.net.isBlackholed(this)) {
      this.net.at(this.net.deliveryTime(this), () => peer.kill(undefined));
    }
  }

  /** The socket dies (reset / EOF): callback unless destroyed locally. */
  kill(err: Error | undefined): void {
    if (this.closed) return;
    this.closed = true;
    this.net.socks.delete(this);
    this.onClose(err);
  }
}

export class SimNetwork {
  now = 0;
  readonly random: SeededRandom;
  readonly latencyMs: number;
  readonly splitWrites: boolean;
  readonly highWater: number;
  private timers: Timer[] = [];
  private seq = 0;
  private deferred: Array<() => void> = [];
  private listeners = new Map<string, { addr: EntityAddr; onAccept: (s: Sock, l: EntityAddr, p: EntityAddr) => void }>();
  private nextPort = 40000;
  readonly socks = new Set<SimSock>();
  private blackholed = new Set<string>();
  /** bytes carried, for tests */
  bytes = 0;

  constructor(opts: SimOptions = {}) {
    this.random = new SeededRandom(opts.seed ?? 1);
    this.latencyMs = opts.latencyMs ?? 0.05;
    this.splitWrites = opts.splitWrites ?? false;
    this.highWater = opts.highWater ?? 4 * 1024 * 1024;
  }

  // ---------------------------------------------------------------- scheduling

  at(t: number, cb: () => void): Timer {
    const tm: Timer = { at: Math.max(t, this.now), seq: this.seq++, cb, cancelled: false };
    // insert sorted (timers are few enough; deliveries are appended in time order mostly)
    let i = this.timers.length;
    while (i > 0 && (this.timers[i - 1]!.at > tm.at || (this.timers[i - 1]!.at === tm.at && this.timers[i - 1]!.seq > tm.seq))) i--;
    this.timers.splice(i, 0, tm);
    return tm;
  }

  deliveryTime(_s: SimSock): number {
    return this.now + this.latencyMs;
  }

  split(data: Buffer): Buffer[] {
    this.bytes += data.length;
    if (!this.splitWrites || data.length < 2) return [data];
    const parts: Buffer[] = [];
    let off = 0;
    while (off < data.length) {
      const n = 1 + Math.floor(this.random.next() * Math.min(data.length - off, 1 + Math.floor(this.random.next() * 200)));
      parts.push(data.subarray(off, off + n));
      off += n;
    }
    return parts;
  }

  /** Run deferred callbacks and every timer due at the current time. Returns true if anything ran. */
  step(): boolean {
    let ran = false;
    for (;;) {
      if (this.deferred.length) {
        const d = this.deferred;
        this.deferred = [];
        for (const cb of d) cb();
        ran = true;
        continue;
      }
      const t = this.timers[0];
      if (t && t.at <= this.now) {
        this.timers.shift();
        if (!t.cancelled) {
          t.cb();
          ran = true;
        }
        continue;
      }
      return ran;
    }
  }

  /** The time of the next pending timer, if any. */
  nextAt(): number | undefined {
    while (this.timers.length && this.timers[0]!.cancelled) this.timers.shift();
    return this.timers[0]?.at;
  }

  /**
   * Run the simulation until `cond()` holds or `maxMs` of virtual time pass. Yields to the
   * microtask/immediate queue between steps so that async test code and promises progress.
   * Returns whether the condition was met.
   */
  async runUntil(cond: () => boolean, maxMs: number): Promise<boolean> {
    const end = this.now + maxMs;
    for (let idle = 0; ; ) {
      this.step();
      await new Promise<void>((r) => setImmediate(r));
      if (cond()) return true;
      const next = this.nextAt();
      if (next !== undefined && next <= this.now) continue;
      if (next === undefined || next > end) {
        // nothing left to do before the deadline: let pending promises settle a few times
        if (++idle < 5) continue;
        if (cond()) return true;
        this.now = Math.max(this.now, end);
        this.step();
        await new Promise<void>((r) => setImmediate(r));
        return cond();
      }
      idle = 0;
      this.now = next;
    }
  }

  /** Advance virtual time by ms, running everything on the way. */
  async advance(ms: number): Promise<void> {
    await this.runUntil(() => false, ms);
  }

  // ---------------------------------------------------------------- faults

  /** Reset every open link (both ends see ECONNRESET). */
  breakAll(filter: (s: SimSock) => boolean = () => true): number {
    let n = 0;
    for (const s of [...this.socks]) {
      if (s.closed || !filter(s)) continue;
      const p = s.peer;
      s.kill(errCode('ECONNRESET', 'connection reset (sim)'));
      if (p && !p.closed) p.kill(errCode('ECONNRESET', 'connection reset (sim)'));
      n++;
    }
    return n;
  }

  /** Silently drop all bytes to/from an ip (or ip:port). */
  blackhole(ipOrEndpoint: string, on = true): void {
    if (on) this.blackholed.add(ipOrEndpoint);
    else this.blackholed.delete(ipOrEndpoint);
  }

  isBlackholed(s: SimSock): boolean {
    if (!this.blackholed.size) return false;
    const k = (a: EntityAddr): string[] => [a.ip, `${a.ip}:${a.port}`];
    return [...k(s.local), ...k(s.remote)].some((x) => this.blackholed.has(x));
  }

  get openSockets(): number {
    return this.socks.size;
  }

  // ---------------------------------------------------------------- env

  /** An Env for one host (its IP). */
  env(ip = '127.0.0.1'): Env {
    const sim = this;
    const net: NetEnv = {
      listen(addr, onAccept): Promise<Listener> {
        const host = addr.family === 0 ? ip : addr.ip;
        const port = addr.port || sim.nextPort++;
        const key = `${host}:${port}`;
        if (sim.listeners.has(key)) return Promise.reject(errCode('EADDRINUSE', `${key} in use (sim)`));
        const bound: EntityAddr = { ...addr, ...makeAddr(addr.type, host, port, addr.nonce) };
        sim.listeners.set(key, { addr: bound, onAccept });
        return Promise.resolve({
          addr: addr.family === 0 ? { ...addr, port } : bound,
          close: () => {
            sim.listeners.delete(key);
            return Promise.resolve();
          },
        });
      },
      connect(addr): Sock {
        const c = new SimSock(sim);
        c.local = makeAddr(AddrType.MSGR2, ip, sim.nextPort++, 0);
        c.remote = addr;
        sim.socks.add(c);
        sim.at(sim.now + sim.latencyMs, () => {
          if (c.closed) return;
          // a black-holed destination (or source) drops the SYN: the connect hangs
          if (sim.isBlackholed(c)) return;
          const l = sim.listeners.get(`${addr.ip}:${addr.port}`);
          if (!l) {
            c.kill(errCode('ECONNREFUSED', `connect ECONNREFUSED ${addr.ip}:${addr.port} (sim)`));
            return;
          }
          const s = new SimSock(sim);
          s.local = makeAddr(AddrType.MSGR2, addr.ip, addr.port, 0);
          s.remote = c.local;
          s.peer = c;
          c.peer = s;
          sim.socks.add(s);
          l.onAccept(s, s.local, s.remote);
          c.onConnect(c.local);
        });
        return c;
      },
    };
    return {
      kind: 'sim',
      now: () => sim.now,
      setTimer(delayMs: number, cb: () => void): TimerHandle {
        const t = sim.at(sim.now + Math.max(0, delayMs), cb);
        return { cancel: () => void (t.cancelled = true) };
      },
      defer: (cb) => void sim.deferred.push(cb),
      random: sim.random,
      net,
    };
  }
}
