/**
 * A receiver process for multi-process tests: binds, accepts a lossless session, checks every
 * message (order, duplicates, gaps, content) and prints one JSON line per request on stdout:
 *   stdin "report\n" → {"received":…,"unique":…,"duplicates":…,"gaps":…,"reordered":…,"corrupt":…}
 * The first stdout line is {"addrs":"…"}.  Usage: node --import tsx receiver.ts [policy] [msgr]
 */
import { createInterface } from 'node:readline';
import { formatAddrVec } from '../../src/encoding/types/entity-addr.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { Messenger } from '../../src/node/messenger.ts';
import { checkPayload } from '../helpers/payload.ts';

const policy = process.argv[2] ?? 'stateful_server';
const bindAddr = process.argv[3] ?? 'v2:127.0.0.1:0';
const m = Messenger.create({ name: 'osd.1', logicalName: 'cluster', config: { ms_dispatch_throttle_bytes: 64 << 20 } });
m.setDefaultPolicy(Policy.byName(policy));
let expected = 0;
const st = { received: 0, unique: 0, duplicates: 0, gaps: 0, reordered: 0, corrupt: 0, accepts: 0, remoteResets: 0 };
m.addDispatcher({
  dispatch(msg) {
    st.received++;
    const { index, ok } = checkPayload(msg.data);
    if (!ok) st.corrupt++;
    if (index === expected) {
      expected++;
      st.unique++;
    } else if (index < expected) st.duplicates++;
    else {
      st.gaps += index - expected;
      st.reordered++;
      expected = index + 1;
      st.unique++;
    }
  },
  handleAccept: () => void st.accepts++,
  handleRemoteReset: () => void st.remoteResets++,
});
const addrs = await m.bind(bindAddr);
await m.start();
process.stdout.write(JSON.stringify({ addrs: formatAddrVec(addrs) }) + '\n');
const rl = createInterface({ input: process.stdin });
rl.on('line', (l) => {
  if (l.trim() === 'report') process.stdout.write(JSON.stringify(st) + '\n');
});
rl.on('close', () => {
  void m.shutdown().then(() => process.exit(0));
});
