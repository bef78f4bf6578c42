/**
 * An outside oracle for our msgr1 bytes: Wireshark's Ceph dissector (tshark 4.0, heuristic
 * dissector `ceph_tcp`, msgr1 only). Two sessions between ceph-msgr messengers are captured on
 * loopback and decoded by tshark, which must mark none of their frames malformed and raise no
 * error-level expert info:
 *  1. lossless client ↔ stateful server: banner + addresses, ceph_msg_connect with the none
 *     authorizer, SEQ reply + le64 exchange, messages both ways (an MPing and a 200 KB message with
 *     front, middle and data spanning many TCP segments), ACKs, KEEPALIVE2 and KEEPALIVE2_ACK both ways;
 *  2. a lossy_client without RECONNECT_SEQ: READY reply (without LOSSY: the stateful server
 *     decides), no le64 exchange.
 * The decoded fields are checked too (tags, seqs, acks, connect fields, the 200 KB message's
 * footer crc), which shows the dissector walked our records at the right offsets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync } from 'node:child_process';
import { Buffer } from 'node:buffer';
import { mkdtempSync, rmSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32c } from '../../src/encoding/crc32c.ts';
import { DEFAULT_FEATURES, Feature } from '../../src/encoding/types/features.ts';
import { Policy } from '../../src/core/session/policy.ts';
import { Message } from '../../src/messages/message.ts';
import { node, sleep, until } from './helpers.ts';

const BIG_TYPE = 0x7001;

/** Start tshark on lo for `ports` and return once it is really capturing (a probe port is seen). */
async function startCapture(file: string, ports: number[]): Promise<{ stop(): Promise<void> }> {
  const probe = net.createServer((s) => s.destroy());
  await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
  const pport = (probe.address() as net.AddressInfo).port;
  const filter = [...ports, pport].map((p) => `tcp port ${p}`).join(' or ');
  const ts = spawn('tshark', ['-i', 'lo', '-f', filter, '-w', file, '-P', '-l'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = false;
  let stderr = '';
  ts.stdout.on('data', (d: Buffer) => {
    if (d.toString().includes(String(pport))) seen = true;
  });
  ts.stderr.on('data', (d: Buffer) => void (stderr += d.toString()));
  const exited = new Promise<void>((r) => ts.once('exit', () => r()));
  const deadline = Date.now() + 15_000;
  while (!seen) {
    assert.ok(ts.exitCode === null, `tshark exited: ${stderr}`);
    assert.ok(Date.now() < deadline, `tshark did not start capturing: ${stderr}`);
    net.connect(pport, '127.0.0.1').on('error', () => {});
    await sleep(50);
  }
  return {
    async stop() {
      await sleep(200);
      ts.kill('SIGINT');
      await exited;
      probe.close();
    },
  };
}

function tshark(args: string[]): string {
  return execFileSync('tshark', ['--enable-heuristic', 'ceph_tcp', ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
}

interface Row {
  frame: number;
  src: number;
  tags: string[];
  seqs: string[];
  acks: string[];
  seqExisting: string;
  seqNew: string;
  connectSeq: string;
  connectGs: string;
  host: string;
  frontCrcs: string[];
  types: string[];
}

function rows(file: string, port: number): Row[] {
  const fields = ['frame.number', 'tcp.srcport', 'ceph.tag', 'ceph.seq', 'ceph.ack', 'ceph.seq_existing', 'ceph.seq_new', 'ceph.connect.seq', 'ceph.connect.global_seq', 'ceph.connect.host', 'ceph.foot.front_crc', 'ceph.type'];
  const out = tshark(['-r', file, '-Y', `ceph && tcp.port == ${port}`, '-T', 'fields', '-E', 'separator=|', ...fields.flatMap((f) => ['-e', f])]);
  const list = (s: string | undefined): string[] => (s ? s.split(',') : []);
  return out
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const c = l.split('|');
      return {
        frame: Number(c[0]),
        src: Number(c[1]),
        tags: list(c[2]),
        seqs: list(c[3]),
        acks: list(c[4]),
        seqExisting: c[5] ?? '',
        seqNew: c[6] ?? '',
        connectSeq: c[7] ?? '',
        connectGs: c[8] ?? '',
        host: c[9] ?? '',
        frontCrcs: list(c[10]),
        types: list(c[11]),
      };
    });
}

test('tshark (Wireshark Ceph dissector) decodes our msgr1 sessions: nothing malformed, fields as sent', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'msgr1-tshark-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'msgr1.pcapng');
  const srv = await node(t, 'osd.0', Policy.stateful_server(), { bind: 'v1:127.0.0.1:0' });
  srv.d.onMessage = (_m, c) => {
    c.send(new Message({ type: 2 }));
    c.sendKeepalive();
  };
  const port = srv.m.myAddrs[0]!.port;
  const cap = await startCapture(file, [port]);

  // session 1: lossless, SEQ exchange, two messages each way, keepalives both ways
  const a = await node(t, 'client.-1', Policy.lossless_client());
  const ca = a.m.connectTo(srv.m.myAddrs.slice(), 'osd');
  const front = Buffer.alloc(100, 1);
  ca.send(new Message({ type: 2 }));
  ca.send(new Message({ type: BIG_TYPE, front, middle: Buffer.alloc(50, 2), data: Buffer.alloc(200_000, 3) }));
  ca.sendKeepalive();
  assert.ok(await until(() => a.d.messages === 2 && srv.d.messages === 2, 3000));
  await sleep(50);
  // session 2: lossy, the peer lacks RECONNECT_SEQ → READY
  const b = await node(t, 'client.-1', Policy.with(Policy.lossy_client(), { featuresSupported: DEFAULT_FEATURES & ~Feature.RECONNECT_SEQ }));
  const cb = b.m.connectTo(srv.m.myAddrs.slice(), 'osd');
  cb.send(new Message({ type: 2 }));
  assert.ok(await until(() => b.d.messages === 1 && srv.d.messages === 3, 3000));
  assert.equal(cb.lossy, false, 'the server decides: its READY carries no LOSSY flag');
  await sleep(50);
  await a.m.shutdown();
  await b.m.shutdown();
  await cap.stop();

  // 1) nothing malformed, no error-level expert info on any frame of the Ceph port
  const bad = tshark(['-r', file, '-Y', `tcp.port == ${port} && (_ws.malformed || _ws.expert.severity >= 8388608)`]);
  assert.equal(bad.trim(), '', `malformed/error frames:\n${bad}`);
  // the only Ceph-level warning: our own message type is unknown to the dissector
  const experts = tshark(['-r', file, '-Y', `ceph && tcp.port == ${port}`, '-T', 'fields', '-e', '_ws.expert.message'])
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter((s) => s && !s.startsWith('TCP ') && !s.startsWith('Connection '));
  for (const e of experts) assert.match(e, /^Unknown message type/, `unexpected expert info: ${e}`);

  // 2) the decoded records
  const all = rows(file, port);
  const streams = [...new Set(all.filter((r) => r.src !== port).map((r) => r.src))];
  assert.equal(streams.length, 2, 'two client connections decoded');
  const [s1, s2] = streams.map((cport) => all.filter((r) => r.src === cport || (r.src === port && tcpPeer(file, r.frame) === cport)));
  const fromClient = (rs: Row[]): Row[] => rs.filter((r) => r.src !== port);
  const fromServer = (rs: Row[]): Row[] => rs.filter((r) => r.src === port);

  // session 1
  const c1 = fromClient(s1!).find((r) => r.host !== '')!;
  assert.deepEqual([c1.host, c1.connectSeq], ['0x00000008', '0'], 'client connect: host type client, connect_seq 0');
  assert.ok(Number(c1.connectGs) > 0);
  const sTags1 = fromServer(s1!).flatMap((r) => r.tags);
  const cTags1 = fromClient(s1!).flatMap((r) => r.tags);
  assert.equal(sTags1[0], '0x0d', 'the server replies SEQ');
  assert.equal(fromServer(s1!).find((r) => r.tags[0] === '0x0d')!.seqExisting, '0');
  assert.ok(fromClient(s1!).some((r) => r.seqNew === '0'), 'the client answers with its le64 in_seq');
  assert.deepEqual(fromClient(s1!).flatMap((r) => r.seqs), ['1', '2'], 'client message seqs');
  assert.deepEqual(fromServer(s1!).flatMap((r) => r.seqs), ['1', '2'], 'server message seqs');
  assert.deepEqual(fromClient(s1!).flatMap((r) => r.types), ['0x0002', `0x${BIG_TYPE.toString(16).padStart(4, '0')}`]);
  assert.ok(fromClient(s1!).flatMap((r) => r.frontCrcs).includes(`0x${crc32c(0, front).toString(16).padStart(8, '0')}`), 'footer front crc read at the right offset');
  for (const [who, tags] of [['client', cTags1], ['server', sTags1]] as const) {
    for (const tag of ['0x07', '0x08', '0x0e', '0x0f']) assert.ok(tags.includes(tag), `${who} sent tag ${tag}: ${tags}`);
  }
  assert.ok(fromServer(s1!).flatMap((r) => r.acks).includes('2'), 'the server acked both client messages');
  // session 2
  const sTags2 = fromServer(s2!).flatMap((r) => r.tags);
  assert.equal(sTags2[0], '0x01', 'READY');
  assert.equal(fromClient(s2!).some((r) => r.seqNew !== ''), false, 'no le64 exchange after READY');
  assert.deepEqual(fromClient(s2!).flatMap((r) => r.seqs), ['1']);
  assert.ok(fromServer(s2!).flatMap((r) => r.acks).includes('1'), 'lossless (server policy): the message is acked');
});

const peerCache = new Map<string, Map<number, number>>();
/** The client port of the TCP stream a server frame belongs to. */
function tcpPeer(file: string, frame: number): number {
  let m = peerCache.get(file);
  if (!m) {
    m = new Map();
    const out = execFileSync('tshark', ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.dstport'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    for (const l of out.trim().split('\n')) {
      const [f, p] = l.split('\t');
      m.set(Number(f), Number(p));
    }
    peerCache.set(file, m);
  }
  return m.get(frame)!;
}
