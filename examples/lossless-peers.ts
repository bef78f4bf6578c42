// Two OSD-like peers over lossless_peer: the sockets fail at random (ms_inject_socket_failures,
// switched on at runtime), yet every message arrives exactly once and in order; the counters
// show the faults and the session resumptions (docs/policies.md).
import { Messenger, Message, Policy } from 'ceph-msgr';

const N = 2000;
const a = Messenger.create({ name: 'osd.0', logicalName: 'cluster' });
const b = Messenger.create({ name: 'osd.1', logicalName: 'cluster' });
for (const m of [a, b]) m.setPolicy('osd', Policy.lossless_peer());
const seen: number[] = [];
b.addDispatcher({ dispatch: (msg) => void seen.push(msg.data.readUInt32LE(0)) });
await b.bind('v2:127.0.0.1:0');
await a.bind('v2:127.0.0.1:0');
await a.start();
await b.start();

a.setConfig('ms_inject_socket_failures', 10); // ~1 in 10 socket reads/writes fails
const conn = a.connectTo([...b.myAddrs], 'osd');
for (let i = 0; i < N; i++) {
  const data = Buffer.alloc(4);
  data.writeUInt32LE(i);
  conn.send(new Message({ type: 2, data }));
  if (i % 20 === 19) await new Promise((r) => setTimeout(r, 2)); // let faults happen mid-stream
}
while (seen.length < N) await new Promise((r) => setTimeout(r, 10));
a.setConfig('ms_inject_socket_failures', 0);

const inOrder = seen.every((v, i) => v === i);
const pa = a.perfDump()['msgr-cluster'] as Record<string, number>;
const pb = b.perfDump()['msgr-cluster'] as Record<string, number>;
console.log(`delivered ${seen.length}/${N}, in order and exactly once: ${inOrder}`);
console.log(`osd.0: faults ${pa.msgr_faults}, sessions resumed ${pa.msgr_reconnects}, sent ${pa.msgr_send_messages} (resends included)`);
console.log(`osd.1: faults ${pb.msgr_faults}, sessions resumed ${pb.msgr_reconnects}, duplicates dropped ${pb.msgr_duplicate_messages}`);
await a.shutdown();
await b.shutdown();
if (!inOrder || seen.length !== N) process.exit(1);
