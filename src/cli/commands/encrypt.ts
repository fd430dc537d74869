import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { keyProviderFromOptions, type KeyProviderOptions } from '../../keys/index.js';
import { encryptFile } from '../../api/index.js';
import type { EncryptResult } from '../../api/index.js';
import type { ProtectionScheme } from '../../keys/content-key.js';
import { EXIT } from '../exit-codes.js';
import { withInterruptCleanup } from '../interrupt.js';
import { progressBar } from '../progress-bar.js';
import { parseIvHex, parsePool, parseScheme, requireKeySource } from '../common-args.js';
import { KEY_SOURCE_OPTIONS, KEY_SOURCE_USAGE, keySourceFrom } from '../key-source.js';

const USAGE = `usage: segcrypt encrypt <input> -o <output> --scheme cenc|cbcs|cens|cbc1|aes-128|sample-aes <key source> [options]
  Encrypts a fragmented MP4/CMAF file (init + fragments) or an MPEG-TS segment (container from the bytes).
${KEY_SOURCE_USAGE}
  --iv HEX             base per-sample IV (16 or 32 hex digits) or, for cbcs, the constant IV (32 hex digits)
  --key-uri URI        MPEG-TS: the EXT-X-KEY URI printed (skd:// gets FairPlay's KEYFORMAT); default: the key
                       server's, else key.bin for aes-128 (a placeholder) or skd://<KID as UUID> for sample-aes
  --sequence N         MPEG-TS: the segment's media sequence number; without --iv the IV is N (RFC 8216 5.2). Default 0
  --clear-lead S       leave fragments that start in the first S seconds unencrypted
  --sidx               fMP4: add a sidx (segment index) when the input has none, so tools that need one
                       (ffmpeg 5.1 reading the file directly) can; default: keep the input's box layout
  --pool N             worker threads (0 = encrypt in this thread)
  --json               print the result as JSON on stdout
  --quiet              print nothing on success (errors still go to stderr)`;

export interface EncryptArgs { input: string; output: string; scheme: ProtectionScheme; keySource: KeyProviderOptions; iv?: Buffer; keyUri?: string; sequence?: number; clearLead?: number; pool?: number; sidx: boolean; json: boolean; quiet: boolean }

export function parseEncryptArgs(argv: string[]): EncryptArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...KEY_SOURCE_OPTIONS, output: { type: 'string', short: 'o' }, scheme: { type: 'string' },
        iv: { type: 'string' }, 'key-uri': { type: 'string' }, sequence: { type: 'string' }, 'clear-lead': { type: 'string' }, pool: { type: 'string' }, sidx: { type: 'boolean' }, json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true, allowPositionals: true,
    });
  } catch (e) {
    throw new UsageError('ERR_CLI_ARGS', (e as Error).message, { where: 'encrypt' });
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length !== 1) throw new UsageError('ERR_CLI_ARGS', `encrypt takes exactly one input file, got ${parsed.positionals.length}`, { where: '<input>' });
  if (!v.output) throw new UsageError('ERR_CLI_ARGS', 'the output file is required: -o <output>', { where: '-o' });
  const scheme = parseScheme(v.scheme);
  const keySource = keySourceFrom(v);
  const iv = v.iv !== undefined ? parseIvHex(v.iv) : undefined;
  let clearLead: number | undefined;
  if (v['clear-lead'] !== undefined) {
    clearLead = Number(v['clear-lead']);
    if (!Number.isFinite(clearLead) || clearLead < 0) throw new UsageError('ERR_CLI_ARGS', `--clear-lead must be a number of seconds >= 0, got "${v['clear-lead'].slice(0, 10)}"`, { where: '--clear-lead' });
  }
  let sequence: number | undefined;
  if (v.sequence !== undefined) {
    sequence = /^\d{1,15}$/.test(v.sequence) ? Number(v.sequence) : NaN;
    if (!Number.isSafeInteger(sequence)) throw new UsageError('ERR_CLI_ARGS', `--sequence must be a media sequence number (an integer >= 0), got "${v.sequence.slice(0, 20)}"`, { where: '--sequence' });
  }
  if (v['key-uri'] === '') throw new UsageError('ERR_CLI_ARGS', '--key-uri must not be empty', { where: '--key-uri' });
  const pool = v.pool !== undefined ? parsePool(v.pool) : undefined;
  requireKeySource(keySource);
  return { input: parsed.positionals[0]!, output: v.output, scheme, keySource, iv, keyUri: v['key-uri'], sequence, clearLead, pool, sidx: v.sidx ?? false, json: v.json ?? false, quiet: v.quiet ?? false };
}

function summary(r: EncryptResult): string {
  const tracks = r.tracks.map((t) => `${t.type} ${t.codec} kid ${t.kid}`).join('; ');
  const clear = (r.clearTracks ?? []).map((c) => `track ${c.trackId} ${c.codec} (${c.reason})`).join('; ');
  const line = `encrypted ${r.container} with ${r.scheme}: ${r.fragments} fragments${r.sidxAdded ? ', sidx added' : ''}, ${r.bytesIn} -> ${r.bytesOut} bytes (${tracks})${clear ? `; left clear: ${clear}` : ''}`;
  // TS results carry the media playlist tag to use (src/api/encrypt-ts.ts).
  const extXKey = (r as EncryptResult & { extXKey?: string }).extXKey;
  return extXKey ? `${line}\n${extXKey}` : line;
}

/** `segcrypt encrypt`: typed errors propagate to main(), which maps them to exit codes. */
export async function encryptCommand(argv: string[]): Promise<number> {
  const args = parseEncryptArgs(argv);
  if (args === 'help') { process.stdout.write(`${USAGE}\n`); return EXIT.ok; }
  const keys = keyProviderFromOptions(args.keySource);
  const bar = progressBar('encrypt [{bar}] {percentage}% {value}/{total} MB', !args.json && !args.quiet);
  let result: EncryptResult;
  try {
    result = await withInterruptCleanup(() => encryptFile(args.input, args.output, {
      scheme: args.scheme, keys, iv: args.iv,
      ...(args.keyUri !== undefined ? { keyUri: args.keyUri } : {}), ...(args.sequence !== undefined ? { sequenceNumber: args.sequence } : {}),
      ...(args.keySource.contentId ? { contentId: args.keySource.contentId } : {}), clearLead: args.clearLead, poolSize: args.pool, ...(args.sidx ? { sidx: true } : {}),
      onProgress: (done, total) => bar.update(Math.floor(done / 1e6), Math.ceil(total / 1e6)),
    }), () => bar.stop());
  } finally {
    bar.stop();
  }
  if (args.json) {
    const json = { ...result, pssh: result.pssh.map((p) => p.toString('base64')), drm: result.drm.map((d) => ({ ...d, kid: d.kid.toString('hex'), pssh: d.pssh?.toString('base64') })) };
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } else if (!args.quiet) {
    process.stdout.write(`${summary(result)}\n`);
  }
  return EXIT.ok;
}
