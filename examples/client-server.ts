// A client and a server over msgr2 on loopback (the README's example).
import { Messenger, Message, Policy } from 'ceph-msgr';

const server = Messenger.create({ name: 'osd.0', logicalName: 'cluster' });
server.setDefaultPolicy(Policy.stateless_server());
server.addDispatcher({
  dispatch(msg, conn) {
    conn.send(new Message({ type: 2 /* MPing */, data: Buffer.from('pong') }));
  },
});
const addrs = await server.bind('v2:127.0.0.1:0'); // port 0: search 6800..7300 like Ceph
await server.start();

const client = Messenger.create({ name: 'client.admin' });
client.setDefaultPolicy(Policy.lossy_client());
const reply = new Promise<Message>((resolve) => client.addDispatcher({ dispatch: resolve }));
await client.start();
client.connectTo(addrs, 'osd').send(new Message({ type: 2, data: Buffer.from('ping') }));
console.log('got', (await reply).data.toString());
await client.shutdown();
await server.shutdown();
