import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** Every content key derives from this secret: shorter ones can be brute-forced from one leaked key. */
export const MIN_SECRET_BYTES = 32;

/** The environment variable the CLI reads the secret from (hex or base64). */
export const SECRET_ENV = 'SEGCRYPT_KEY_SERVER_SECRET';

/**
 * The server secret as bytes: a Buffer as is, a string as hex or base64 text (e.g. the output of
 * `openssl rand -hex 32`). At least 32 bytes, and not an obviously patterned value (fewer than 8
 * distinct byte values, such as a repeated character), since every key derives from it.
 */
export function secretBytes(value: string | Buffer, where: string): Buffer {
  const bytes = Buffer.isBuffer(value) ? value : decodeText(value.trim(), where);
  if (bytes.length < MIN_SECRET_BYTES) {
    throw new UsageError('ERR_KEY_SERVER_SECRET', `the key server secret (${where}) is ${bytes.length} bytes; it needs at least ${MIN_SECRET_BYTES} random bytes (e.g. openssl rand -hex 32)`, { where });
  }
  if (new Set(bytes).size < 8) {
    throw new UsageError('ERR_KEY_SERVER_SECRET', `the key server secret (${where}) is not random (fewer than 8 distinct byte values); use openssl rand -hex 32`, { where });
  }
  return bytes;
}

function decodeText(s: string, where: string): Buffer {
  if (/^(?:[0-9a-fA-F]{2})+$/.test(s)) return Buffer.from(s, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) return Buffer.from(s, s.includes('-') || s.includes('_') ? 'base64url' : 'base64');
  throw new UsageError('ERR_KEY_SERVER_SECRET', `the key server secret (${where}) must be hex or base64 text of at least ${MIN_SECRET_BYTES} random bytes`, { where });
}

/**
 * A secret file: hex or base64 text (surrounding whitespace ignored), or at least 32 raw bytes
 * (`openssl rand 32 > FILE`). The value is never echoed.
 */
export function readSecretFile(path: string): Buffer {
  let raw: Buffer;
  try { raw = readFileSync(path); } catch (e) {
    throw new UsageError('ERR_KEY_SERVER_SECRET', `cannot read the secret file ${path}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, { where: '--secret-file', cause: e });
  }
  const text = raw.toString('latin1').trim();
  const looksText = /^[A-Za-z0-9+/=_-]+$/.test(text);
  return looksText ? secretBytes(text, '--secret-file') : secretBytes(raw, '--secret-file');
}
