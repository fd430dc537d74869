import { parseArgs } from 'node:util';
import cliProgress from 'cli-progress';
import { UsageError } from '../../errors.js';
import { encryptPackage, type PackageResult } from '../../api/encrypt-package.js';
import type { ProtectionScheme } from '../../keys/content-key.js';
import { keyProviderFromOptions, parseDrmSystems, parseSpekeVersion, type KeyProviderOptions } from '../../keys/provider-from-options.js';
import { EXIT } from '../exit-codes.js';

const USAGE = `usage: segcrypt package <inDir> <outDir> --scheme cenc|cbcs|cens|cbc1|aes-128|sample-aes <key source> [options]
  Encrypts a whole DASH (MPD) or HLS (master + media playlists) package and rewrites its manifests.
  key source (exactly one):
    --key KID:KEY          static key, 32 hex digits each; video=KID:KEY / audio=KID:KEY per track type (repeatable)
    --cpix FILE            a CPIX document
    --speke-url URL        a SPEKE key server (with --content-id; --speke-version 1|2, --drm LIST, --auth SPEC,
                           --delivery-cert FILE --delivery-key FILE for encrypted key delivery)
  --key-uri URI            HLS EXT-X-KEY URI of the key itself (required for aes-128; never written by segcrypt)
  --clearkey-laurl URL     ClearKey license URL for the DASH ContentProtection
  --iv HEX                 base per-sample IV (16 or 32 hex digits), or the constant IV for cbcs / the AES-128 IV
  --pool N                 worker threads (0 = encrypt in this thread)
  --json                   print the result as JSON on stdout
  --no-progress            no progress bar (it is shown only when stderr is a terminal)`;

const SCHEMES = new Set(['cenc', 'cbcs', 'cens', 'cbc1', 'aes-128', 'sample-aes']);

export interface PackageArgs {
  inDir: string;
  outDir: string;
  scheme: ProtectionScheme;
  keySource: KeyProviderOptions;
  keyUri?: string;
  clearKeyLicenseUrl?: string;
  iv?: Buffer;
  pool?: number;
  json: boolean;
  progress: boolean;
}

export function parsePackageArgs(argv: string[]): PackageArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        scheme: { type: 'string' }, key: { type: 'string', multiple: true }, cpix: { type: 'string' },
        'speke-url': { type: 'string' }, 'content-id': { type: 'string' }, 'speke-version': { type: 'string' },
        drm: { type: 'string' }, auth: { type: 'string' }, 'delivery-cert': { type: 'string' }, 'delivery-key': { type: 'string' },
        'key-uri': { type: 'string' }, 'clearkey-laurl': { type: 'string' }, iv: { type: 'string' }, pool: { type: 'string' },
        json: { type: 'boolean' }, 'no-progress': { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
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
  if (!v.scheme || !SCHEMES.has(v.scheme)) {
    throw new UsageError('ERR_CLI_ARGS', `--scheme must be one of cenc, cbcs, cens, cbc1, aes-128, sample-aes${v.scheme ? `, got "${v.scheme.slice(0, 20)}"` : ''}`, { where: '--scheme' });
  }
  const keySource: KeyProviderOptions = {
    ...(v.key ? { keys: v.key } : {}), ...(v.cpix ? { cpixFile: v.cpix } : {}), ...(v['speke-url'] ? { spekeUrl: v['speke-url'] } : {}),
    ...(v['content-id'] ? { contentId: v['content-id'] } : {}), ...(v['speke-version'] ? { spekeVersion: parseSpekeVersion(v['speke-version']) } : {}),
    ...(v.drm ? { drm: parseDrmSystems(v.drm) } : {}), ...(v.auth ? { auth: v.auth } : {}),
    ...(v['delivery-cert'] ? { deliveryCert: v['delivery-cert'] } : {}), ...(v['delivery-key'] ? { deliveryKey: v['delivery-key'] } : {}),
  };
  const out: PackageArgs = {
    inDir: parsed.positionals[0]!, outDir: parsed.positionals[1]!, scheme: v.scheme as ProtectionScheme, keySource,
    json: v.json ?? false, progress: !v['no-progress'],
  };
  if (v['key-uri'] !== undefined) out.keyUri = v['key-uri'];
  if (v['clearkey-laurl'] !== undefined) out.clearKeyLicenseUrl = v['clearkey-laurl'];
  if (v.iv !== undefined) {
    const hex = v.iv.replace(/^0x/i, '');
    if (!/^([0-9a-fA-F]{16}|[0-9a-fA-F]{32})$/.test(hex)) throw new UsageError('ERR_IV_FORMAT', `--iv must be 16 or 32 hex digits, got ${hex.length} characters`, { where: '--iv' });
    out.iv = Buffer.from(hex, 'hex');
  }
  if (v.pool !== undefined) {
    const pool = Number(v.pool);
    if (!Number.isInteger(pool) || pool < 0 || pool > 64) throw new UsageError('ERR_CLI_ARGS', `--pool must be an integer from 0 to 64, got "${v.pool.slice(0, 10)}"`, { where: '--pool' });
    out.pool = pool;
  }
  return out;
}

function summary(r: PackageResult): string {
  const kids = Object.entries(r.kids).map(([t, k]) => `${t} kid ${k}`).join(', ');
  return `encrypted ${r.format.toUpperCase()} package into ${r.outDir}: ${r.encrypted.length} media files encrypted, `
    + `${r.written.length - r.encrypted.length - r.manifests.length} copied, ${r.manifests.length} manifests rewritten (${kids})`;
}

/** `segcrypt package`: typed errors propagate to main(), which maps them to exit codes. */
export async function packageCommand(argv: string[]): Promise<number> {
  const args = parsePackageArgs(argv);
  if (args === 'help') { process.stdout.write(`${USAGE}\n`); return EXIT.ok; }
  const keys = keyProviderFromOptions(args.keySource);
  const bar = args.progress && process.stderr.isTTY
    ? new cliProgress.SingleBar({ stream: process.stderr, format: 'package [{bar}] {value}/{total} files', hideCursor: true }, cliProgress.Presets.shades_classic)
    : undefined;
  let started = false;
  try {
    const result = await encryptPackage(args.inDir, args.outDir, {
      scheme: args.scheme, keys,
      ...(args.keyUri !== undefined ? { keyUri: args.keyUri } : {}), ...(args.clearKeyLicenseUrl ? { clearKeyLicenseUrl: args.clearKeyLicenseUrl } : {}),
      ...(args.iv ? { iv: args.iv } : {}), ...(args.pool !== undefined ? { poolSize: args.pool } : {}),
      onProgress: (done, total) => {
        if (!bar) return;
        if (!started) { bar.start(total, 0); started = true; }
        bar.update(done);
      },
    });
    bar?.stop();
    process.stdout.write(args.json ? `${JSON.stringify(result)}\n` : `${summary(result)}\n`);
    return EXIT.ok;
  } finally {
    if (started) bar?.stop();
  }
}
