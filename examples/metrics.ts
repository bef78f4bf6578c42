// Prometheus metrics of a messenger on http://127.0.0.1:PORT/metrics (docs/observability.md).
import { Messenger, Message, Policy, startMetricsServer } from 'ceph-msgr';

const server = Messenger.create({ name: 'osd.0', logicalName: 'cluster' });
server.setDefaultPolicy(Policy.stateless_server());
server.addDispatcher({ dispatch: (msg, conn) => void conn.send(new Message({ type: 2, data: msg.data })) });
const addrs = await server.bind('v2:127.0.0.1:0');
await server.start();
const metrics = await startMetricsServer({ messengers: [server], port: 0 }); // port 0: any free port

const client = Messenger.create({ name: 'client.admin' });
client.setDefaultPolicy(Policy.lossy_client());
let replies = 0;
const done = new Promise<void>((resolve) => client.addDispatcher({ dispatch: () => void (++replies === 10 && resolve()) }));
await client.start();
const conn = client.connectTo(addrs, 'osd');
for (let i = 0; i < 10; i++) conn.send(new Message({ type: 2, data: Buffer.from('ping') }));
await done;

const text = await (await fetch(metrics.url)).text();
console.log(text.split('\n').filter((l) => /^ceph_msgr_(recv|send)_messages_total/.test(l)).join('\n'));
await metrics.close();
await client.shutdown();
await server.shutdown();
