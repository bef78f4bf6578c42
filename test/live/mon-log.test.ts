/**
 * Negative control for the mon-log scan the other live tests rely on: deliberately bad input
 * (an undecodable MMonCommand through a real session, and a garbage frame after a valid banner)
 * makes a live mon log errors that badLogLines() finds — while the normal lines of a peer closing
 * its socket are not flagged. Without this, "no bad lines" could pass on a scan that sees nothing.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { connect } from 'node:net';
import { join } from 'node:path';
import { AuthNoneClient } from '../../src/core/auth/none.ts';
import { encodeBanner } from '../../src/core/msgr2/banner.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { EntityType } from '../../src/encoding/types/entity-name.ts';
import { Message } from '../../src/messages/message.ts';
import { MsgType } from '../../src/messages/msg-types.ts';
import type { Connection } from '../../src/node/connection.ts';
import { Messenger } from '../../src/node/messenger.ts';
import { BAD_LINE, badLogLines, cleanupDir, eventually, flushLog, monDown, monUp, readLog, requireCeph, tempDir, type Mon } from './helpers.ts';

requireCeph();
const base = tempDir('monlog');
let mon: Mon;

before(async () => {
  mon = await monUp(join(base, 'm'), 'none');
});
after(async () => {
  if (mon) await monDown(mon.dir);
  cleanupDir(base);
});

test('a clean session leaves nothing to flag, although the log records the close', async () => {
  const ms = Messenger.create({ name: 'client.admin', config: { ms_mon_client_mode: 'crc' }, authClient: new AuthNoneClient({ name: { type: EntityType.CLIENT, id: 'admin' } }) });
  ms.setDefaultPolicy(Policy.lossy_client());
  let got = 0;
  ms.addDispatcher({ dispatch: (m) => void (m.type === MsgType.MON_MAP && got++) });
  await ms.start();
  ms.connectTo(`${mon.v2Addr}/0`, 'mon').send(new Message({ type: MsgType.MON_GET_MAP }));
  await eventually(() => got > 0, 5000, 'a monmap');
  await ms.shutdown();
  await new Promise((r) => setTimeout(r, 200));
  await flushLog(mon);
  const text = readLog(mon);
  assert.match(text, /_fault on lossy channel, failing/, 'the close is in the log');
  assert.deepEqual(badLogLines(text), []);
});

test('an undecodable message and a corrupt frame are found by the scan', async (t) => {
  // 1. a real session, then an MMonCommand whose front is 3 bytes of nothing
  const ms = Messenger.create({ name: 'client.admin', config: { ms_mon_client_mode: 'crc' }, authClient: new AuthNoneClient({ name: { type: EntityType.CLIENT, id: 'admin' } }) });
  ms.setDefaultPolicy(Policy.lossy_client());
  let reset = false;
  ms.on('reset', () => (reset = true));
  const ready = new Promise<Connection>((r) => ms.addDispatcher({ handleConnect: r }));
  await ms.start();
  ms.connectTo(`${mon.v2Addr}/0`, 'mon');
  const conn = await ready;
  conn.send(new Message({ type: MsgType.MON_COMMAND, front: Buffer.from([1, 2, 3]) }));
  await eventually(() => reset, 5000, 'the mon drops the connection');
  await ms.shutdown();

  // 2. a valid banner, then 32 bytes that are not a preamble
  const [host, port] = mon.v2Addr.replace('v2:', '').split(':') as [string, string];
  await new Promise<void>((resolve, reject) => {
    const s = connect(Number(port), host, () => {
      s.write(encodeBanner(3n, 0n));
      s.write(Buffer.alloc(32, 0x5a));
    });
    s.on('data', () => {});
    s.on('error', () => resolve());
    s.on('close', () => resolve());
    setTimeout(() => {
      s.destroy();
      reject(new Error('the mon did not close the socket'));
    }, 5000);
  });

  await new Promise((r) => setTimeout(r, 200));
  await flushLog(mon);
  const bad = badLogLines(readLog(mon));
  t.diagnostic(`flagged:\n${bad.join('\n')}`);
  assert.ok(bad.some((l) => /decode/i.test(l) && /\b50\b|mon_command|message/i.test(l)), `decode failure found:\n${bad.join('\n')}`);
  assert.ok(bad.some((l) => /preamble|crc/i.test(l)), `frame failure found:\n${bad.join('\n')}`);
  assert.ok(bad.every((l) => BAD_LINE.test(l)));
});
