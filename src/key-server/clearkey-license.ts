import { REQUEST_LIMITS } from './request-limits.js';
import { RequestRejected } from './request-rejected.js';

/** What the license answer needs from the server: is a pair issued, and its key. */
export interface LicenseContext {
  contentId: string;
  isIssued(contentId: string, kid: Buffer): boolean;
  keyFor(contentId: string, kid: Buffer): Buffer;
}

/** A KID in a ClearKey message: base64url of 16 bytes, padding optional (W3C EME 9.1.3). */
const B64URL_KID = /^[A-Za-z0-9_-]{22}(?:==)?$/;

/**
 * The W3C Encrypted Media Extensions ClearKey license exchange (EME 9.1.3 "License Request
 * Format", 9.1.4 "License Format"): `{"kids":[base64url KID, ...],"type":"temporary"}` in,
 * `{"keys":[{"kty":"oct","kid":...,"k":...}],"type":"temporary"}` out. Pure: body bytes in, JSON out.
 * Only keys this server issued for `ctx.contentId` are returned; other KIDs are left out of the
 * answer (a ClearKey license may hold a subset), and a request naming none it issued is a 404.
 * Malformed requests are 400, more KIDs than a SPEKE request may name 413.
 */
export function answerClearKeyLicense(body: Buffer, ctx: LicenseContext): string {
  let req: unknown;
  try { req = JSON.parse(body.toString('utf8')); } catch { throw new RequestRejected(400, 'License request is not JSON (W3C ClearKey: {"kids":[...],"type":"temporary"})'); }
  if (typeof req !== 'object' || req === null || Array.isArray(req)) throw new RequestRejected(400, 'License request is not a JSON object');
  const { kids, type } = req as { kids?: unknown; type?: unknown };
  if (type !== undefined && type !== 'temporary') throw new RequestRejected(400, 'License request type must be "temporary" (this server issues no persistent licenses)');
  if (!Array.isArray(kids) || kids.length === 0) throw new RequestRejected(400, 'License request needs "kids": a non-empty array of base64url KIDs');
  if (kids.length > REQUEST_LIMITS.contentKeys) throw new RequestRejected(413, `License request has ${kids.length} kids; this server's limit is ${REQUEST_LIMITS.contentKeys}`);
  const wanted = kids.map((k, i) => {
    if (typeof k !== 'string' || !B64URL_KID.test(k)) throw new RequestRejected(400, `License request kids[${i}] is not a base64url 16-byte KID`);
    return Buffer.from(k, 'base64url');
  });
  const keys = wanted.filter((kid) => ctx.isIssued(ctx.contentId, kid)).map((kid) => ({
    kty: 'oct', kid: kid.toString('base64url'), k: ctx.keyFor(ctx.contentId, kid).toString('base64url'),
  }));
  if (keys.length === 0) throw new RequestRejected(404, `None of the ${wanted.length} requested KIDs was issued by this server for this content`);
  return JSON.stringify({ keys, type: 'temporary' });
}
