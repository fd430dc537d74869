/**
 * HLS METHOD=AES-128 (RFC 8216 §5.2): the whole segment AES-128-CBC with PKCS7 padding. Without
 * an IV attribute the IV is the media sequence number as a 128-bit big-endian integer.
 */
import { type Cipher, createCipheriv, createDecipheriv } from 'node:crypto';
import { UsageError } from '../errors.js';

export function sequenceNumberIv(sequenceNumber: number): Buffer {
  if (!Number.isSafeInteger(sequenceNumber) || sequenceNumber < 0) {
    throw new UsageError('ERR_SEQUENCE_NUMBER', `sequenceNumber must be a non-negative integer, got ${sequenceNumber}`, { where: 'sequenceNumber' });
  }
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(sequenceNumber), 8);
  return iv;
}

export function checkAesParams(key: Buffer, iv: Buffer): void {
  if (key.length !== 16) throw new UsageError('ERR_KEY_LENGTH', `content key must be 16 bytes, got ${key.length}`, { where: 'key' });
  if (iv.length !== 16) throw new UsageError('ERR_IV_LENGTH', `IV must be 16 bytes for HLS, got ${iv.length}`, { where: 'iv' });
}

/** A streaming cipher: feed chunks with update(), finish with final() (adds the PKCS7 padding). */
export function createAes128SegmentCipher(key: Buffer, iv: Buffer): Cipher {
  checkAesParams(key, iv);
  return createCipheriv('aes-128-cbc', key, iv);
}

export function encryptAes128Segment(segment: Buffer, key: Buffer, iv: Buffer): Buffer {
  const c = createAes128SegmentCipher(key, iv);
  return Buffer.concat([c.update(segment), c.final()]);
}

export function decryptAes128Segment(segment: Buffer, key: Buffer, iv: Buffer): Buffer {
  checkAesParams(key, iv);
  const d = createDecipheriv('aes-128-cbc', key, iv);
  return Buffer.concat([d.update(segment), d.final()]);
}
