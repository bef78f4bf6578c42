/**
 * Child process of the msgr1 stress test: an osd.0 messenger (stateful_server towards clients)
 * bound to a v1 address on loopback. Every received message is checked: its session seq must be
 * the next one, its application index (front: le32 index, le32 crc32c(data), le32 data length)
 * must be the next one, and the data must match its checksum. Talks to the parent over the fork
 * IPC channel: sends {addrs} when listening, answers 'report' with the counters, exits on 'exit'.
 */
import { crc32c } from '../../src/encoding/crc32c.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { Messenger } from '../../src/node/messenger.ts';
import type { Message } from '../../src/messages/message.ts';

export interface StressReport {
  received: number;
  bytes: number;
  duplicates: number;
  outOfOrder: number;
  badChecksum: number;
  badSeq: number;
  lastIndex: number;
  accepts: number;
  remoteResets: number;
  resets: number;
  faults: number;
  connections: number;
}

const report: StressReport = {
  received: 0,
  bytes: 0,
  duplicates: 0,
  outOfOrder: 0,
  badChecksum: 0,
  badSeq: 0,
  lastIndex: -1,
  accepts: 0,
  remoteResets: 0,
  resets: 0,
  faults: 0,
  connections: 0,
};
let lastSeq = 0n;

function check(m: Message): void {
  const idx = m.front.readUInt32LE(0);
  const sum = m.front.readUInt32LE(4);
  const len = m.front.readUInt32LE(8);
  if (idx <= report.lastIndex) report.duplicates++;
  else if (idx !== report.lastIndex + 1) report.outOfOrder++;
  if (m.seq !== lastSeq + 1n) report.badSeq++;
  lastSeq = m.seq;
  if (m.data.length !== len || crc32c(0, m.data) !== sum) report.badChecksum++;
  report.lastIndex = Math.max(report.lastIndex, idx);
  report.received++;
  report.bytes += m.payloadLength;
}

const ms = Messenger.create({ name: 'osd.0' });
ms.setDefaultPolicy(Policy.stateful_server());
ms.addDispatcher({
  dispatch: (m: Message) => check(m),
  handleAccept: () => void report.accepts++,
  handleRemoteReset: () => void report.remoteResets++,
  handleReset: () => void report.resets++,
});
ms.on('fault', () => void report.faults++);
const addrs = await ms.bind('v1:127.0.0.1:0');
await ms.start();
process.send!({ kind: 'listening', addrs: addrs.map((a) => ({ ...a })) });
process.on('message', (msg: { kind: string }) => {
  if (msg.kind === 'report') {
    report.connections = ms.connections().length;
    process.send!({ kind: 'report', report });
  } else if (msg.kind === 'exit') {
    void ms.shutdown().then(() => process.exit(0));
  }
});
