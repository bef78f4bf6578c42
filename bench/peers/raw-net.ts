/**
 * Baseline: plain node:net with length-prefixed frames (u32 length + payload).
 * extra = 'batched' writes up to 64 KiB per socket.write; otherwise one write per message.
 */
import * as net from 'node:net';
import { RecvMeter, emit, parseArgs, percentiles } from './common.ts';

const a = parseArgs();
const batched = a.extra === 'batched';

function parser(onMsg: (payload: Buffer, sock: net.Socket) => void): (sock: net.Socket) => void {
  return (sock) => {
    let pending: Buffer[] = [];
    let have = 0;
    let need = -1;
    sock.on('data', (chunk: Buffer) => {
      pending.push(chunk);
      have += chunk.length;
      for (;;) {
        if (need < 0) {
          if (have < 4) return;
          const h = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
          pending = [h];
          need = h.readUInt32LE(0);
          pending[0] = h.subarray(4);
          have -= 4;
        }
        if (have < need) return;
        const all = pending.length === 1 ? pending[0]! : Buffer.concat(pending);
        const msg = all.subarray(0, need);
        const rest = all.subarray(need);
        pending = rest.length ? [rest] : [];
        have = rest.length;
        need = -1;
        onMsg(msg, sock);
      }
    });
  };
}

function frame(p: Buffer): Buffer {
  const b = Buffer.allocUnsafe(4 + p.length);
  b.writeUInt32LE(p.length, 0);
  p.copy(b, 4);
  return b;
}

const payload = Buffer.alloc(a.size, 7);

if (a.role === 'recv' || a.role === 'echo') {
  const m = new RecvMeter(a.count);
  const srv = net.createServer({ noDelay: true }, parser((msg, sock) => {
    if (a.role === 'echo') sock.write(frame(msg));
    else if (m.got(msg.length)) setTimeout(() => process.exit(0), 10);
  }));
  srv.listen(0, '127.0.0.1', () => emit({ ready: true, port: (srv.address() as net.AddressInfo).port }));
} else if (a.role === 'send') {
  const s = net.connect({ host: '127.0.0.1', port: a.port, noDelay: true }, async () => {
    const f = frame(payload);
    let i = 0;
    const batch: Buffer[] = [];
    let batchBytes = 0;
    while (i < a.count) {
      let ok = true;
      if (batched) {
        batch.push(f);
        batchBytes += f.length;
        i++;
        if (batchBytes >= 65536 || i === a.count) {
          ok = s.write(batch.length === 1 ? batch[0]! : Buffer.concat(batch, batchBytes));
          batch.length = 0;
          batchBytes = 0;
        }
      } else {
        ok = s.write(f);
        i++;
      }
      if (!ok) await new Promise((r) => s.once('drain', r));
    }
    emit({ sent: i });
  });
} else {
  const s = net.connect({ host: '127.0.0.1', port: a.port, noDelay: true });
  const rtts: number[] = [];
  let t = 0;
  const f = frame(payload);
  parser(() => {
    rtts.push((performance.now() - t) * 1000);
    if (rtts.length === a.count) {
      const p = percentiles(rtts.slice());
      emit({ done: true, msgs: a.count, msgs_per_s: a.count / (rtts.reduce((x, y) => x + y, 0) / 1e6), p50_us: p.p50, p99_us: p.p99 });
      setTimeout(() => process.exit(0), 10);
      return;
    }
    t = performance.now();
    s.write(f);
  })(s);
  s.on('connect', () => {
    t = performance.now();
    s.write(f);
  });
}
