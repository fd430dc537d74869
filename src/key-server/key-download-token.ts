import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

/**
 * The credential of `GET /hls-key/<content id>/<KID>`: a token scoped to one content id, so a
 * player holding one playlist can fetch that content's AES-128 keys and nothing else (the SPEKE
 * credential, which opens every content id, never has to reach a player). The server signals it
 * in the key URI it returns; it derives from the server secret, so it needs no storage.
 */
export class KeyDownloadTokens {
  private readonly key: Buffer;

  constructor(secret: Buffer) {
    this.key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), Buffer.from('segcrypt hls-key token v1', 'utf8'), 32));
  }

  /** base64url of HMAC-SHA256(key, u32be(length) || content id). */
  tokenFor(contentId: string): string {
    const id = Buffer.from(contentId, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(id.length);
    return createHmac('sha256', this.key).update(len).update(id).digest('base64url');
  }

  /** Constant-time check of a presented token. */
  verify(contentId: string, presented: string | null): boolean {
    if (!presented) return false;
    const want = Buffer.from(this.tokenFor(contentId), 'utf8');
    const got = Buffer.from(presented, 'utf8');
    return got.length === want.length && timingSafeEqual(got, want);
  }
}
