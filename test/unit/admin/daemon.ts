/**
 * Test fixture: a small ceph-msgr "daemon" process. It runs a server messenger (osd.0, cluster)
 * and a client messenger that reconnects and pings it every 50 ms (so connections keep changing
 * state), logs both to a file at debug_ms 0 (Ceph-style lines), and exposes them on an admin
 * socket. Prints one JSON line {"ready": true, "asok": PATH, "log": FILE} when up; exits on
 * SIGTERM or when stdin closes.
 *
 * usage: node --import tsx test/unit/admin/daemon.ts ASOK LOGFILE
 */
import { CephConfig } from '../../../src/config/config.ts';
import { Message, Messenger, Policy } from '../../../src/index.ts';
import { openAdminSocket } from '../../../src/admin/open.ts';
import { NodeLogSink } from '../../../src/node/log-sink.ts';
import type { Connection } from '../../../src/node/connection.ts';

const [asokPath, logFile] = process.argv.slice(2);
if (!asokPath || !logFile) {
  console.error('usage: daemon.ts ASOK LOGFILE');
  process.exit(2);
}
const cfg = new CephConfig({ name: 'osd.0' });
cfg.set('admin_socket', asokPath);
cfg.set('log_file', logFile);
const log = new NodeLogSink({ level: 0, file: cfg.get('log_file') });
const server = Messenger.create({ name: 'osd.0', logicalName: 'cluster', log });
server.setDefaultPolicy(Policy.stateless_server());
server.addDispatcher({ dispatch: (m, c) => void c.send(new Message({ type: 2, data: Buffer.from('pong') })) });
const addrs = await server.bind('v2:127.0.0.1:0');
await server.start();
const client = Messenger.create({ name: 'client.admin', logicalName: 'client', log });
client.setDefaultPolicy(Policy.lossy_client());
client.addDispatcher({ dispatch: () => undefined });
await client.start();
const asok = await openAdminSocket([server, client], cfg);
let conn: Connection | undefined;
const timer = setInterval(() => {
  conn?.markDown();
  conn = client.connectTo(addrs, 'osd');
  conn.send(new Message({ type: 2, data: Buffer.from('ping') }));
}, 50);
console.log(JSON.stringify({ ready: true, asok: asok?.path, log: logFile }));

let stopping = false;
async function stop(): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(timer);
  await asok?.close();
  await client.shutdown();
  await server.shutdown();
  log.close();
  process.exit(0);
}
process.on('SIGTERM', () => void stop());
process.stdin.on('end', () => void stop());
process.stdin.resume();
