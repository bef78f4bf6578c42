// An admin socket for a process's messengers (docs/admin-socket.md). With ceph-common installed,
// `ceph --admin-daemon /tmp/….asok perf dump` works on it; here we speak the wire protocol
// ourselves: a JSON command + NUL, then a big-endian u32 length and the output.
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Messenger, Message, Policy, openAdminSocket } from 'ceph-msgr';

function ask(path: string, cmd: object): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect(path, () => s.write(JSON.stringify(cmd) + '\0'));
    const parts: Buffer[] = [];
    s.on('data', (d: Buffer) => parts.push(d));
    s.on('error', reject);
    s.on('end', () => resolve(Buffer.concat(parts).subarray(4).toString()));
  });
}

const server = Messenger.create({ name: 'osd.0', logicalName: 'cluster' });
server.setDefaultPolicy(Policy.stateless_server());
server.addDispatcher({ dispatch: (msg, conn) => void conn.send(new Message({ type: 2 })) });
const addrs = await server.bind('v2:127.0.0.1:0');
await server.start();
const asok = await openAdminSocket([server], undefined, { path: join(tmpdir(), `example-$name-${process.pid}.asok`) });

const client = Messenger.create({ name: 'client.admin' });
client.setDefaultPolicy(Policy.lossy_client());
const got = new Promise((resolve) => client.addDispatcher({ dispatch: resolve }));
await client.start();
client.connectTo(addrs, 'osd').send(new Message({ type: 2 }));
await got;

const path = asok!.path!;
const perf = JSON.parse(await ask(path, { prefix: 'perf dump', format: 'json' }));
console.log('received by osd.0:', perf['msgr-cluster'].msgr_recv_messages);
console.log(await ask(path, { prefix: 'config set', var: 'debug_ms', val: ['1'] }));
console.log(await ask(path, { prefix: 'config get', var: 'debug_ms' }));
const st = JSON.parse(await ask(path, { prefix: 'messenger status' }));
await ask(path, { prefix: 'config set', var: 'debug_ms', val: ['0'] });
console.log('connections:', st.messengers[0].connections.map((c: { peer: string; state: string; policy: string }) => `${c.peer} ${c.state} ${c.policy}`));
await client.shutdown();
await asok!.close();
await server.shutdown();
