/**
 * Key rotation in HLS media playlists: a new set of EXT-X-KEY lines where the key changes, and
 * the segments' start times (EXTINF sums) that pick a TS segment's key period. An EXT-X-KEY
 * applies to every following segment until the next one (RFC 8216 4.3.2.4).
 */
import { MediaError } from '../errors.js';
import { joinPlaylist, splitPlaylist } from './hls-playlist.js';
import { addKeysToMediaPlaylist } from './playlist-rewrite.js';

const isUri = (l: string) => l.trim() !== '' && !l.startsWith('#');

/** Start time (seconds from the playlist's first segment) of each segment, in order. */
export function segmentStartTimes(text: string, where: string): number[] {
  const { lines } = splitPlaylist(text, where);
  const starts: number[] = [];
  let t = 0;
  let pending: number | undefined;
  lines.forEach((l, i) => {
    if (l.startsWith('#EXTINF:')) {
      const d = Number.parseFloat(l.slice(8));
      if (!Number.isFinite(d) || d < 0) throw new MediaError('ERR_HLS_PLAYLIST', `${where}: EXTINF at line ${i + 1} has no duration`, { where: `${where} line ${i + 1}` });
      pending = d;
    } else if (isUri(l)) {
      starts.push(t);
      t += pending ?? 0;
      pending = undefined;
    }
  });
  return starts;
}

/**
 * `keyLines[i]`: the EXT-X-KEY lines for segment i. The first segment's go where
 * addKeysToMediaPlaylist puts them (ahead of EXT-X-MAP); each change goes right after the URI
 * line of the last segment under the previous key, before the next segment's tags.
 */
export function addPeriodKeysToMediaPlaylist(text: string, keyLines: string[][], where: string): string {
  if (keyLines.length === 0) throw new MediaError('ERR_HLS_PLAYLIST', `${where}: a media playlist without segments`, { where });
  const first = splitPlaylist(addKeysToMediaPlaylist(text, keyLines[0]!, where), where);
  const lines: string[] = [];
  let seg = 0;
  let current = keyLines[0]!.join('\n');
  for (const l of first.lines) {
    lines.push(l);
    if (!isUri(l)) continue;
    seg++;
    const next = keyLines[seg];
    if (next && next.join('\n') !== current) { lines.push(...next); current = next.join('\n'); }
  }
  if (seg !== keyLines.length) throw new MediaError('ERR_HLS_PLAYLIST', `${where}: ${seg} segments, ${keyLines.length} key sets`, { where });
  return joinPlaylist({ ...first, lines });
}
