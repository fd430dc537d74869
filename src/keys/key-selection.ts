/**
 * "Which key for this track": the one lookup the file, package and segment paths share. A key
 * applies to a track when its track types include the track's type (or it has none: every
 * track) and, where the key server's usage rules bound it, one filter of that type bounds the
 * track (SPEKE v2 / CPIX 2.3 VideoFilter pixels, AudioFilter channels). The filters as returned
 * decide, not the preset table the request was built from.
 */
import { KeyError } from '../errors.js';
import type { ContentKey, KeySet, TrackClass, TrackFilter } from './content-key.js';

export type KeyChoice = { key: ContentKey } | { clear: true };

export function describeTrack(t: TrackClass): string {
  const size = t.type === 'video' && t.width && t.height ? ` ${t.width}x${t.height}` : '';
  const ch = t.type === 'audio' && t.channels ? ` ${t.channels} channels` : '';
  return `${t.name ? `${t.name} ` : ''}(${t.type}${size}${ch})`.trim();
}

function bounds(f: TrackFilter): boolean {
  return f.minPixels !== undefined || f.maxPixels !== undefined || f.minChannels !== undefined || f.maxChannels !== undefined;
}

/** undefined: the track's size or channel count is unknown and this filter needs it. */
function filterMatches(f: TrackFilter, t: TrackClass): boolean | undefined {
  if (f.type === 'video') {
    if (f.minPixels === undefined && f.maxPixels === undefined) return true;
    if (!t.width || !t.height) return undefined;
    const px = t.width * t.height;
    return (f.minPixels === undefined || px >= f.minPixels) && (f.maxPixels === undefined || px <= f.maxPixels);
  }
  if (f.minChannels === undefined && f.maxChannels === undefined) return true;
  if (!t.channels) return undefined;
  return (f.minChannels === undefined || t.channels >= f.minChannels) && (f.maxChannels === undefined || t.channels <= f.maxChannels);
}

/**
 * How well a key fits a track: -1 not at all, 0 a key for every track, 1 a key for the track's
 * type, 2 a key whose bounded filter takes the track. The best fit wins; among equals, the first.
 */
function fit(k: ContentKey, t: TrackClass): { score: number; unknown: boolean } {
  if (k.trackTypes && k.trackTypes.length > 0 && !k.trackTypes.includes(t.type)) return { score: -1, unknown: false };
  const own = (k.filters ?? []).filter((f) => f.type === t.type);
  if (own.length === 0) {
    // Filters only for other types: the key's rules leave this type out.
    if ((k.filters ?? []).length > 0) return { score: -1, unknown: false };
    return { score: k.trackTypes && k.trackTypes.length > 0 ? 1 : 0, unknown: false };
  }
  let unknown = false;
  for (const f of own) {
    const m = filterMatches(f, t);
    if (m === true) return { score: bounds(f) ? 2 : 1, unknown: false };
    if (m === undefined) unknown = true;
  }
  return { score: -1, unknown };
}

/**
 * The key for a track in a period (undefined period: keys of any period), or undefined. A key of
 * no period serves every period; among equal fits, a key of exactly the period asked wins.
 */
export function selectKey(set: KeySet, track: TrackClass, period?: string): ContentKey | undefined {
  let best: ContentKey | undefined;
  let bestScore = -1;
  for (const k of set.keys) {
    if (period !== undefined && k.period !== undefined && k.period !== period) continue;
    const { score } = fit(k, track);
    if (score < 0) continue;
    const ranked = score * 2 + (period !== undefined && k.period === period ? 1 : 0);
    if (ranked > bestScore) { best = k; bestScore = ranked; }
  }
  return best;
}

/**
 * The key for a track, or `clear` when the contract leaves its type unencrypted; a track no
 * rule takes is an error naming the track (and why, when its size or channels are unknown).
 */
export function chooseKey(set: KeySet, track: TrackClass, period?: string): KeyChoice {
  const key = selectKey(set, track, period);
  if (key) return { key };
  if (set.clearTrackTypes?.includes(track.type)) return { clear: true };
  const unknown = set.keys.some((k) => fit(k, track).unknown);
  const rules = set.keys.filter((k) => k.intendedTrackType).map((k) => k.intendedTrackType).join(', ');
  const why = unknown
    ? `its ${track.type === 'video' ? 'picture size' : 'channel count'} is unknown and the key server's usage rules choose by it`
    : rules ? `no usage rule of the key server takes it (keys for: ${rules})` : `no key is for ${track.type} tracks`;
  if (period !== undefined && set.keys.some((k) => fit(k, track).score >= 0)) {
    // Keys exist for this track, only not for this period: never fall back to another period's key.
    throw new KeyError('ERR_NO_KEY_FOR_PERIOD', `no key for ${describeTrack(track)} in key period ${period} (keys are for periods: ${[...new Set(set.keys.map((k) => k.period ?? 'all'))].join(', ')})`, { where: `${track.name ?? track.type} period ${period}` });
  }
  throw new KeyError('ERR_NO_KEY_FOR_TRACK', `no key for ${describeTrack(track)}: ${why}`, { where: track.name ?? track.type });
}
