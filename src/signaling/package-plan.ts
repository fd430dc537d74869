import { posix } from 'node:path';
import { MediaError, UsageError } from '../errors.js';
import type { TrackType } from '../keys/content-key.js';
import { parsePlaylist, type MediaPlaylistModel } from './hls-playlist.js';
import { parseMpd, type MpdModel, type MpdRepresentation } from './mpd-model.js';
import { templateFiles } from './mpd-segments.js';

/**
 * What to do with each file of a package, derived from its manifests alone (pure: the caller
 * lists the directory and reads the manifests). Paths are package-relative, '/'-separated.
 */
export type PackageJob =
  | { kind: 'fmp4-init'; path: string; trackType?: TrackType }
  | { kind: 'fmp4-segment'; path: string; init: string; sequenceNumber: number; trackType?: TrackType }
  /** A whole fragmented file (DASH SegmentBase / on-demand profile). */
  | { kind: 'fmp4-file'; path: string; trackType?: TrackType; representation?: string }
  | { kind: 'ts-segment'; path: string; sequenceNumber: number; playlist?: string };

export const CENC_SCHEMES: ReadonlySet<string> = new Set(['cenc', 'cbcs', 'cens', 'cbc1']);

export interface DashPlan {
  manifest: string;
  model: MpdModel;
  jobs: PackageJob[];
  /** Each Representation's rendition: its init segment (SegmentTemplate) or its whole file (SegmentBase). */
  renditionOf: Map<MpdRepresentation, string>;
  /** AdaptationSets that are neither video nor audio (text, images): left as they are, their files copied. */
  clearSets: { where: string; kind: string }[];
}

export interface HlsPlan {
  masters: string[];
  /** Media playlist path -> its model. */
  media: Map<string, MediaPlaylistModel>;
  jobs: PackageJob[];
  /** Media playlist path -> what a master says of it (type, RESOLUTION, CHANNELS): the key selection of MPEG-TS renditions. */
  described: Map<string, { type: TrackType; width?: number; height?: number; channels?: number }>;
  /** Text media playlists (SUBTITLES renditions, WebVTT/TTML segments): no job, no EXT-X-KEY, their files copied as they are. */
  text: string[];
}

/** Resolve a manifest reference against the manifest's folder; refuse what leaves the package. */
export function packagePath(manifest: string, ref: string, where: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(ref) || ref.startsWith('/')) {
    throw new MediaError('ERR_PACKAGE_REFERENCE', `${where}: "${ref}" is an absolute URL; only files inside the package can be encrypted`, { where });
  }
  let clean: string;
  try {
    clean = decodeURIComponent(ref.split(/[?#]/)[0]!);
  } catch {
    throw new MediaError('ERR_PACKAGE_REFERENCE', `${where}: "${ref}" is not a valid URI reference (bad %-escape)`, { where });
  }
  const p = posix.normalize(posix.join(posix.dirname(manifest), clean));
  if (p.startsWith('../') || p === '..') {
    throw new MediaError('ERR_PACKAGE_REFERENCE', `${where}: "${ref}" points outside the package directory`, { where });
  }
  return p;
}

function requireFile(files: Set<string>, path: string, where: string): void {
  if (!files.has(path)) throw new MediaError('ERR_PACKAGE_MISSING_FILE', `${where} names "${path}", which is not in the package`, { where });
}

/**
 * DASH: every Representation of a video or audio AdaptationSet. SegmentTemplate: the init and
 * every listed segment must exist, and any further file the media template matches is encrypted
 * too (encoders write a trailing short segment the template count leaves out). SegmentBase: the
 * whole file. Other AdaptationSets (text, images) are left as they are.
 */
export function planDash(manifest: string, text: string, files: Set<string>): DashPlan {
  const model = parseMpd(text, manifest);
  const jobs: PackageJob[] = [];
  const renditionOf = new Map<MpdRepresentation, string>();
  const dir = posix.dirname(manifest);
  const clearSets: DashPlan['clearSets'] = [];
  for (const set of model.adaptationSets) {
    if (!set.trackType) {
      clearSets.push({ where: `${manifest} ${set.path}`, kind: set.contentType ?? 'not video or audio' });
      continue;
    }
    if (set.hasContentProtection) {
      throw new MediaError('ERR_ALREADY_ENCRYPTED', `${manifest} ${set.path} already carries ContentProtection: the package is already encrypted`, { where: `${manifest} ${set.path}` });
    }
    const tt = set.trackType;
    for (const rep of set.representations) {
      const where = `${manifest} ${set.path}/Representation[id=${rep.id}]`;
      if (rep.template) {
        const f = templateFiles(rep, rep.template, set.durationSeconds, where);
        if (!f.init) throw new MediaError('ERR_MPD_TEMPLATE', `${where}: SegmentTemplate has no @initialization`, { where });
        const init = packagePath(manifest, f.init, where);
        requireFile(files, init, where);
        renditionOf.set(rep, init);
        jobs.push({ kind: 'fmp4-init', path: init, trackType: tt });
        const listed = new Set<string>();
        for (const s of f.media) {
          const p = packagePath(manifest, s.path, where);
          requireFile(files, p, where);
          listed.add(p);
          jobs.push({ kind: 'fmp4-segment', path: p, init, sequenceNumber: s.number, trackType: tt });
        }
        if (f.mediaPattern) {
          const extra = [...files].filter((p) => !listed.has(p) && p !== init && matchesFrom(dir, p, f.mediaPattern!));
          for (const p of extra.sort()) {
            const m = f.mediaPattern.exec(relativeTo(dir, p));
            const number = m?.[1] !== undefined ? Number(m[1]) : f.media.length + rep.template.startNumber;
            jobs.push({ kind: 'fmp4-segment', path: p, init, sequenceNumber: number, trackType: tt });
          }
        }
      } else if (rep.segmentBase || rep.baseUrl) {
        if (!rep.baseUrl) throw new MediaError('ERR_MPD_BASEURL', `${where}: SegmentBase without a BaseURL naming the file`, { where });
        const p = packagePath(manifest, rep.baseUrl, where);
        requireFile(files, p, where);
        renditionOf.set(rep, p);
        jobs.push({ kind: 'fmp4-file', path: p, trackType: tt, representation: rep.id });
      } else {
        throw new MediaError('ERR_MPD_UNSUPPORTED', `${where}: neither SegmentTemplate nor SegmentBase (SegmentList is not supported)`, { where });
      }
    }
  }
  return { manifest, model, jobs: dedupe(jobs), renditionOf, clearSets };
}

function relativeTo(dir: string, p: string): string {
  return dir === '.' ? p : posix.relative(dir, p);
}

function matchesFrom(dir: string, p: string, re: RegExp): boolean {
  return re.test(relativeTo(dir, p));
}

/** Segment URIs of text renditions: WebVTT, TTML, SRT (a query string allowed). */
const TEXT_SEGMENT = /\.(?:vtt|webvtt|ttml|dfxp|srt)(?:[?#].*)?$/i;

/**
 * HLS: masters name media playlists; each media playlist names an init (EXT-X-MAP, fMP4) and
 * segments (fMP4 after a map, MPEG-TS otherwise). Media playlists no master names are included.
 */
export function planHls(playlists: Map<string, string>, files: Set<string>): HlsPlan {
  const masters: string[] = [];
  const mediaRefs = new Set<string>();
  const described: HlsPlan['described'] = new Map();
  const subtitles = new Set<string>();
  const models = new Map<string, ReturnType<typeof parsePlaylist>>();
  for (const [path, text] of playlists) models.set(path, parsePlaylist(text, path));
  for (const [path, m] of models) {
    if (m.kind !== 'master') continue;
    masters.push(path);
    for (const ref of m.playlists) {
      const p = packagePath(path, ref, path);
      if (!models.has(p)) throw new MediaError('ERR_PACKAGE_MISSING_FILE', `${path} names media playlist "${p}", which is not in the package`, { where: path });
      mediaRefs.add(p);
      if (m.subtitles.includes(ref)) subtitles.add(p);
      const d = m.described.get(ref);
      if (d && !described.has(p)) described.set(p, d);
    }
  }
  const media = new Map<string, MediaPlaylistModel>();
  const jobs: PackageJob[] = [];
  const text: string[] = [];
  for (const [path, m] of models) {
    if (m.kind !== 'media') continue;
    if (subtitles.has(path) || (m.segments.length > 0 && m.segments.every((s) => TEXT_SEGMENT.test(s.uri)))) {
      // Common Encryption and the HLS methods protect audio and video; subtitles stay clear (as Shaka Packager leaves them).
      for (const s of m.segments) requireFile(files, packagePath(path, s.uri, path), path);
      text.push(path);
      continue;
    }
    if (m.encrypted) throw new MediaError('ERR_ALREADY_ENCRYPTED', `${path} already has an EXT-X-KEY: the package is already encrypted`, { where: path });
    media.set(path, m);
    if (m.mapByteRange || m.segments.some((s) => s.byteRange)) {
      // Sub-range playlist: whole fragmented files, encrypted as files; the ranges are remapped after.
      const resources = new Set([...(m.map !== undefined ? [m.map] : []), ...m.segments.map((s) => s.uri)].map((u) => packagePath(path, u, path)));
      if (m.map === undefined || !m.mapByteRange || m.segments.some((s) => !s.byteRange) || resources.size !== 1) {
        throw new MediaError('ERR_HLS_UNSUPPORTED', `${path}: sub-ranges are supported for one fMP4 file holding the init (EXT-X-MAP BYTERANGE) and every segment`, { where: path });
      }
      for (const r of resources) { requireFile(files, r, path); jobs.push({ kind: 'fmp4-file', path: r }); }
      continue;
    }
    const init = m.map !== undefined ? packagePath(path, m.map, `${path} EXT-X-MAP`) : undefined;
    if (init) { requireFile(files, init, `${path} EXT-X-MAP`); jobs.push({ kind: 'fmp4-init', path: init }); }
    for (const s of m.segments) {
      const p = packagePath(path, s.uri, path);
      requireFile(files, p, path);
      jobs.push(init ? { kind: 'fmp4-segment', path: p, init, sequenceNumber: s.sequenceNumber } : { kind: 'ts-segment', path: p, sequenceNumber: s.sequenceNumber, playlist: path });
    }
  }
  return { masters, media, jobs: dedupe(jobs), described, text };
}

/** A file named twice (two playlists, two Representations) is encrypted once; conflicting roles are an error. */
function dedupe(jobs: PackageJob[]): PackageJob[] {
  const byPath = new Map<string, PackageJob>();
  for (const j of jobs) {
    const prev = byPath.get(j.path);
    if (!prev) { byPath.set(j.path, j); continue; }
    if (prev.kind !== j.kind || ('init' in prev && 'init' in j && prev.init !== j.init)) {
      throw new MediaError('ERR_PACKAGE_CONFLICT', `"${j.path}" is named as ${prev.kind} and as ${j.kind}`, { where: j.path });
    }
  }
  return [...byPath.values()];
}

/** fMP4 takes the Common Encryption schemes, MPEG-TS the two HLS methods. */
export function checkSchemeFits(scheme: string, jobs: PackageJob[]): void {
  const ts = jobs.find((j) => j.kind === 'ts-segment');
  const mp4 = jobs.find((j) => j.kind !== 'ts-segment');
  if (ts && CENC_SCHEMES.has(scheme)) throw new UsageError('ERR_SCHEME', `scheme '${scheme}' applies to fMP4; ${ts.path} is MPEG-TS: use 'aes-128' or 'sample-aes'`, { where: 'scheme' });
  if (mp4 && !CENC_SCHEMES.has(scheme)) throw new UsageError('ERR_SCHEME', `scheme '${scheme}' applies to MPEG-TS; ${mp4.path} is fMP4: use cenc, cbcs, cens or cbc1`, { where: 'scheme' });
}

/** Jobs of several manifests: a file named by two of them is done once. */
export function mergeJobs(jobs: PackageJob[]): PackageJob[] {
  const seen = new Map<string, PackageJob>();
  for (const j of jobs) if (!seen.has(j.path)) seen.set(j.path, j);
  return [...seen.values()];
}
