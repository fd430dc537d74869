/**
 * The key-source options shared by `encrypt` and `package`: static keys, a CPIX file or a SPEKE
 * server with its auth, from the command line, SEGCRYPT_* environment variables or --config.
 */
import { UsageError } from '../errors.js';
import { checkContract, parseAudioPreset, parseDrmSystems, parseSpekeVersion, parseVideoPreset, type KeyProviderOptions } from '../keys/index.js';
import { fromConfigFile, fromEnv, mergeLayers, type OptionValues } from './config-layers.js';

export const KEY_SOURCE_OPTIONS = {
  key: { type: 'string', multiple: true }, cpix: { type: 'string' },
  'speke-url': { type: 'string' }, 'content-id': { type: 'string' }, 'speke-version': { type: 'string' },
  drm: { type: 'string' }, auth: { type: 'string' }, 'role-arn': { type: 'string' }, 'external-id': { type: 'string' },
  signer: { type: 'string' }, 'delivery-cert': { type: 'string' }, 'delivery-key': { type: 'string' },
  'preset-video': { type: 'string' }, 'preset-audio': { type: 'string' },
  'allow-insecure-http': { type: 'boolean' }, 'speke-ca': { type: 'string' }, retries: { type: 'string' },
  config: { type: 'string' },
} as const;

export const KEY_SOURCE_USAGE = `  key source (exactly one; each option also from SEGCRYPT_<OPTION> env vars or a --config JSON file):
    --key KID:KEY          static key, 32 hex digits each; video=KID:KEY / audio=KID:KEY per track type (repeatable)
    --cpix FILE            a CPIX document
    --speke-url URL        a SPEKE key server, with --content-id ID [--speke-version 1|2 (default 2)]
                           [--drm widevine,playready,fairplay,clearkey,irdeto] [--auth basic:USER:PASS | bearer:TOKEN |
                           header:NAME:VALUE | sigv4:REGION] [--role-arn ARN --external-id ID] [--signer js|crt]
                           [--delivery-cert FILE --delivery-key FILE] (encrypted key delivery)
                           [--preset-video PRESET-VIDEO-1..8|SHARED|UNENCRYPTED] [--preset-audio PRESET-AUDIO-1..3|SHARED|UNENCRYPTED]
                           (SPEKE v2 encryption contract: a key per resolution / channel class; default PRESET-VIDEO-1, PRESET-AUDIO-1)
                           [--retries N (0-10, default 3)] [--speke-ca FILE (the CA to trust for an https key server)]
                           [--allow-insecure-http] (plain http to a key server beyond loopback: keys travel in clear)
    --config FILE          JSON object of these options (e.g. {"spekeUrl": "...", "auth": "bearer:..."})`;

const NAMES = Object.keys(KEY_SOURCE_OPTIONS).filter((n) => n !== 'config');
const MULTIPLE = new Set(['key']);
const SOURCES = ['key', 'cpix', 'speke-url'];

/** Layer file < env < command line, then map to the key provider factory's options. */
export function keySourceFrom(cli: OptionValues, env: NodeJS.ProcessEnv = process.env): KeyProviderOptions {
  const configFile = (cli.config as string | undefined) ?? env.SEGCRYPT_CONFIG;
  const layers = [configFile ? fromConfigFile(configFile, NAMES, MULTIPLE) : {}, fromEnv(NAMES, MULTIPLE, env), cli];
  const v = mergeLayers(layers, SOURCES);
  const s = (name: string) => v[name] as string | undefined;
  const o: KeyProviderOptions = {};
  if (v.key) o.keys = v.key as string[];
  if (s('cpix')) o.cpixFile = s('cpix');
  if (s('speke-url')) o.spekeUrl = s('speke-url');
  if (s('content-id')) o.contentId = s('content-id');
  if (s('speke-version')) o.spekeVersion = parseSpekeVersion(s('speke-version')!);
  if (s('drm')) o.drm = parseDrmSystems(s('drm')!);
  if (s('auth')) o.auth = s('auth');
  if (s('role-arn')) o.roleArn = s('role-arn');
  if (s('external-id')) o.externalId = s('external-id');
  if (s('signer')) {
    if (s('signer') !== 'js' && s('signer') !== 'crt') throw new UsageError('ERR_CLI_ARGS', '--signer must be js or crt', { where: '--signer' });
    o.signer = s('signer') as 'js' | 'crt';
  }
  if (s('delivery-cert')) o.deliveryCert = s('delivery-cert');
  if (s('delivery-key')) o.deliveryKey = s('delivery-key');
  if (s('preset-video')) o.videoPreset = parseVideoPreset(s('preset-video')!);
  if (s('preset-audio')) o.audioPreset = parseAudioPreset(s('preset-audio')!);
  if ((o.videoPreset || o.audioPreset) && !o.spekeUrl) {
    throw new UsageError('ERR_PRESET', '--preset-video / --preset-audio choose keys from a SPEKE v2 key server: give --speke-url', { where: '--preset-video/--preset-audio' });
  }
  if (o.videoPreset || o.audioPreset) checkContract(o.videoPreset ?? 'PRESET-VIDEO-1', o.audioPreset ?? 'PRESET-AUDIO-1');
  if (s('speke-ca')) o.spekeCa = s('speke-ca');
  const insecure = v['allow-insecure-http'];
  if (insecure !== undefined && insecure !== false && insecure !== 'false' && insecure !== '0') o.allowInsecureHttp = true;
  if (s('retries') !== undefined) {
    const n = Number(s('retries'));
    if (!/^\d{1,2}$/.test(String(s('retries'))) || n > 10) throw new UsageError('ERR_SPEKE_RETRIES', `--retries must be an integer from 0 to 10, got "${String(s('retries')).slice(0, 10)}"`, { where: '--retries' });
    o.retries = n;
  }
  return o;
}
