import { createHash, createHmac } from 'node:crypto';

/**
 * An independent SigV4 derivation (AWS General Reference, "Create a signed AWS API request"),
 * written from the specification for tests: canonical request -> string to sign -> signing key
 * (HMAC chain over date, region, service, "aws4_request") -> signature.
 */
export function signingKey(secret: string, date: string, region: string, service: string): Buffer {
  const kDate = createHmac('sha256', `AWS4${secret}`).update(date).digest();
  const kRegion = createHmac('sha256', kDate).update(region).digest();
  const kService = createHmac('sha256', kRegion).update(service).digest();
  return createHmac('sha256', kService).update('aws4_request').digest();
}

export interface ReferenceRequest {
  method: string;
  path: string;
  query?: string;
  /** Lowercase names; only these are signed. */
  headers: Record<string, string>;
  body: string;
}

export function referenceSignature(r: ReferenceRequest, secret: string, amzDate: string, region: string, service: string): { signedHeaders: string; signature: string } {
  const names = Object.keys(r.headers).map((h) => h.toLowerCase()).sort();
  const canonicalHeaders = names.map((n) => `${n}:${r.headers[n]!.trim().replace(/\s+/g, ' ')}\n`).join('');
  const signedHeaders = names.join(';');
  const canonicalRequest = [r.method, r.path, r.query ?? '', canonicalHeaders, signedHeaders, createHash('sha256').update(r.body).digest('hex')].join('\n');
  const date = amzDate.slice(0, 8);
  const scope = `${date}/${region}/${service}/aws4_request`;
  const stringToSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonicalRequest).digest('hex')].join('\n');
  const signature = createHmac('sha256', signingKey(secret, date, region, service)).update(stringToSign).digest('hex');
  return { signedHeaders, signature };
}
