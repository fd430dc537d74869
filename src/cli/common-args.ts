/** Argument checks shared by `encrypt` and `package`: one place says what a valid value is. */
import { UsageError } from '../errors.js';
import type { ProtectionScheme } from '../keys/index.js';

const SCHEMES: ProtectionScheme[] = ['cenc', 'cbcs', 'cens', 'cbc1', 'aes-128', 'sample-aes'];

export function parseScheme(v: string | undefined): ProtectionScheme {
  if (!v || !SCHEMES.includes(v as ProtectionScheme)) {
    throw new UsageError('ERR_CLI_ARGS', `--scheme must be one of ${SCHEMES.join(', ')}${v ? `, got "${v.slice(0, 20)}"` : ''}`, { where: '--scheme' });
  }
  return v as ProtectionScheme;
}

/** `--iv`: 16 or 32 hex digits, optional 0x (never echoed: an IV is not secret, but keep one rule for hex). */
export function parseIvHex(v: string): Buffer {
  const hex = v.replace(/^0x/i, '');
  if (!/^([0-9a-fA-F]{16}|[0-9a-fA-F]{32})$/.test(hex)) throw new UsageError('ERR_IV_FORMAT', `--iv must be 16 or 32 hex digits, got ${hex.length} characters`, { where: '--iv' });
  return Buffer.from(hex, 'hex');
}

export function parsePool(v: string): number {
  const pool = Number(v);
  if (!Number.isInteger(pool) || pool < 0 || pool > 64) throw new UsageError('ERR_CLI_ARGS', `--pool must be an integer from 0 to 64, got "${v.slice(0, 10)}"`, { where: '--pool' });
  return pool;
}

export function requireKeySource(o: { keys?: string[]; cpixFile?: string; spekeUrl?: string }): void {
  if (!(o.keys && o.keys.length > 0) && !o.cpixFile && !o.spekeUrl) {
    throw new UsageError('ERR_CLI_ARGS', 'a key source is required: --key KID:KEY, --cpix FILE or --speke-url URL (or SEGCRYPT_* / --config)', { where: '--key' });
  }
}
