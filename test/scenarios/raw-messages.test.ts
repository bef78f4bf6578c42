/**
 * Unknown message types are delivered as raw messages (type, versions, front/middle/data intact)
 * instead of killing the connection; all three segments round-trip, including large ones.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { Message } from '../../src/messages/message.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { WORLDS } from '../helpers/world.ts';

for (const [kind, mk] of WORLDS) {
  test(`unknown types arrive raw, segments intact [${kind}]`, async () => {
    const w = mk();
    const srv = w.messenger({ name: 'osd.0' });
    srv.setDefaultPolicy(Policy.stateless_server());
    const got: Message[] = [];
    srv.addDispatcher({ dispatch: (m) => void got.push(m) });
    const addrs = await srv.bind('v2:127.0.0.1:0');
    await srv.start();
    const cli = w.messenger({ name: 'client.0' });
    cli.setDefaultPolicy(Policy.lossy_client());
    await cli.start();
    const c = cli.connectTo(addrs, 'osd');
    const front = randomBytes(100);
    const middle = randomBytes(7);
    const data = randomBytes(3 * 1024 * 1024 + 5);
    c.send(new Message({ type: 9999, version: 7, compatVersion: 3, tid: 42n, front, middle, data, dataOff: 4096 }));
    c.send(new Message({ type: 9998 }));
    assert.ok(await w.until(() => got.length === 2));
    const m = got[0]!;
    assert.deepEqual([m.type, m.version, m.compatVersion, m.tid, m.dataOff, m.seq], [9999, 7, 3, 42n, 4096, 1n]);
    assert.ok(m.front.equals(front) && m.middle.equals(middle) && m.data.equals(data));
    assert.deepEqual([got[1]!.type, got[1]!.payloadLength], [9998, 0]);
    assert.ok(c.isConnected());
    await w.cleanup();
  });
}
