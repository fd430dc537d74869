/**
 * Key periods for rotation: which period a segment falls in, and the period's id in a key set.
 * A period is an index counted from presentation time 0 in steps of the rotation interval; its id
 * is the one the key source gave for that index (CPIX ContentKeyPeriod@index), else
 * `keyPeriod_<index>` (an xs:ID, as CPIX wants for ContentKeyPeriod@id).
 */
import { UsageError } from '../errors.js';
import type { KeyPeriod, KeySet } from './content-key.js';

/** The period a decode time (seconds) falls in, for a rotation interval of `keyPeriod` seconds. */
export function periodIndexAt(decodeSeconds: number, keyPeriod: number): number {
  // A tiny tolerance: tfdt/timescale of a segment starting exactly on a boundary may land a hair below it.
  return Math.max(0, Math.floor(decodeSeconds / keyPeriod + 1e-9));
}

export function checkKeyPeriod(keyPeriod: unknown, where = 'keyPeriod'): number {
  if (typeof keyPeriod !== 'number' || !Number.isFinite(keyPeriod) || keyPeriod <= 0) {
    throw new UsageError('ERR_KEY_PERIOD', `${where} must be a number of seconds > 0, got ${String(keyPeriod)}`, { where });
  }
  return keyPeriod;
}

export function defaultPeriodId(index: number): string {
  return `keyPeriod_${index}`;
}

/** The id of period `index` in `set` (its ContentKeyPeriod with that index), else the default id. */
export function periodIdOf(set: KeySet, index: number): string {
  return set.periods?.find((p) => p.index === index)?.id ?? defaultPeriodId(index);
}

/** The KeyPeriod to ask a key provider for. */
export function keyPeriodOf(set: KeySet | undefined, index: number): KeyPeriod {
  return { id: set ? periodIdOf(set, index) : defaultPeriodId(index), index };
}

/** Two key sets as one (a later period's keys added to the ones at hand); the first wins per KID+period. */
export function mergeKeySets(a: KeySet, b: KeySet): KeySet {
  const seen = new Set(a.keys.map((k) => `${k.kid.toString('hex')}/${k.period ?? ''}`));
  const keys = [...a.keys, ...b.keys.filter((k) => !seen.has(`${k.kid.toString('hex')}/${k.period ?? ''}`))];
  const drmSeen = new Set(a.drm.map((d) => `${d.systemId}/${d.kid.toString('hex')}`));
  const drm = [...a.drm, ...b.drm.filter((d) => !drmSeen.has(`${d.systemId}/${d.kid.toString('hex')}`))];
  const periods = [...(a.periods ?? [])];
  for (const p of b.periods ?? []) if (!periods.some((x) => x.id === p.id)) periods.push(p);
  const out: KeySet = { ...a, keys, drm };
  if (periods.length > 0) out.periods = periods;
  return out;
}
