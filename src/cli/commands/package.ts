import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { encryptPackage, type PackageResult } from '../../api/encrypt-package.js';
import type { ProtectionScheme } from '../../keys/content-key.js';
import { keyProviderFromOptions, type KeyProviderOptions } from '../../keys/provider-from-options.js';
import { EXIT } from '../exit-codes.js';
import { parseIvHex, parsePool, parseScheme, requireKeySource } from '../common-args.js';
import { withInterruptCleanup } from '../interrupt.js';
import { progressBar } from '../progress-bar.js';
import { KEY_SOURCE_OPTIONS, KEY_SOURCE_USAGE, keySourceFrom } from '../key-source.js';

const USAGE = `usage: segcrypt package <inDir> <outDir> --scheme cenc|cbcs|cens|cbc1|aes-128|sample-aes <key source> [options]
  Encrypts a whole DASH (MPD) or HLS (master + media playlists) package and rewrites its manifests.
${KEY_SOURCE_USAGE}
  --key-uri URI            HLS EXT-X-KEY URI of the key itself (aes-128: required unless the key server returns one; {kid} = each rendition's KID)
  --clearkey-laurl URL     ClearKey license URL for the DASH ContentProtection
  --iv HEX                 base per-sample IV (16 or 32 hex digits), or the constant IV for cbcs / the AES-128 IV
  --key-period SECONDS     key rotation: a segment's key period = floor(decode time / SECONDS); keys per period from
                           --key KID:KEY@P (P = period index, repeatable), a CPIX file's ContentKeyPeriods, or the key server
  --pssh-in-moof           with --key-period: each moof carries its period's pssh boxes
  --pool N                 worker threads (0 = encrypt in this thread)
  --queue URL              encrypt through \`segcrypt worker\` processes on a BullMQ queue at redis:// or rediss://
                           URL; folders on a volume every worker sees at the same path
  --queue-name NAME        queue name (default segcrypt)
  --redis-ca FILE          with a rediss:// queue: the CA certificate (PEM) to trust instead of the default roots
  --json                   print the result as JSON on stdout
  --quiet                  print nothing on success (errors still go to stderr)
  --no-progress            no progress bar (shown only on a terminal, once the work has run for a second)`;


export interface PackageArgs {
  inDir: string;
  outDir: string;
  scheme: ProtectionScheme;
  keySource: KeyProviderOptions;
  keyUri?: string;
  clearKeyLicenseUrl?: string;
  iv?: Buffer;
  pool?: number;
  queue?: { connection: string; name?: string; ca?: string };
  keyPeriod?: number;
  psshInMoof?: boolean;
  json: boolean;
  quiet: boolean;
  progress: boolean;
}

export function parsePackageArgs(argv: string[]): PackageArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...KEY_SOURCE_OPTIONS, scheme: { type: 'string' },
        'key-uri': { type: 'string' }, 'clearkey-laurl': { type: 'string' }, iv: { type: 'string' }, pool: { type: 'string' },
        queue: { type: 'string' }, 'queue-name': { type: 'string' }, 'redis-ca': { type: 'string' },
        'key-period': { type: 'string' }, 'pssh-in-moof': { type: 'boolean' },
        json: { type: 'boolean' }, quiet: { type: 'boolean', short: 'q' }, 'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true, allowPositionals: true,
    });
  } catch (e) {
    throw new UsageError('ERR_CLI_ARGS', (e as Error).message, { where: 'package' });
  }
  const v = parsed.values;
  if (v.help) return 'help';
  if (parsed.positionals.length !== 2) {
    throw new UsageError('ERR_CLI_ARGS', `package takes an input and an output directory, got ${parsed.positionals.length} arguments`, { where: '<inDir> <outDir>' });
  }
  const scheme = parseScheme(v.scheme);
  const keySource = keySourceFrom(v);
  const out: PackageArgs = {
    inDir: parsed.positionals[0]!, outDir: parsed.positionals[1]!, scheme, keySource,
    json: v.json ?? false, quiet: v.quiet ?? false, progress: !v['no-progress'] && !v.quiet,
  };
  if (v['key-uri'] !== undefined) out.keyUri = v['key-uri'];
  if (v['clearkey-laurl'] !== undefined) out.clearKeyLicenseUrl = v['clearkey-laurl'];
  if (v.iv !== undefined) out.iv = parseIvHex(v.iv);
  if (v.pool !== undefined) out.pool = parsePool(v.pool);
  const queue = v.queue;
  if (v['queue-name'] !== undefined && queue === undefined) throw new UsageError('ERR_CLI_ARGS', '--queue-name needs --queue redis://HOST:PORT', { where: '--queue-name' });
  if (v['redis-ca'] !== undefined && queue === undefined) throw new UsageError('ERR_CLI_ARGS', '--redis-ca needs --queue rediss://HOST:PORT', { where: '--redis-ca' });
  if (queue !== undefined) out.queue = { connection: queue, ...(v['queue-name'] !== undefined ? { name: v['queue-name'] } : {}), ...(v['redis-ca'] !== undefined ? { ca: v['redis-ca'] } : {}) };
  if (v['key-period'] !== undefined) {
    const n = Number(v['key-period']);
    if (!/^\d+(\.\d+)?$/.test(v['key-period']) || !(n > 0)) throw new UsageError('ERR_CLI_ARGS', `--key-period takes a number of seconds > 0, got ${JSON.stringify(v['key-period'])}`, { where: '--key-period' });
    out.keyPeriod = n;
  }
  if (v['pssh-in-moof']) {
    if (out.keyPeriod === undefined) throw new UsageError('ERR_CLI_ARGS', '--pssh-in-moof is for key rotation: give --key-period too', { where: '--pssh-in-moof' });
    out.psshInMoof = true;
  }
  requireKeySource(keySource);
  return out;
}

function summary(r: PackageResult): string {
  const kids = Object.entries(r.kids).map(([t, k]) => `${t} kid ${k}`).join(', ');
  return `encrypted ${r.format.toUpperCase()} package into ${r.outDir}: ${r.encrypted.length} media files encrypted, `
    + `${r.written.length - r.encrypted.length - r.manifests.length} copied, ${r.manifests.length} manifests rewritten (${kids})`
    + (r.leftClear.length ? `; left clear: ${r.leftClear.map((c) => `${c.rendition} (${c.reason})`).join(', ')}` : '');
}

/** `segcrypt package`: typed errors propagate to main(), which maps them to exit codes. */
export async function packageCommand(argv: string[]): Promise<number> {
  const args = parsePackageArgs(argv);
  if (args === 'help') { process.stdout.write(`${USAGE}\n`); return EXIT.ok; }
  const keys = keyProviderFromOptions(args.keySource);
  const bar = progressBar('package [{bar}] {value}/{total} files', args.progress);
  try {
    const result = await withInterruptCleanup(() => encryptPackage(args.inDir, args.outDir, {
      scheme: args.scheme, keys,
      // The key server issues keys per content id: the one given, not the folder's name.
      ...(args.keySource.contentId ? { contentId: args.keySource.contentId } : {}),
      ...(args.keyUri !== undefined ? { keyUri: args.keyUri } : {}), ...(args.clearKeyLicenseUrl ? { clearKeyLicenseUrl: args.clearKeyLicenseUrl } : {}),
      ...(args.iv ? { iv: args.iv } : {}), ...(args.pool !== undefined ? { poolSize: args.pool } : {}),
      ...(args.queue ? { queue: args.queue } : {}),
      ...(args.keyPeriod !== undefined ? { keyPeriod: args.keyPeriod } : {}), ...(args.psshInMoof ? { psshInMoof: true } : {}),
      onProgress: (done, total) => bar.update(done, total),
    }), () => bar.stop());
    bar.stop();
    if (args.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else if (!args.quiet) process.stdout.write(`${summary(result)}\n`);
    return EXIT.ok;
  } finally {
    bar.stop();
  }
}
