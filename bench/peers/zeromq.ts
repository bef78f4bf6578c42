/** zeromq.js: PUSH/PULL for one-way streams, REQ/REP for ping-pong. */
import * as zmq from 'zeromq';
import { RecvMeter, emit, parseArgs, percentiles } from './common.ts';

const a = parseArgs();
const payload = Buffer.alloc(a.size, 7);

async function main(): Promise<void> {
  if (a.role === 'recv') {
    const pull = new zmq.Pull();
    await pull.bind('tcp://127.0.0.1:*');
    emit({ ready: true, port: Number(/:(\d+)$/.exec(pull.lastEndpoint!)![1]) });
    const m = new RecvMeter(a.count);
    for await (const [msg] of pull) if (m.got(msg!.length)) break;
    pull.close();
  } else if (a.role === 'send') {
    const push = new zmq.Push({ sendHighWaterMark: 10000 });
    push.connect(`tcp://127.0.0.1:${a.port}`);
    for (let i = 0; i < a.count; i++) await push.send(payload);
    emit({ sent: a.count });
    // stay alive until the orchestrator stops us: closing now would drop what is still queued
    // (a run of 4 MiB messages is several seconds of queue)
    return;
  } else if (a.role === 'echo') {
    const rep = new zmq.Reply();
    await rep.bind('tcp://127.0.0.1:*');
    emit({ ready: true, port: Number(/:(\d+)$/.exec(rep.lastEndpoint!)![1]) });
    let n = 0;
    for await (const [msg] of rep) {
      await rep.send(msg!);
      if (++n === a.count) break;
    }
    rep.close();
  } else {
    const req = new zmq.Request();
    req.connect(`tcp://127.0.0.1:${a.port}`);
    const rtts: number[] = [];
    for (let i = 0; i < a.count; i++) {
      const t = performance.now();
      await req.send(payload);
      await req.receive();
      rtts.push((performance.now() - t) * 1000);
    }
    const p = percentiles(rtts.slice());
    emit({ done: true, msgs: a.count, msgs_per_s: a.count / (rtts.reduce((x, y) => x + y, 0) / 1e6), p50_us: p.p50, p99_us: p.p99 });
    req.close();
  }
  setTimeout(() => process.exit(0), 10);
}
void main();
