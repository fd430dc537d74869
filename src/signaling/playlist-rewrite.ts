import { MediaError } from '../errors.js';
import { joinPlaylist, parseByteRange, splitPlaylist, tagAttribute, type ByteRange, type PlaylistLines } from './hls-playlist.js';

/** Tags that belong to (come before) the first media segment. */
const SEGMENT_TAGS = ['#EXTINF', '#EXT-X-MAP', '#EXT-X-BYTERANGE', '#EXT-X-DISCONTINUITY', '#EXT-X-PROGRAM-DATE-TIME', '#EXT-X-GAP', '#EXT-X-CUE', '#EXT-X-PART'];
const VARIANT_TAGS = ['#EXT-X-MEDIA:', '#EXT-X-STREAM-INF', '#EXT-X-I-FRAME-STREAM-INF', '#EXT-X-SESSION-DATA'];

/**
 * Media playlist: the EXT-X-KEY lines go before the first segment, ahead of its EXT-X-MAP
 * (so the init segment is also covered, RFC 8216 4.3.2.5) and EXTINF. Every other line is kept;
 * EXT-X-VERSION is raised when the new attributes need it (IV: 2, KEYFORMAT: 5, RFC 8216 7).
 */
export function addKeysToMediaPlaylist(text: string, keyLines: string[], where: string): string {
  const p = splitPlaylist(text, where);
  refuseExistingKeys(p, where, '#EXT-X-KEY:');
  const at = p.lines.findIndex((l) => SEGMENT_TAGS.some((t) => l.startsWith(t)) || (l.trim() !== '' && !l.startsWith('#')));
  if (at < 0) throw new MediaError('ERR_HLS_PLAYLIST', `${where}: a media playlist without segments`, { where });
  p.lines.splice(at, 0, ...keyLines);
  raiseVersion(p, keyLines);
  return joinPlaylist(p);
}

/** Master playlist: EXT-X-SESSION-KEY lines before the first rendition/variant tag. */
export function addSessionKeysToMaster(text: string, sessionKeyLines: string[], where: string): string {
  const p = splitPlaylist(text, where);
  refuseExistingKeys(p, where, '#EXT-X-SESSION-KEY:');
  const unique = [...new Set(sessionKeyLines)];
  let at = p.lines.findIndex((l) => VARIANT_TAGS.some((t) => l.startsWith(t)));
  if (at < 0) at = p.lines.length;
  p.lines.splice(at, 0, ...unique);
  raiseVersion(p, unique);
  return joinPlaylist(p);
}

function refuseExistingKeys(p: PlaylistLines, where: string, tag: string): void {
  const i = p.lines.findIndex((l) => l.startsWith(tag) && tagAttribute(l, 'METHOD') !== 'NONE');
  if (i >= 0) throw new MediaError('ERR_ALREADY_ENCRYPTED', `${where}: ${tag.slice(1, -1)} at line ${i + 1}: the playlist is already encrypted`, { where: `${where} line ${i + 1}` });
}

function raiseVersion(p: PlaylistLines, added: string[]): void {
  let needed = 1;
  for (const l of added) {
    if (/[:,]IV=/.test(l)) needed = Math.max(needed, 2);
    if (/[:,]KEYFORMAT(VERSIONS)?=/.test(l)) needed = Math.max(needed, 5);
  }
  const i = p.lines.findIndex((l) => l.startsWith('#EXT-X-VERSION:'));
  if (i < 0) {
    if (needed > 1) p.lines.splice(1, 0, `#EXT-X-VERSION:${needed}`);
    return;
  }
  const current = Number(p.lines[i]!.slice(15));
  if (!(current >= needed)) p.lines[i] = `#EXT-X-VERSION:${needed}`;
}

/**
 * Sub-range playlists (one file, EXT-X-BYTERANGE): after encryption the boxes moved, so every
 * range is mapped to its new place. `remap(uri, range)` gives the new range of a resource's
 * sub-range; every rewritten range carries its offset explicitly. Other lines are kept.
 */
export function rewriteByteRanges(text: string, where: string, remap: (uri: string, range: ByteRange) => ByteRange): string {
  const p = splitPlaylist(text, where);
  const lastEnd = new Map<string, number>();
  let pending: { index: number; length: number; offset?: number } | undefined;
  p.lines.forEach((l, i) => {
    if (l.startsWith('#EXT-X-MAP:')) {
      const br = tagAttribute(l, 'BYTERANGE');
      const uri = tagAttribute(l, 'URI');
      if (br === undefined || uri === undefined) return;
      const r = parseByteRange(br, `${where} line ${i + 1}`);
      const n = remap(uri, { length: r.length, offset: r.offset ?? 0 });
      p.lines[i] = l.replace(/BYTERANGE="[^"]*"/, `BYTERANGE="${n.length}@${n.offset}"`);
    } else if (l.startsWith('#EXT-X-BYTERANGE:')) {
      pending = { index: i, ...parseByteRange(l.slice(17), `${where} line ${i + 1}`) };
    } else if (pending && l.trim() !== '' && !l.startsWith('#')) {
      const uri = l.trim();
      const offset = pending.offset ?? lastEnd.get(uri);
      if (offset === undefined) throw new MediaError('ERR_HLS_PLAYLIST', `${where}: EXT-X-BYTERANGE at line ${pending.index + 1} has no offset and no previous sub-range of ${uri}`, { where: `${where} line ${pending.index + 1}` });
      lastEnd.set(uri, offset + pending.length);
      const n = remap(uri, { length: pending.length, offset });
      p.lines[pending.index] = `#EXT-X-BYTERANGE:${n.length}@${n.offset}`;
      pending = undefined;
    }
  });
  return joinPlaylist(p);
}

/**
 * A sub-range of a file after encryption: `starts` maps each input top-level box start (and the
 * input size) to the output's. A range must start and end on box boundaries.
 */
export function remapByteRange(starts: Map<number, number> | undefined, range: ByteRange, file: string, where: string): ByteRange {
  const from = starts?.get(range.offset);
  const to = starts?.get(range.offset + range.length);
  if (from === undefined || to === undefined) {
    throw new MediaError('ERR_HLS_BYTERANGE', `${where}: byte range ${range.length}@${range.offset} of ${file} does not start and end on top-level box boundaries`, { where });
  }
  return { offset: from, length: to - from };
}
