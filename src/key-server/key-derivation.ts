import { hkdfSync } from 'node:crypto';

const LABEL = Buffer.from('segcrypt content key v2\u0000', 'utf8');

/**
 * Content keys of the reference server: HKDF-SHA256 (RFC 5869) of the secret, no salt, with
 * info = label || u32be(byte length of the content id) || content id (UTF-8) || KID; 16 bytes.
 * The length prefix makes (content id, KID) one unambiguous string: an id used as the HKDF salt
 * (as before) is zero-padded into an HMAC key, so "abc" and "abc\0" got the same key.
 * The same request always gets the same key; different content ids or KIDs never share one.
 */
export function deriveContentKey(secret: Buffer, contentId: string, kid: Buffer): Buffer {
  const id = Buffer.from(contentId, 'utf8');
  const len = Buffer.alloc(4);
  len.writeUInt32BE(id.length);
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), Buffer.concat([LABEL, len, id, kid]), 16));
}

/** Longest content id the server derives keys for, in UTF-8 bytes (HKDF info stays under its 1024-byte cap). */
export const MAX_CONTENT_ID_BYTES = 512;

/**
 * Why a content id is refused, or undefined. Control characters (NUL, CR, LF, ...) would make ids
 * that look alike to people and in logs, and would travel raw into the XML answer and key URIs.
 */
export function contentIdProblem(id: string): string | undefined {
  if (id.length === 0) return 'is empty';
  if (/[\u0000-\u001f\u007f-\u009f]/.test(id)) return 'has control characters';
  if (Buffer.byteLength(id, 'utf8') > MAX_CONTENT_ID_BYTES) return `is over ${MAX_CONTENT_ID_BYTES} bytes`;
  return undefined;
}
