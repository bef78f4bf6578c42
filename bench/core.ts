/**
 * `npm run bench -- core [--n N]`: the sans-IO core's own cost per 64 B message, no sockets —
 * a session is set up in the simulator, then N messages are encoded by the sender's core
 * (send + pollTransmit) and the bytes are fed to the receiver's core in 64 KiB chunks
 * (received + pollEvent + dispatchComplete). Prints ns per message for each side.
 */
import { Policy } from '../src/core/session/policy.ts';
import { Message } from '../src/messages/message.ts';
import { Messenger } from '../src/node/messenger.ts';
import { SimNetwork } from '../src/testing/sim-env.ts';

export async function run(args: string[]): Promise<number> {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write('usage: npm run bench -- core [--n N] [--json]   (default N 1000000)\n');
    return 0;
  }
  const i = args.indexOf('--n');
  const n = i >= 0 ? Number(args[i + 1]) : 1_000_000;
  if (!Number.isInteger(n) || n < 1000) {
    process.stderr.write('bench core: --n takes an integer >= 1000\n');
    return 2;
  }
  const sim = new SimNetwork({ seed: 1 });
  const srv = Messenger.create({ name: 'osd.0', env: sim.env() });
  srv.setDefaultPolicy(Policy.stateless_server());
  let got = 0;
  srv.addDispatcher({ dispatch: () => void got++ });
  const addrs = await srv.bind('v2:127.0.0.1:0');
  await srv.start();
  const cli = Messenger.create({ name: 'client.0', env: sim.env() });
  cli.setDefaultPolicy(Policy.lossy_client());
  await cli.start();
  const c = cli.connectTo(addrs, 'osd');
  c.send(new Message({ type: 2, data: Buffer.alloc(64) }));
  await sim.runUntil(() => got === 1, 1000);
  const payload = Buffer.alloc(64, 7);
  // sender: encode
  const core = cli.core;
  const chunks: Buffer[] = [];
  let t = performance.now();
  for (let k = 0; k < n; k += 1000) {
    for (let j = 0; j < 1000; j++) core.send(c.id, new Message({ type: 2, data: payload }), 0);
    for (let tx = core.pollTransmit(); tx; tx = core.pollTransmit()) for (const b of tx.bufs) chunks.push(b);
  }
  const sendNs = ((performance.now() - t) * 1e6) / n;
  // receiver: decode + dispatch events
  const all = Buffer.concat(chunks);
  const score = srv.core;
  const sconn = [...score.all.values()][0];
  if (!sconn || sconn.tid === undefined) throw new Error('no server connection');
  const tid = sconn.tid;
  let delivered = 0;
  t = performance.now();
  for (let off = 0; off < all.length; off += 65536) {
    score.received(tid, all.subarray(off, off + 65536), 0);
    for (let ev = score.pollEvent(); ev; ev = score.pollEvent()) {
      if (ev.kind === 'dispatch') {
        delivered++;
        score.dispatchComplete(ev.throttle);
      }
    }
  }
  const recvNs = ((performance.now() - t) * 1e6) / delivered;
  if (delivered !== n) {
    process.stderr.write(`bench core: ${delivered} of ${n} messages decoded\n`);
    return 1;
  }
  const r = { n, bytes: all.length, send_ns_per_msg: Math.round(sendNs), recv_ns_per_msg: Math.round(recvNs) };
  if (args.includes('--json')) process.stdout.write(JSON.stringify(r) + '\n');
  else process.stdout.write(`core, 64 B messages, msgr2.1 crc, no sockets: sender ${r.send_ns_per_msg} ns/msg, receiver ${r.recv_ns_per_msg} ns/msg (${n} messages, ${all.length} bytes)\n`);
  return 0;
}
