import { createCipheriv, type Cipher } from 'node:crypto';

/**
 * The two block cryptors Common Encryption needs (ISO/IEC 23001-7 9.5, 9.6), straight from
 * node:crypto. A cryptor is key + 16-byte IV in, a stream that encrypts whatever is fed to it:
 * CTR continues its counter across calls, CBC continues its chain. Padding is never applied
 * (callers hand CBC whole blocks only).
 */
export function ctrCryptor(key: Buffer, iv16: Buffer): Cipher {
  return createCipheriv('aes-128-ctr', key, iv16);
}

export function cbcCryptor(key: Buffer, iv16: Buffer): Cipher {
  return createCipheriv('aes-128-cbc', key, iv16).setAutoPadding(false);
}
