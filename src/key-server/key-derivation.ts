import { hkdfSync } from 'node:crypto';

/**
 * Content keys of the reference server: HKDF-SHA256(secret, salt = content id, info = KID),
 * 16 bytes. The same request always gets the same key; different content or KIDs never share one.
 */
export function deriveContentKey(secret: Buffer, contentId: string, kid: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.from(contentId, 'utf8'), Buffer.concat([Buffer.from('segcrypt content key\u0000'), kid]), 16));
}
