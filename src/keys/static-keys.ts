import { UsageError } from '../errors.js';
import type { ContentKey, KeyProvider, KeyRequest, KeySet, TrackType } from './content-key.js';
import { buildCommonPssh } from './drm/common-pssh.js';
import { SYSTEM_IDS } from './drm/system-ids.js';
import { defaultPeriodId } from './key-period.js';

const HEX32 = /^[0-9a-fA-F]{32}$/;

/** Parse 32 hex digits (dashes allowed, as in a UUID) into 16 bytes; the error never echoes the value. */
export function parseHex16(value: string, what: string): Buffer {
  const clean = value.replace(/-/g, '');
  if (!HEX32.test(clean)) {
    const why = clean.length === 32 ? 'has characters that are not hex digits' : `has ${clean.length} characters`;
    throw new UsageError('ERR_KEY_FORMAT', `${what} must be 32 hex digits (16 bytes); it ${why}`, { where: what });
  }
  return Buffer.from(clean, 'hex');
}

/**
 * Parse a CLI key spec: `KID:KEY`, `video=KID:KEY` or `audio=KID:KEY`, optionally with `@P`: the
 * key of key period P only (rotation; P = floor(decode time / rotation interval)).
 */
export function parseKeySpec(spec: string): ContentKey {
  let label: string | undefined;
  let period: string | undefined;
  const at = spec.lastIndexOf('@');
  if (at >= 0) {
    const p = spec.slice(at + 1);
    if (!/^\d{1,9}$/.test(p)) throw new UsageError('ERR_KEY_FORMAT', 'a key period must be written @P with P a period index (0, 1, 2...)', { where: '--key' });
    period = defaultPeriodId(Number(p));
    spec = spec.slice(0, at);
  }
  let rest = spec;
  const eq = spec.indexOf('=');
  if (eq >= 0) { label = spec.slice(0, eq); rest = spec.slice(eq + 1); }
  const parts = rest.split(':');
  if (parts.length !== 2) throw new UsageError('ERR_KEY_FORMAT', 'a key must be written KID:KEY (32 hex digits each), optionally prefixed by video= or audio=', { where: '--key' });
  let trackTypes: TrackType[] | undefined;
  if (label !== undefined) {
    if (label !== 'video' && label !== 'audio') throw new UsageError('ERR_KEY_FORMAT', `unknown key label "${label}": use video= or audio=`, { where: '--key' });
    trackTypes = [label];
  }
  const key: ContentKey = { kid: parseHex16(parts[0]!, 'KID'), key: parseHex16(parts[1]!, 'key'), trackTypes };
  if (period !== undefined) key.period = period;
  return key;
}

/** Keys given by the caller. Signals a W3C common pssh listing every KID. */
export class StaticKeys implements KeyProvider {
  readonly keys: ContentKey[];
  constructor(keys: ContentKey[]) {
    if (keys.length === 0) throw new UsageError('ERR_NO_KEYS', 'at least one key is required');
    for (const k of keys) {
      if (k.kid.length !== 16) throw new UsageError('ERR_KEY_FORMAT', `KID must be 16 bytes, got ${k.kid.length}`, { where: 'kid' });
      if (k.key.length !== 16) throw new UsageError('ERR_KEY_FORMAT', `key must be 16 bytes, got ${k.key.length}`, { where: 'key' });
      if (k.iv && k.iv.length !== 8 && k.iv.length !== 16) throw new UsageError('ERR_IV_FORMAT', `IV must be 8 or 16 bytes, got ${k.iv.length}`, { where: 'iv' });
    }
    // One KID names one key (players map KID -> key), and each track type gets one key.
    const byKid = new Map<string, Buffer>();
    const labels = new Set<string>();
    for (const [i, k] of keys.entries()) {
      const hex = k.kid.toString('hex');
      const seen = byKid.get(hex);
      if (seen && !seen.equals(k.key)) throw new UsageError('ERR_KEY_CONFLICT', `key ${i + 1}: KID ${hex} is already given with a different key`, { where: '--key' });
      byKid.set(hex, k.key);
      for (const label of k.trackTypes?.length ? k.trackTypes : ['all']) {
        // One key per track type and key period (a schedule gives each period its own).
        const slot = `${label}@${k.period ?? ''}`;
        const what = label === 'all' ? 'every track (no video=/audio= label)' : `${label} tracks`;
        if (labels.has(slot)) throw new UsageError('ERR_KEY_CONFLICT', `key ${i + 1}: a key for ${what}${k.period ? ` in ${k.period}` : ''} is already given`, { where: '--key' });
        labels.add(slot);
      }
    }
    this.keys = keys;
  }

  static fromSpecs(specs: string[]): StaticKeys {
    return new StaticKeys(specs.map(parseKeySpec));
  }

  async getKeys(_request?: KeyRequest): Promise<KeySet> {
    const kids = this.keys.map((k) => k.kid);
    const pssh = buildCommonPssh(kids);
    const set: KeySet = {
      keys: this.keys,
      drm: [{ systemId: SYSTEM_IDS.common, kid: kids[0]!, pssh }],
    };
    const periods = [...new Set(this.keys.map((k) => k.period).filter((p): p is string => p !== undefined))];
    if (periods.length > 0) set.periods = periods.map((id) => ({ id, index: Number(id.slice(id.lastIndexOf('_') + 1)) }));
    return set;
  }
}
