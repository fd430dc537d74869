import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import type { DrmSystemName, KeyProvider } from './content-key.js';
import { CpixFile } from './cpix/cpix-file.js';
import { parseAuthSpec } from './speke/auth.js';
import { SpekeClient } from './speke/speke-client.js';
import type { AudioPreset, VideoPreset } from './speke/speke-request.js';
import { StaticKeys } from './static-keys.js';

export interface KeyProviderOptions {
  /** `KID:KEY`, `video=KID:KEY`, `audio=KID:KEY` */
  keys?: string[];
  cpixFile?: string;
  spekeUrl?: string;
  /** Only checked here; it travels in each KeyRequest. */
  contentId?: string;
  spekeVersion?: 1 | 2;
  drm?: DrmSystemName[];
  /** 'basic:USER:PASS' | 'bearer:TOKEN' | 'header:NAME:VALUE' | 'sigv4:REGION' | 'sigv4a:REGION' */
  auth?: string;
  roleArn?: string;
  externalId?: string;
  signer?: 'js' | 'crt';
  videoPreset?: VideoPreset;
  audioPreset?: AudioPreset;
  /** Encrypted key delivery: paths (or PEM text) of our certificate and private key. */
  deliveryCert?: string;
  deliveryKey?: string;
  timeoutMs?: number;
  /** Extra attempts: an integer 0-10. */
  retries?: number;
  /** Allow a plain http: SPEKE URL that is not on loopback (credentials and keys then travel unencrypted). */
  allowInsecureHttp?: boolean;
  /** The CA certificate(s) to trust for an https SPEKE URL instead of the default roots: a PEM file path or PEM text. */
  spekeCa?: string;
}

const DRM_NAMES: DrmSystemName[] = ['widevine', 'playready', 'fairplay', 'clearkey', 'common', 'irdeto'];

/** `--drm widevine,playready,fairplay,clearkey` -> names, checked. */
export function parseDrmSystems(csv: string): DrmSystemName[] {
  const names = csv.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  for (const d of names) {
    if (!DRM_NAMES.includes(d as DrmSystemName)) throw new UsageError('ERR_DRM_SYSTEM', `unknown DRM system "${d.slice(0, 20)}": use ${DRM_NAMES.join(', ')}`, { where: '--drm' });
  }
  if (names.length === 0) throw new UsageError('ERR_DRM_SYSTEM', '--drm needs at least one of ' + DRM_NAMES.join(', '), { where: '--drm' });
  return names as DrmSystemName[];
}

/** `--speke-version 1|2` (also accepts 1.0 and 2.0). */
export function parseSpekeVersion(v: string): 1 | 2 {
  if (v === '1' || v === '1.0') return 1;
  if (v === '2' || v === '2.0') return 2;
  throw new UsageError('ERR_SPEKE_VERSION', `--speke-version must be 1 or 2, got "${v.slice(0, 10)}"`, { where: '--speke-version' });
}

/** The one place CLI-style options become a KeyProvider. Exactly one key source must be given. */
export function keyProviderFromOptions(o: KeyProviderOptions): KeyProvider {
  const sources = [o.keys && o.keys.length > 0 ? '--key' : undefined, o.cpixFile ? '--cpix' : undefined, o.spekeUrl ? '--speke-url' : undefined].filter(Boolean);
  if (sources.length === 0) throw new UsageError('ERR_NO_KEY_SOURCE', 'no key source: give --key KID:KEY, --cpix FILE or --speke-url URL', { where: 'keys' });
  if (sources.length > 1) throw new UsageError('ERR_KEY_SOURCES', `choose one key source, got ${sources.join(' and ')}`, { where: 'keys' });
  for (const d of o.drm ?? []) {
    if (!DRM_NAMES.includes(d)) throw new UsageError('ERR_DRM_SYSTEM', `unknown DRM system "${String(d).slice(0, 20)}": use ${DRM_NAMES.join(', ')}`, { where: '--drm' });
  }
  const delivery = deliveryFrom(o);
  if (o.keys && o.keys.length > 0) return StaticKeys.fromSpecs(o.keys);
  if (o.cpixFile) return new CpixFile(o.cpixFile, delivery ?? {});
  if (!o.contentId) throw new UsageError('ERR_SPEKE_CONTENT_ID', '--speke-url needs --content-id', { where: '--content-id' });
  const auth = parseAuthSpec(o.auth, {
    ...(o.roleArn ? { roleArn: o.roleArn } : {}),
    ...(o.externalId ? { externalId: o.externalId } : {}),
    ...(o.signer ? { signer: o.signer } : {}),
  });
  if ((o.roleArn || o.externalId || o.signer) && auth.type !== 'sigv4') {
    throw new UsageError('ERR_AUTH_SPEC', '--role-arn, --external-id and --signer apply to --auth sigv4:REGION only', { where: '--auth' });
  }
  return new SpekeClient({
    url: o.spekeUrl!,
    version: o.spekeVersion ?? 2,
    auth,
    ...(o.drm ? { drmSystems: o.drm } : {}),
    ...(o.videoPreset ? { videoPreset: o.videoPreset } : {}),
    ...(o.audioPreset ? { audioPreset: o.audioPreset } : {}),
    ...(delivery ? { delivery } : {}),
    ...(o.allowInsecureHttp ? { allowInsecureHttp: true } : {}),
    transport: {
      ...(o.timeoutMs !== undefined ? { timeoutMs: o.timeoutMs } : {}), ...(o.retries !== undefined ? { retries: o.retries } : {}),
      ...(o.spekeCa ? { ca: pemOrFile(o.spekeCa, '--speke-ca') } : {}),
    },
  });
}

function deliveryFrom(o: KeyProviderOptions): { certificate: Buffer; privateKey: Buffer } | undefined {
  if (!o.deliveryCert && !o.deliveryKey) return undefined;
  if (!o.deliveryCert || !o.deliveryKey) throw new UsageError('ERR_DELIVERY_OPTIONS', 'encrypted key delivery needs both --delivery-cert and --delivery-key', { where: '--delivery-cert' });
  return { certificate: pemOrFile(o.deliveryCert, '--delivery-cert'), privateKey: pemOrFile(o.deliveryKey, '--delivery-key') };
}

function pemOrFile(v: string, what: string): Buffer {
  if (v.includes('-----BEGIN')) return Buffer.from(v);
  try { return readFileSync(v); } catch (e) {
    throw new UsageError(what === '--speke-ca' ? 'ERR_SPEKE_CA' : 'ERR_DELIVERY_OPTIONS', `cannot read ${what} file ${v}`, { where: what, cause: e });
  }
}
