/**
 * `ceph-msgr decode FILE… [-k KEYRING]`: annotate every frame of the Ceph sessions in packet
 * captures (pcap / pcapng: every TCP stream, both directions, reassembled) or hex files (stream
 * files, hex dumps, tshark follow-raw output) — see src/tools/decode.ts.
 */
import { readFileSync } from 'node:fs';
import { MsgrError } from '../../errors.ts';
import { parseKeyring, type Keyring } from '../../core/auth/keyring.ts';
import { decode, type DecodeInput } from '../../tools/decode.ts';
import { formatDecodeResult } from '../../tools/format.ts';
import type { CliIO, Command } from '../command.ts';
import { UsageError } from '../errors.ts';
import { COMMON_USAGE, parseOrHelp, type CommonOptions } from '../options.ts';

const USAGE = `usage: ceph-msgr decode FILE... [-k KEYRING] [--direction c2s|s2c] [-f plain|json|json-pretty]

Print every banner, frame and record of the Ceph sessions (msgr2.0/2.1 crc or secure, msgr1) in
each FILE, annotated: direction, byte offset, tag, on-wire size, segment lengths, every crc
checked (ok / BAD; GCM tag in secure mode), the decoded control fields, the message header and
the typed message payload (raw front for types without a codec), and an auth summary per stream.

FILE is a packet capture (pcap or pcapng; every TCP stream in it, both directions reassembled in
order, printed in capture order), a hex stream file (plain hex, one direction; NAME…c2s… and
NAME…s2c… given together are decoded as one connection), a hex dump (xxd, hexdump -C) or tshark
'follow,tcp,raw' output (both directions).

  -k KEYRING        decrypt msgr2 secure sessions whose cephx exchange is in the input: the key
                    of the client named in AUTH_REQUEST (mon mode), or the service key ('mon.')
                    for an authorizer
  --direction DIR   the direction of a one-direction hex input whose name says neither c2s nor
                    s2c (default: guessed from the bytes)
  -f json           the decoded items as JSON ({streams, items})

Exit status: 0, or 1 when a check failed (a BAD crc or GCM tag).

${COMMON_USAGE}`;

const FLAGS = { '--direction': true } as const;

/** The keyring named by -k/--keyring (or the keyring option), if one was given. */
function keyringFromConfig(o: CommonOptions): Keyring | undefined {
  if (o.config.source('keyring').source === 'default') return undefined;
  const files = o.config.get('keyring').split(/[,;\s]+/).filter(Boolean);
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch {
      continue;
    }
    return parseKeyring(text);
  }
  throw new MsgrError('ERR_KEYRING', `cannot read keyring ${files.join(', ')}`);
}

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'annotate every frame of Ceph sessions in a pcap/pcapng or hex file (-k KEYRING decrypts secure mode)',
  usage: USAGE,
  async run(args: string[], io: CliIO): Promise<number> {
    const o = parseOrHelp(args, io, FLAGS, USAGE);
    if (!o) return 0;
    if (!o.positional.length) throw new UsageError('decode needs at least one FILE');
    const dir = o.flags.get('--direction');
    if (dir !== undefined && dir !== 'c2s' && dir !== 's2c') throw new UsageError(`bad --direction '${String(dir)}' (c2s or s2c)`);
    const inputs: DecodeInput[] = o.positional.map((name) => {
      try {
        return { name, data: readFileSync(name) };
      } catch (e) {
        throw new MsgrError('ERR_INVALID_ARG', `cannot read ${name}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
    });
    const keyring = keyringFromConfig(o);
    const result = decode(inputs, { ...(keyring ? { keyring } : {}), ...(dir ? { direction: dir } : {}) });
    const format = o.format ?? 'plain';
    if (format === 'plain') io.out(formatDecodeResult(result));
    else io.out(JSON.stringify(result, null, format === 'json-pretty' ? 2 : undefined) + '\n');
    return result.streams.some((s) => s.badChecks > 0) ? 1 : 0;
  },
};
