/**
 * A fault-injecting stream proxy for liveness tests: it listens on one address and forwards every
 * accepted connection to an upstream address, unless its mode says otherwise. It is written
 * against the Env's NetEnv, so the same proxy runs over real loopback TCP (`nodeEnv()`, the
 * default) and inside the simulator (`sim.env(ip)`).
 *
 *   const proxy = await TcpProxy.start({ upstream: serverAddrs[0] });   // 127.0.0.1, any port
 *   proxy.setMode('blackhole');       // new connections: accepted, never answered (half-open)
 *   proxy.blackholeExisting();        // live links: stop forwarding, stop reading (peer vanished)
 *   proxy.setMode({ stallAfter: 0, dir: 'down' }); // accept + connect upstream, never a banner back
 *   proxy.setMode('after-hello');     // forward banners and HELLO frames, then nothing
 *   proxy.setMode('refuse');          // accept and reset at once
 *   proxy.heal();                     // forward again; held bytes of stalled links flow on
 *
 * Stalled bytes are held, not dropped, and the stalled side's socket is paused, so TCP
 * backpressure builds exactly as with a peer that stopped reading (what a black hole looks like
 * from the sender once its socket buffers are full).
 */
import { Buffer } from 'node:buffer';
import { AddrType, makeAddr, parseAddr, type EntityAddr } from '../encoding/types/entity-addr.ts';
import type { Env, Listener, Sock } from '../node/env.ts';
import { nodeEnv } from '../node/tcp-env.ts';

export type ProxyMode =
  | 'forward'
  | 'blackhole'
  | 'refuse'
  | 'after-hello'
  | { stallAfter: number; dir?: 'up' | 'down' | 'both' };

export interface ProxyOptions {
  upstream: EntityAddr;
  /** where to listen (default 127.0.0.1, any port) */
  listen?: EntityAddr | string;
  env?: Env;
  mode?: ProxyMode;
}

const MSGR2_BANNER_PREFIX = 10;
const PREAMBLE = 32;

/** One direction of a link: how many bytes may pass, and what is held back. */
class Pipe {
  forwarded = 0;
  /** bytes allowed through (Infinity = unlimited) */
  allowance = Infinity;
  held: Buffer[] = [];
  /** 'after-hello' parsing: bytes seen, and where the first frame after the banner ends */
  seen: Buffer[] = [];
  seenLen = 0;
  helloEnd = -1;
  bannerFeatures = -1n;

  constructor(
    readonly from: Sock,
    readonly link: Link,
  ) {}

  get to(): Sock | undefined {
    return this.from === this.link.client ? this.link.upstream : this.link.client;
  }
}

export class Link {
  upstream: Sock | undefined;
  upConnected = false;
  closed = false;
  readonly up: Pipe;
  readonly down: Pipe;
  /** 'after-hello': both directions limited to banner + first frame */
  afterHello = false;

  constructor(
    readonly proxy: TcpProxy,
    readonly client: Sock,
    readonly acceptedAt: number,
  ) {
    this.up = new Pipe(client, this);
    this.down = new Pipe(client, this); // `from` is fixed up when the upstream exists
  }

  get bytesUp(): number {
    return this.up.forwarded;
  }
  get bytesDown(): number {
    return this.down.forwarded;
  }

  /**
   * Forwarding stopped in some direction (black hole, stall, after HELLO): the link is stuck,
   * and a close does not pass either (the FIN/RST is lost, like everything else), so each end
   * finds out by its own timers.
   */
  get stuck(): boolean {
    const stopped = (p: Pipe): boolean => p.allowance !== Infinity && p.forwarded >= p.allowance;
    return stopped(this.up) || stopped(this.down);
  }

  /** One side closed: close the other too, unless the link is stuck (FIN/RST lost). */
  sideClosed(side: Sock): void {
    if (this.closed) return;
    if (!this.stuck) return this.close();
    side.destroy();
    const other = side === this.client ? this.upstream : this.client;
    if (!other || this.halfClosed === other) return this.close();
    this.halfClosed = side;
  }
  halfClosed: Sock | undefined;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.destroy();
    this.upstream?.destroy();
    this.proxy.onLinkClosed(this);
  }
}

export class TcpProxy {
  readonly env: Env;
  readonly upstream: EntityAddr;
  private listener!: Listener;
  mode: ProxyMode;
  /** time (env.now()) of every accepted connection, in order */
  readonly accepts: number[] = [];
  readonly links = new Set<Link>();
  /** every link ever accepted (for byte counts after close) */
  readonly history: Link[] = [];

  private constructor(opts: ProxyOptions) {
    this.env = opts.env ?? nodeEnv();
    this.upstream = opts.upstream;
    this.mode = opts.mode ?? 'forward';
  }

  static async start(opts: ProxyOptions): Promise<TcpProxy> {
    const p = new TcpProxy(opts);
    const l = typeof opts.listen === 'string' ? parseAddr(opts.listen, AddrType.MSGR2) : (opts.listen ?? makeAddr(AddrType.MSGR2, '127.0.0.1', 0, 0));
    p.listener = await p.env.net.listen(l, (sock) => p.onAccept(sock));
    return p;
  }

  /** The address clients should dial (nonce 0; give it the server's nonce when advertising it). */
  get addr(): EntityAddr {
    return this.listener.addr;
  }

  setMode(m: ProxyMode): void {
    this.mode = m;
  }

  /** Every live link stops forwarding in both directions and stops reading (a vanished peer). */
  blackholeExisting(): void {
    for (const l of this.links) {
      for (const p of [l.up, l.down]) p.allowance = p.forwarded;
      l.client.pause();
      l.upstream?.pause();
    }
  }

  /** Forward again: new links pass everything, stalled links release what they held. */
  heal(): void {
    this.mode = 'forward';
    for (const l of [...this.links]) {
      if (!l.upstream || l.halfClosed) {
        // never connected upstream (black-hole mode), or one end already gave up: reset it
        l.close();
        continue;
      }
      l.afterHello = false;
      for (const p of [l.up, l.down]) {
        p.allowance = Infinity;
        this.flush(p);
      }
      l.client.resume();
      if (l.upConnected) l.upstream?.resume();
    }
  }

  /** Reset every live link (both ends see the connection die). */
  resetAll(): number {
    const n = this.links.size;
    for (const l of [...this.links]) l.close();
    return n;
  }

  async close(): Promise<void> {
    this.resetAll();
    await this.listener.close();
  }

  onLinkClosed(l: Link): void {
    this.links.delete(l);
  }

  // ---------------------------------------------------------------- plumbing

  private onAccept(client: Sock): void {
    const mode = this.mode;
    const link = new Link(this, client, this.env.now());
    this.accepts.push(link.acceptedAt);
    this.history.push(link);
    if (mode === 'refuse') {
      client.destroy();
      return;
    }
    this.links.add(link);
    client.onClose = () => link.sideClosed(client);
    client.onDrain = () => link.upstream?.resume();
    client.onData = (chunk) => this.onChunk(link.up, chunk);
    if (mode === 'blackhole') {
      // accepted, never answered, never read: a peer that vanished after the SYN/ACK
      link.up.allowance = 0;
      link.down.allowance = 0;
      client.pause();
      return;
    }
    if (mode === 'after-hello') link.afterHello = true;
    else if (typeof mode === 'object') {
      const dir = mode.dir ?? 'both';
      if (dir !== 'down') link.up.allowance = mode.stallAfter;
      if (dir !== 'up') link.down.allowance = mode.stallAfter;
    }
    const up = this.env.net.connect(this.upstream);
    link.upstream = up;
    (link.down as { from: Sock }).from = up;
    up.onConnect = () => {
      link.upConnected = true;
      this.flush(link.up);
    };
    up.onData = (chunk) => this.onChunk(link.down, chunk);
    up.onDrain = () => client.resume();
    up.onClose = () => link.sideClosed(up);
  }

  private onChunk(p: Pipe, chunk: Buffer): void {
    if (p.link.closed) return;
    if (p.link.afterHello) this.trackHello(p, chunk);
    p.held.push(chunk);
    this.flush(p);
  }

  /** Forward what the allowance permits; hold the rest and pause the source. */
  private flush(p: Pipe): void {
    const link = p.link;
    const to = p.to;
    if (link.closed || !to || (to === link.upstream && !link.upConnected)) return;
    const out: Buffer[] = [];
    while (p.held.length && p.forwarded < p.allowance) {
      const b = p.held[0]!;
      const room = p.allowance - p.forwarded;
      if (b.length <= room) {
        out.push(b);
        p.forwarded += b.length;
        p.held.shift();
      } else {
        out.push(b.subarray(0, room));
        p.forwarded += room;
        p.held[0] = b.subarray(room);
      }
    }
    if (out.length && !to.write(out)) p.from.pause();
    if (p.held.length) p.from.pause();
  }

  /**
   * 'after-hello': find where the first msgr2 frame after the banner ends in this direction
   * (HELLO is always sent before auth, so its framing is crc-mode: rev1 = 32 + L0 (+4 if L0 > 0),
   * rev0 = 32 + L0 + 17) and limit the allowance to it.
   */
  private trackHello(p: Pipe, chunk: Buffer): void {
    if (p.helloEnd >= 0) return;
    p.seen.push(chunk);
    p.seenLen += chunk.length;
    const all = Buffer.concat(p.seen);
    p.seen = [all];
    p.allowance = 0;
    if (all.length < MSGR2_BANNER_PREFIX) return;
    const bannerLen = MSGR2_BANNER_PREFIX + all.readUInt16LE(8);
    if (all.length < bannerLen) return;
    if (p.bannerFeatures < 0n) p.bannerFeatures = all.length >= 18 ? all.readBigUInt64LE(10) : 0n;
    p.allowance = bannerLen;
    if (all.length < bannerLen + PREAMBLE) return;
    const other = p === p.link.up ? p.link.down : p.link.up;
    const rev1 = (p.bannerFeatures & 1n) === 1n && (other.bannerFeatures & 1n) === 1n;
    const l0 = all.readUInt32LE(bannerLen + 2);
    p.helloEnd = bannerLen + PREAMBLE + l0 + (rev1 ? (l0 > 0 ? 4 : 0) : 17);
    p.allowance = p.helloEnd;
    p.seen = [];
  }
}
