import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import { KeyError, UsageError } from '../../errors.js';
import type { DrmSystemName, KeyProvider, KeyRequest, KeySet, ProtectionScheme } from '../content-key.js';
import { buildCpix } from '../cpix/build-cpix.js';
import { keySetFromCpix } from '../cpix/keyset-from-cpix.js';
import { parseCpix } from '../cpix/parse-cpix.js';
import { kidToUuid } from '../drm/guid.js';
import { headerSignerFor, type HeaderSigner, type SpekeAuth } from './auth.js';
import { checkTransportOptions, DEFAULT_TRANSPORT, isLoopbackHost, postWithRetry, serverMessage, type TransportOptions } from './http-transport.js';
import { KeySetCache } from './key-cache.js';
import { buildSpekeRequest, type AudioPreset, type SpekeVersion, type VideoPreset } from './speke-request.js';
import { checkContract, parseAudioPreset, parseVideoPreset } from './presets.js';

export const SPEKE_USER_AGENT = 'segcrypt/0.1';

export interface SpekeClientOptions {
  url: string;
  version?: SpekeVersion;
  auth?: SpekeAuth;
  /** DRM systems to request signaling for; default by scheme (see defaultDrmSystems). */
  drmSystems?: DrmSystemName[];
  videoPreset?: VideoPreset;
  audioPreset?: AudioPreset;
  /** Encrypted key delivery: our certificate (PEM or DER) and its private key. */
  delivery?: { certificate: string | Buffer; privateKey: KeyObject | string | Buffer };
  transport?: Partial<TransportOptions>;
  /** Extra request headers (sent as-is, before auth). */
  headers?: Record<string, string>;
  /**
   * Allow a plain `http:` key server that is not on loopback. Off by default: over http the
   * credentials and the clear keys (PlainValue) travel unencrypted.
   */
  allowInsecureHttp?: boolean;
}

/**
 * Key sets fetched by every SpekeClient of the process, so the same (server and credentials,
 * content id, KIDs or track types, period, scheme, DRM systems) is fetched once per process even
 * when each encryptFile call builds its own client.
 */
const PROCESS_CACHE = new KeySetCache();

/**
 * Who asks what of which server: a digest of everything that can change the answer, so clients
 * with other credentials or presets never share a cache entry (and no secret is kept in a key).
 */
function clientIdentity(o: SpekeClientOptions, url: URL, version: SpekeVersion): string {
  const json = JSON.stringify({ auth: o.auth, headers: o.headers, videoPreset: o.videoPreset, audioPreset: o.audioPreset },
    (_k, v: unknown) => (typeof v === 'function' ? `fn:${String(v).length}` : Buffer.isBuffer(v) ? v.toString('hex') : v));
  const cert = o.delivery ? createHash('sha256').update(String(o.delivery.certificate)).digest('hex') : '';
  return createHash('sha256').update(`${url.href}\u0000${version}\u0000${json}\u0000${cert}`).digest('hex');
}

export function defaultDrmSystems(scheme: ProtectionScheme): DrmSystemName[] {
  switch (scheme) {
    case 'cenc': case 'cens': return ['widevine', 'playready'];
    case 'cbcs': case 'cbc1': return ['widevine', 'playready', 'fairplay'];
    case 'sample-aes': return ['fairplay'];
    // HLS AES-128 asks for the AES-128 "system" (its key URI) by itself: see speke-request.
    case 'aes-128': return [];
  }
}

/**
 * SPEKE v1/v2 client (AWS Secure Packager and Encoder Key Exchange): POSTs a CPIX request
 * naming the KIDs (the encryptor chooses them) and the signaling wanted, and turns the
 * response into a KeySet. Implements KeyProvider.
 */
export class SpekeClient implements KeyProvider {
  readonly url: URL;
  readonly version: SpekeVersion;
  private readonly sign: HeaderSigner;
  private readonly transport: TransportOptions;
  private readonly identity: string;
  private readonly certificate?: Buffer;
  private readonly privateKey?: KeyObject;

  constructor(private readonly options: SpekeClientOptions) {
    try { this.url = new URL(options.url); } catch {
      throw new UsageError('ERR_SPEKE_URL', 'the SPEKE URL is not a valid URL', { where: '--speke-url' });
    }
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') throw new UsageError('ERR_SPEKE_URL', `the SPEKE URL must be http(s), got ${this.url.protocol}`, { where: '--speke-url' });
    if (this.url.protocol === 'http:' && !isLoopbackHost(this.url.hostname) && options.allowInsecureHttp !== true) {
      throw new UsageError('ERR_SPEKE_INSECURE', `the SPEKE URL ${this.url.host} is plain http: credentials and keys would travel unencrypted; use https (or --allow-insecure-http)`, { where: '--speke-url' });
    }
    this.version = options.version ?? 2;
    if (this.version !== 1 && this.version !== 2) throw new UsageError('ERR_SPEKE_VERSION', `SPEKE version must be 1 or 2, got ${String(this.version)}`, { where: '--speke-version' });
    if (options.videoPreset !== undefined || options.audioPreset !== undefined) {
      if (this.version !== 2) throw new UsageError('ERR_PRESET', 'encryption-contract presets are a SPEKE v2 feature (use --speke-version 2)', { where: '--preset-video/--preset-audio' });
      checkContract(parseVideoPreset(options.videoPreset ?? 'PRESET-VIDEO-1', 'videoPreset'), parseAudioPreset(options.audioPreset ?? 'PRESET-AUDIO-1', 'audioPreset'));
    }
    this.sign = headerSignerFor(options.auth ?? { type: 'none' });
    this.identity = clientIdentity(options, this.url, this.version);
    this.transport = { ...DEFAULT_TRANSPORT, ...options.transport };
    checkTransportOptions(this.transport);
    if (options.delivery) {
      this.certificate = certificateDer(options.delivery.certificate);
      try {
        this.privateKey = typeof options.delivery.privateKey === 'object' && !Buffer.isBuffer(options.delivery.privateKey)
          ? options.delivery.privateKey : createPrivateKey(options.delivery.privateKey);
      } catch (e) {
        throw new UsageError('ERR_DELIVERY_KEY', 'the delivery private key could not be read (PEM or DER RSA key expected)', { where: 'delivery.privateKey', cause: e });
      }
    }
  }

  getKeys(request: KeyRequest): Promise<KeySet> {
    if (!request.contentId) throw new UsageError('ERR_SPEKE_CONTENT_ID', 'a SPEKE request needs a content id (--content-id)', { where: '--content-id' });
    const drm = request.drmSystems ?? this.options.drmSystems ?? defaultDrmSystems(request.scheme);
    const cacheKey = [this.identity, request.contentId, request.kids?.join(',') ?? [...request.trackTypes].sort().join('+'), request.period?.id ?? '', request.scheme, [...drm].sort().join(',')].join('\u0000');
    return PROCESS_CACHE.get(cacheKey, () => this.fetch({ ...request, drmSystems: drm }));
  }

  private async fetch(request: KeyRequest): Promise<KeySet> {
    const plan = buildSpekeRequest(request, {
      version: this.version,
      drmSystems: request.drmSystems ?? [],
      videoPreset: this.options.videoPreset,
      audioPreset: this.options.audioPreset,
      deliveryCertificate: this.certificate,
    });
    const headers: Record<string, string> = { ...this.options.headers, 'content-type': 'application/xml', 'x-speke-user-agent': SPEKE_USER_AGENT };
    if (this.version === 2) headers['x-speke-version'] = '2.0';
    const res = await postWithRetry(this.url, buildCpix(plan.document), headers, this.sign, this.transport);
    if (res.status === 401 || res.status === 403) {
      throw new KeyError('ERR_SPEKE_AUTH', `key server ${this.url.host} refused our credentials (HTTP ${res.status}): ${serverMessage(res.body)}`, { where: this.url.origin, status: res.status });
    }
    if (res.status !== 200) {
      throw new KeyError('ERR_SPEKE_HTTP', `key server ${this.url.host} answered HTTP ${res.status}: ${serverMessage(res.body)}`, { where: this.url.origin, status: res.status });
    }
    if (this.version === 2) {
      const echoed = res.headers['x-speke-version'];
      if (typeof echoed === 'string' && echoed !== '2.0') {
        throw new KeyError('ERR_SPEKE_VERSION', `key server answered X-Speke-Version ${echoed.slice(0, 10)} to a 2.0 request`, { where: 'X-Speke-Version' });
      }
    }
    const doc = parseCpix(res.body, `SPEKE response from ${this.url.host}`);
    const expectedId = this.version === 2 ? doc.contentId : doc.id;
    if (expectedId !== undefined && expectedId !== request.contentId) {
      throw new KeyError('ERR_SPEKE_RESPONSE', `SPEKE response is for content "${expectedId.slice(0, 64)}", not the requested one`, { where: this.version === 2 ? 'CPIX@contentId' : 'CPIX@id' });
    }
    const set = keySetFromCpix(doc, { privateKey: this.privateKey, certificate: this.certificate });
    if (this.privateKey && doc.contentKeys.some((k) => k.plainValue)) {
      throw new KeyError('ERR_CPIX_DECRYPT', 'encrypted key delivery was requested but the key server returned keys in the clear', { where: 'ContentKeyList' });
    }
    for (const [kidHex, tracks] of plan.tracksByKid) {
      const key = set.keys.find((k) => k.kid.toString('hex') === kidHex);
      if (!key) {
        throw new KeyError('ERR_SPEKE_MISSING_KEY', `SPEKE response has no ContentKey for requested kid=${kidToUuid(Buffer.from(kidHex, 'hex'))}`, { where: 'ContentKeyList' });
      }
      key.trackTypes ??= tracks;
      const asked = plan.contractByKid.get(kidHex);
      if (this.version === 2 && asked) {
        // The server's usage rules decide; a server that echoes none is taken to grant what was asked.
        if (!key.filters) {
          key.filters = [
            ...(asked.video ? [{ type: 'video' as const, ...asked.video }] : []),
            ...(asked.audio ? [{ type: 'audio' as const, ...asked.audio }] : []),
          ];
        }
        key.intendedTrackType ??= asked.intendedTrackType;
      }
      if (request.period && key.period === undefined) key.period = request.period.id;
    }
    if (plan.clearTrackTypes.length > 0) set.clearTrackTypes = plan.clearTrackTypes;
    return set;
  }
}

function certificateDer(c: string | Buffer): Buffer {
  try {
    return Buffer.from(new X509Certificate(c).raw);
  } catch (e) {
    throw new UsageError('ERR_DELIVERY_CERT', 'the delivery certificate could not be read (PEM or DER X.509 expected)', { where: 'delivery.certificate', cause: e });
  }
}
