import { createHash, createHmac, type Hash, type Hmac } from 'node:crypto';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider, Checksum, HttpRequest, SourceData } from '@smithy/types';
import { KeyError, UsageError } from '../../errors.js';

/**
 * AWS Signature V4 for API Gateway key servers (service `execute-api`). Pure JS by default
 * (@smithy/signature-v4 with node:crypto SHA-256); the CRT signer is an optional peer dependency
 * (native, not installed with segcrypt) loaded only for SigV4a or when asked for.
 */
export interface SigV4Options {
  region: string;
  service?: string;
  /** Fixed credentials or a provider; default: the standard AWS chain (env, profile, SSO, IMDS...). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Assume this role (STS AssumeRole) on top of the chain's credentials. */
  roleArn?: string;
  externalId?: string;
  /** STS endpoint for AssumeRole (VPC/FIPS endpoints; tests point it at loopback). */
  stsEndpoint?: string;
  /** 'js' (default) or 'crt'. */
  signer?: 'js' | 'crt';
  /** SigV4a (asymmetric, multi-region): needs the CRT signer. */
  sigv4a?: boolean;
  /** Clock for tests. */
  now?: () => Date;
  /** Module loader (tests inject a failing one to prove the missing-CRT error). */
  importModule?: (name: string) => Promise<unknown>;
}

/** node:crypto behind the Checksum interface smithy expects (HMAC when given a secret). */
export class NodeSha256 implements Checksum {
  private h: Hash | Hmac;
  constructor(private readonly secret?: SourceData) { this.h = this.make(); }
  private make(): Hash | Hmac {
    return this.secret === undefined ? createHash('sha256') : createHmac('sha256', toBuffer(this.secret));
  }
  update(data: Uint8Array): void { this.h.update(data); }
  digest(): Promise<Uint8Array> { return Promise.resolve(new Uint8Array(this.h.digest())); }
  reset(): void { this.h = this.make(); }
}

function toBuffer(d: SourceData): Buffer {
  if (typeof d === 'string') return Buffer.from(d, 'utf8');
  if (ArrayBuffer.isView(d)) return Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  return Buffer.from(d as ArrayBuffer);
}

export interface SignableRequest {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: string;
}

interface Signer { sign(req: HttpRequest, opts?: { signingDate?: Date }): Promise<HttpRequest> }

/** Build a function that returns the headers to send (including Authorization) for a request. */
export function createSigV4Signer(o: SigV4Options): (req: SignableRequest) => Promise<Record<string, string>> {
  if (!o.region) throw new UsageError('ERR_SIGV4_REGION', 'SigV4 signing needs a region (e.g. --auth sigv4:us-east-1)', { where: 'auth' });
  const service = o.service ?? 'execute-api';
  let signerPromise: Promise<Signer> | undefined;
  const getSigner = (): Promise<Signer> => {
    signerPromise ??= (async () => {
      const credentials = o.credentials ?? await defaultCredentials(o);
      if (o.signer === 'crt' || o.sigv4a) return loadCrtSigner(o, service, credentials);
      // Loaded here, not at start-up: ~40 ms that runs without SigV4 never need.
      const { SignatureV4 } = await import('@smithy/signature-v4');
      return new SignatureV4({ credentials, region: o.region, service, sha256: NodeSha256, applyChecksum: false });
    })();
    return signerPromise;
  };
  return async (req) => {
    const signer = await getSigner();
    const headers: Record<string, string> = { ...lowercaseKeys(req.headers), host: req.url.host };
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of req.url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
    }
    const toSign: HttpRequest = {
      method: req.method,
      protocol: req.url.protocol,
      hostname: req.url.hostname,
      port: req.url.port ? Number(req.url.port) : undefined,
      path: req.url.pathname,
      query,
      headers,
      body: req.body,
    };
    let signed: HttpRequest;
    try {
      signed = await signer.sign(toSign, { signingDate: o.now ? o.now() : new Date() });
    } catch (e) {
      throw new KeyError('ERR_SIGV4_SIGN', `SigV4 signing failed: ${(e as Error).message.slice(0, 200)}`, { where: 'auth sigv4', cause: e });
    }
    return lowercaseKeys(signed.headers);
  };
}

async function defaultCredentials(o: SigV4Options): Promise<AwsCredentialIdentityProvider> {
  const providers = await import('@aws-sdk/credential-providers');
  if (o.roleArn) {
    return providers.fromTemporaryCredentials({
      params: { RoleArn: o.roleArn, RoleSessionName: 'segcrypt-speke', ...(o.externalId ? { ExternalId: o.externalId } : {}) },
      clientConfig: { region: o.region, ...(o.stsEndpoint ? { endpoint: o.stsEndpoint } : {}) },
    });
  }
  return providers.fromNodeProviderChain();
}

/** The optional peer behind `--signer crt` and SigV4a, and the one command that adds it. */
const CRT_PACKAGE = '@aws-sdk/signature-v4-crt';
const CRT_INSTALL = `npm install ${CRT_PACKAGE}`;

async function loadCrtSigner(o: SigV4Options, service: string, credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider): Promise<Signer> {
  const load = o.importModule ?? ((name: string) => import(name));
  const what = o.sigv4a ? 'SigV4a' : 'the CRT signer (--signer crt)';
  let mod: { CrtSignerV4?: new (init: Record<string, unknown>) => Signer };
  try {
    mod = await load(CRT_PACKAGE) as typeof mod;
  } catch (e) {
    // Not installed (segcrypt does not install it: it brings the native aws-crt, ~45 MB and an
    // install script), or installed but its native addon does not load (another platform, --no-addons).
    if (isNotFound(e)) {
      throw new KeyError('ERR_SIGV4_CRT_MISSING',
        `${what} needs the optional peer dependency ${CRT_PACKAGE}, which is not installed; add it with: ${CRT_INSTALL}`,
        { where: 'auth sigv4', cause: e });
    }
    throw new KeyError('ERR_SIGV4_CRT_LOAD',
      `${what} needs ${CRT_PACKAGE}, which is installed but did not load (${firstLine(e)}); its native aws-crt addon must load in this process (no --no-addons) and match this platform (reinstall here with: ${CRT_INSTALL})`,
      { where: 'auth sigv4', cause: e });
  }
  if (typeof mod.CrtSignerV4 !== 'function') {
    throw new KeyError('ERR_SIGV4_CRT_LOAD', `${CRT_PACKAGE} does not export CrtSignerV4 (an incompatible version?); reinstall it with: ${CRT_INSTALL}`, { where: 'auth sigv4' });
  }
  // aws-crt AwsSigningAlgorithm: SigV4 = 0, SigV4Asymmetric = 1.
  return new mod.CrtSignerV4({ credentials, region: o.sigv4a ? '*' : o.region, service, sha256: NodeSha256, applyChecksum: false, signingAlgorithm: o.sigv4a ? 1 : 0 });
}

/** Node's code when it has one; some loaders (tsx, tap's) rethrow resolution failures without it. */
function isNotFound(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') return true;
  return code === undefined && /^Cannot find (package|module) /.test(firstLine(e));
}

function firstLine(e: unknown): string {
  return String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 200);
}

function lowercaseKeys(h: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) out[k.toLowerCase()] = v;
  return out;
}
