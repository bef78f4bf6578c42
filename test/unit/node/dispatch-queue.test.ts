import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { Message } from '../../../src/messages/message.ts';
import { Policy } from '../../../src/core/session/policy.ts';
import { Messenger } from '../../../src/node/messenger.ts';
import { SimNetwork } from '../../../src/testing/sim-env.ts';

test('a dispatcher returning a Promise holds the queue: one dispatch at a time, even when its completion lets the next message in', async () => {
  // a dispatch throttle that fits three messages: every completion releases one, the connection
  // reads the next message and pushes it while the queue is finishing the previous one (which
  // then started the message after that as well: two slow dispatches at once)
  const sim = new SimNetwork({ seed: 2 });
  const srv = Messenger.create({ name: 'osd.0', env: sim.env('127.0.0.1'), config: { ms_dispatch_throttle_bytes: 2500 } });
  srv.setDefaultPolicy(Policy.stateful_server());
  let active = 0;
  let maxActive = 0;
  const order: number[] = [];
  srv.addDispatcher({
    dispatch(m: Message): Promise<void> {
      active++;
      maxActive = Math.max(maxActive, active);
      order.push(m.data.readUInt32LE(0));
      return new Promise((r) =>
        srv.env.setTimer(100, () => {
          active--;
          r();
        }),
      );
    },
  });
  const addrs = await srv.bind('v2:127.0.0.1:0');
  await srv.start();
  const cli = Messenger.create({ name: 'client.1', env: sim.env('127.0.0.2') });
  cli.setDefaultPolicy(Policy.lossless_client());
  await cli.start();
  const c = cli.connectTo(addrs, 'osd');
  for (let i = 0; i < 20; i++) {
    const d = Buffer.alloc(800);
    d.writeUInt32LE(i, 0);
    c.send(new Message({ type: 2, data: d }));
  }
  assert.ok(await sim.runUntil(() => order.length === 20 && active === 0, 10_000));
  assert.equal(maxActive, 1, 'never two dispatches at once');
  assert.deepEqual(order, [...Array(20).keys()]);
  assert.ok(sim.now >= 2000, `20 x 100 ms took ${sim.now} ms`);
  await cli.shutdown();
  await srv.shutdown();
});
