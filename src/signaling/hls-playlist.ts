import { MediaError } from '../errors.js';

/** Playlists are text; reading them line by line keeps every line we do not touch as it was. */
export interface PlaylistLines {
  lines: string[];
  /** '\r\n' when the file used it, else '\n'. */
  newline: string;
  /** The file ended with a newline. */
  finalNewline: boolean;
}

export function splitPlaylist(text: string, where: string): PlaylistLines {
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (!body.startsWith('#EXTM3U')) throw new MediaError('ERR_HLS_PLAYLIST', `${where}: does not start with #EXTM3U`, { where });
  const newline = body.includes('\r\n') ? '\r\n' : '\n';
  const finalNewline = body.endsWith('\n');
  const lines = body.split(/\r?\n/);
  if (finalNewline) lines.pop();
  return { lines, newline, finalNewline };
}

export function joinPlaylist(p: PlaylistLines): string {
  return p.lines.join(p.newline) + (p.finalNewline ? p.newline : '');
}

/** A sub-range of a resource (EXT-X-BYTERANGE / EXT-X-MAP BYTERANGE), offset resolved. */
export interface ByteRange {
  length: number;
  offset: number;
}

export interface MediaSegmentRef {
  uri: string;
  byteRange?: ByteRange;
  /** EXT-X-MEDIA-SEQUENCE + index: the AES-128 IV when the key has none (RFC 8216 5.2). */
  sequenceNumber: number;
}

export interface MediaPlaylistModel {
  kind: 'media';
  /** EXT-X-MAP URI (fMP4 init segment). */
  map?: string;
  mapByteRange?: ByteRange;
  segments: MediaSegmentRef[];
  /** An EXT-X-KEY other than METHOD=NONE is present. */
  encrypted: boolean;
}

export interface MasterPlaylistModel {
  kind: 'master';
  /** Media playlist URIs: variants (EXT-X-STREAM-INF), renditions and I-frame playlists (URI attribute). */
  playlists: string[];
  encrypted: boolean;
  /** What the master says of each media playlist URI: RESOLUTION of a variant or I-frame playlist, CHANNELS of an audio rendition. */
  described: Map<string, { type: 'video' | 'audio'; width?: number; height?: number; channels?: number }>;
  /** URIs of SUBTITLES renditions (EXT-X-MEDIA TYPE=SUBTITLES): text, always left clear. */
  subtitles: string[];
}

/** Quoted or plain attribute value from an attribute list (RFC 8216 4.2). */
export function tagAttribute(line: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|[:,])${name}=("([^"]*)"|[^,]*)`).exec(line);
  if (!m) return undefined;
  return m[2] ?? m[1];
}

export function parsePlaylist(text: string, where: string): MediaPlaylistModel | MasterPlaylistModel {
  const { lines } = splitPlaylist(text, where);
  const isMaster = lines.some((l) => l.startsWith('#EXT-X-STREAM-INF'));
  const encrypted = lines.some((l) => (l.startsWith('#EXT-X-KEY:') || l.startsWith('#EXT-X-SESSION-KEY:')) && tagAttribute(l, 'METHOD') !== 'NONE');
  if (isMaster) {
    const playlists: string[] = [];
    const described: MasterPlaylistModel['described'] = new Map();
    const subtitles: string[] = [];
    const video = (l: string) => {
      const m = /^(\d+)x(\d+)$/.exec(tagAttribute(l, 'RESOLUTION') ?? '');
      return m ? { type: 'video' as const, width: Number(m[1]), height: Number(m[2]) } : { type: 'video' as const };
    };
    lines.forEach((l, i) => {
      if (l.startsWith('#EXT-X-STREAM-INF')) {
        const uri = lines.slice(i + 1).find((n) => n.trim() !== '' && !n.startsWith('#'));
        if (!uri) throw new MediaError('ERR_HLS_PLAYLIST', `${where}: EXT-X-STREAM-INF at line ${i + 1} has no URI line`, { where: `${where} line ${i + 1}` });
        playlists.push(uri.trim());
        if (!described.has(uri.trim())) described.set(uri.trim(), video(l));
      } else if (l.startsWith('#EXT-X-MEDIA:') || l.startsWith('#EXT-X-I-FRAME-STREAM-INF:')) {
        const uri = tagAttribute(l, 'URI');
        if (!uri) return;
        playlists.push(uri);
        if (l.startsWith('#EXT-X-I-FRAME-STREAM-INF:')) described.set(uri, video(l));
        else if (tagAttribute(l, 'TYPE') === 'SUBTITLES') subtitles.push(uri);
        else if (tagAttribute(l, 'TYPE') === 'AUDIO') {
          // CHANNELS="6" or "16/JOC": the count comes first (RFC 8216bis 4.4.6.1).
          const ch = Number.parseInt(tagAttribute(l, 'CHANNELS') ?? '', 10);
          described.set(uri, Number.isInteger(ch) && ch > 0 ? { type: 'audio', channels: ch } : { type: 'audio' });
        }
      }
    });
    return { kind: 'master', playlists: [...new Set(playlists)], encrypted, described, subtitles };
  }
  let sequence = 0;
  const segments: MediaSegmentRef[] = [];
  let map: string | undefined;
  let mapByteRange: ByteRange | undefined;
  let pendingRange: { length: number; offset?: number; line: number } | undefined;
  const at = (i: number) => ({ where: `${where} line ${i + 1}` });
  lines.forEach((l, i) => {
    if (l.startsWith('#EXT-X-MEDIA-SEQUENCE:')) sequence = Number(l.slice(22));
    else if (l.startsWith('#EXT-X-MAP:')) {
      const uri = tagAttribute(l, 'URI');
      if (!uri) throw new MediaError('ERR_HLS_PLAYLIST', `${where}: EXT-X-MAP at line ${i + 1} has no URI`, at(i));
      if (map !== undefined && map !== uri) throw new MediaError('ERR_HLS_UNSUPPORTED', `${where}: a second EXT-X-MAP at line ${i + 1} (several init segments) is not supported`, at(i));
      const br = tagAttribute(l, 'BYTERANGE');
      if (br !== undefined) {
        const r = parseByteRange(br, `${where} line ${i + 1}`);
        mapByteRange = { length: r.length, offset: r.offset ?? 0 };
      }
      map = uri;
    } else if (l.startsWith('#EXT-X-BYTERANGE:')) {
      pendingRange = { ...parseByteRange(l.slice(17), `${where} line ${i + 1}`), line: i };
    } else if (l.trim() !== '' && !l.startsWith('#')) {
      const seg: MediaSegmentRef = { uri: l.trim(), sequenceNumber: sequence + segments.length };
      if (pendingRange) {
        // Without @o the sub-range follows the previous segment's, in the same resource (RFC 8216 4.3.2.2).
        const prev = segments[segments.length - 1];
        if (pendingRange.offset === undefined && (!prev?.byteRange || prev.uri !== seg.uri)) {
          throw new MediaError('ERR_HLS_PLAYLIST', `${where}: EXT-X-BYTERANGE at line ${pendingRange.line + 1} has no offset and no previous sub-range of ${seg.uri}`, at(pendingRange.line));
        }
        seg.byteRange = { length: pendingRange.length, offset: pendingRange.offset ?? prev!.byteRange!.offset + prev!.byteRange!.length };
        pendingRange = undefined;
      }
      segments.push(seg);
    }
  });
  if (!Number.isSafeInteger(sequence)) throw new MediaError('ERR_HLS_PLAYLIST', `${where}: EXT-X-MEDIA-SEQUENCE is not an integer`, { where });
  const model: MediaPlaylistModel = { kind: 'media', segments, encrypted };
  if (map !== undefined) model.map = map;
  if (mapByteRange) model.mapByteRange = mapByteRange;
  return model;
}

/** `n[@o]` (EXT-X-BYTERANGE and the BYTERANGE attribute of EXT-X-MAP). */
export function parseByteRange(v: string, where: string): { length: number; offset?: number } {
  const m = /^\s*(\d+)(?:@(\d+))?\s*$/.exec(v);
  if (!m) throw new MediaError('ERR_HLS_PLAYLIST', `${where}: byte range "${v.slice(0, 40)}" is not n[@o]`, { where });
  return m[2] !== undefined ? { length: Number(m[1]), offset: Number(m[2]) } : { length: Number(m[1]) };
}
