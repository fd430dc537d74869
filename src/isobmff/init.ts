import { MediaError } from '../errors.js';
import type { TrackType } from '../keys/content-key.js';
import { boxPlace, childBoxes, requireChild, topLevelBoxes, type Box } from './box.js';
import { readSampleEntry, type SampleEntryInfo } from './sample-entry.js';
import { writeSinf, type TrackEncryption } from './sinf.js';

/** A track of the init segment, as the engine needs it. */
export interface TrackInfo {
  trackId: number;
  type: TrackType;
  /** The first sample entry's 4cc (avc1, mp4a, ...). */
  codec: string;
  nal?: SampleEntryInfo['nal'];
  frames?: SampleEntryInfo['frames'];
  timescale: number;
  /** trex defaults, used when tfhd/trun omit them. */
  defaultSampleSize: number;
  defaultSampleDescriptionIndex: number;
  /** Number of sample entries in stsd. */
  sampleEntryCount: number;
  /** First sample entry's picture size (video) or channel count (audio), for key selection. */
  width?: number;
  height?: number;
  channels?: number;
}

export interface InitInfo {
  tracks: TrackInfo[];
  /** Tracks we leave clear (text, metadata): not vide/soun. */
  otherTrackIds: number[];
  /** The same tracks: handler type and first sample entry 4cc (`text`/`wvtt`, `subt`/`stpp`, `sbtl`/`tx3g`...). */
  otherTracks: { trackId: number; handler: string; codec: string }[];
}

const NOT_FRAGMENTED_HINT = 'fragment it first, e.g. `ffmpeg -i in.mp4 -c copy -movflags +frag_keyframe+empty_moov+default_base_moof out.mp4`';

interface TrackBoxes { trackId: number; handler: string; trak: Box; stsd: Box; chain: Box[]; entries: Box[]; info?: TrackInfo }

function walkTracks(buf: Buffer, moov: Box): TrackBoxes[] {
  const out: TrackBoxes[] = [];
  for (const trak of childBoxes(buf, moov)) {
    if (trak.type !== 'trak') continue;
    const tkhd = requireChild(buf, trak, 'tkhd');
    const tkhdV = buf[tkhd.bodyStart]!;
    const trackId = buf.readUInt32BE(tkhd.bodyStart + (tkhdV === 1 ? 20 : 12));
    const mdia = requireChild(buf, trak, 'mdia');
    const mdhd = requireChild(buf, mdia, 'mdhd');
    const timescale = buf.readUInt32BE(mdhd.bodyStart + (buf[mdhd.bodyStart] === 1 ? 20 : 12));
    const hdlr = requireChild(buf, mdia, 'hdlr');
    const handler = buf.toString('latin1', hdlr.bodyStart + 8, hdlr.bodyStart + 12);
    const minf = requireChild(buf, mdia, 'minf');
    const stbl = requireChild(buf, minf, 'stbl');
    const stsd = requireChild(buf, stbl, 'stsd');
    const entries = childBoxes(buf, stsd, stsd.bodyStart + 8);
    const t: TrackBoxes = { trackId, handler, trak, stsd, chain: [moov, trak, mdia, minf, stbl, stsd], entries };
    const type: TrackType | undefined = handler === 'vide' ? 'video' : handler === 'soun' ? 'audio' : undefined;
    if (type) {
      if (entries.length === 0) throw new MediaError('ERR_BOX_MISSING', `${boxPlace(stsd)} has no sample entry`, { where: stsd.path });
      const first = readSampleEntry(buf, entries[0]!, type);
      for (const e of entries.slice(1)) readSampleEntry(buf, e, type);
      t.info = { trackId, type, codec: first.codec, nal: first.nal, frames: first.frames, timescale, defaultSampleSize: 0, defaultSampleDescriptionIndex: 1, sampleEntryCount: entries.length };
      if (first.width !== undefined) { t.info.width = first.width; t.info.height = first.height; }
      if (first.channels !== undefined) t.info.channels = first.channels;
    }
    out.push(t);
  }
  return out;
}

function findMoov(buf: Buffer, base = 0): Box {
  const moov = topLevelBoxes(buf, '', base).find((b) => b.type === 'moov');
  if (!moov) throw new MediaError('ERR_NO_MOOV', 'no moov box in the init segment', { where: 'moov' });
  return moov;
}

/**
 * Parse an init segment (ftyp + moov, or just moov). Rejects non-fragmented and protected input.
 * `base` is the file offset of buf[0], for error messages.
 */
export function parseInit(buf: Buffer, base = 0): InitInfo {
  const moov = findMoov(buf, base);
  const mvex = childBoxes(buf, moov).find((b) => b.type === 'mvex');
  if (!mvex) {
    throw new MediaError('ERR_NOT_FRAGMENTED', `the input is not a fragmented MP4 (${boxPlace(moov)} has no mvex); ${NOT_FRAGMENTED_HINT}`, { where: 'moov/mvex' });
  }
  const defaults = new Map<number, [number, number]>();
  for (const trex of childBoxes(buf, mvex)) {
    if (trex.type !== 'trex' || trex.bodyStart + 24 > trex.end) continue;
    // trex: track_ID, default_sample_description_index, _duration, _size, _flags (8.8.3)
    defaults.set(buf.readUInt32BE(trex.bodyStart + 4), [buf.readUInt32BE(trex.bodyStart + 8), buf.readUInt32BE(trex.bodyStart + 16)]);
  }
  const tracks: TrackInfo[] = [];
  const otherTrackIds: number[] = [];
  const otherTracks: InitInfo['otherTracks'] = [];
  for (const t of walkTracks(buf, moov)) {
    if (t.info) {
      const d = defaults.get(t.info.trackId);
      if (d) { t.info.defaultSampleDescriptionIndex = d[0]; t.info.defaultSampleSize = d[1]; }
      tracks.push(t.info);
    }
    else {
      otherTrackIds.push(t.trackId);
      otherTracks.push({ trackId: t.trackId, handler: t.handler, codec: t.entries[0]?.type ?? '' });
    }
  }
  if (tracks.length === 0) throw new MediaError('ERR_NO_TRACKS', 'the init segment has no video or audio track to encrypt', { where: 'moov/trak' });
  return { tracks, otherTrackIds, otherTracks };
}

export { NOT_FRAGMENTED_HINT };

interface Insertion { at: number; bytes: Buffer; grow: Box[] }

/**
 * Rewrite an init segment for protection (ISO/IEC 23001-7 8): every sample entry of a protected
 * track becomes `encv`/`enca` with a `sinf` appended; `pssh` boxes are appended to `moov`; every
 * enclosing box grows by what was inserted into it. Other boxes (mvex, edts, udta...) are kept.
 * Tracks in `clearCopies` also get a clear copy of each entry after the protected ones (clear
 * lead fragments point at them, as Shaka Packager does).
 */
export function protectInit(buf: Buffer, protections: Map<number, TrackEncryption>, pssh: Buffer[], clearCopies: Set<number> = new Set()): Buffer {
  const moov = findMoov(buf);
  const inserts: Insertion[] = [];
  const renames: { at: number; type: string }[] = [];
  const counts: { at: number; value: number }[] = [];
  for (const t of walkTracks(buf, moov)) {
    if (!t.info) continue;
    const p = protections.get(t.info.trackId);
    if (!p) continue;
    for (const e of t.entries) {
      renames.push({ at: e.start + 4, type: t.info.type === 'video' ? 'encv' : 'enca' });
      inserts.push({ at: e.end, bytes: writeSinf(e.type, p), grow: [...t.chain, e] });
    }
    if (clearCopies.has(t.info.trackId)) {
      const last = t.entries[t.entries.length - 1]!;
      for (const e of t.entries) inserts.push({ at: last.end, bytes: Buffer.from(buf.subarray(e.start, e.end)), grow: t.chain });
      counts.push({ at: t.stsd.bodyStart + 4, value: 2 * t.entries.length });
    }
  }
  for (const p of pssh) inserts.push({ at: moov.end, bytes: p, grow: [moov] });
  inserts.sort((a, b) => a.at - b.at); // stable: a sinf stays before the clear copies at the same point

  const growth = new Map<Box, number>();
  let added = 0;
  for (const ins of inserts) {
    added += ins.bytes.length;
    for (const b of ins.grow) growth.set(b, (growth.get(b) ?? 0) + ins.bytes.length);
  }
  const out = Buffer.allocUnsafe(buf.length + added);
  let r = 0;
  let w = 0;
  const shift = (pos: number) => { let s = 0; for (const i of inserts) if (i.at <= pos) s += i.bytes.length; return s; };
  for (const ins of inserts) {
    w += buf.copy(out, w, r, ins.at);
    r = ins.at;
    w += ins.bytes.copy(out, w);
  }
  buf.copy(out, w, r);
  // A box moved by every insertion at or before its start (an insertion at a sibling's end comes first).
  for (const [box, g] of growth) {
    const at = box.start + shift(box.start);
    const size32 = buf.readUInt32BE(box.start);
    if (size32 === 1) out.writeBigUInt64BE(BigInt(box.end - box.start + g), at + 8);
    else if (size32 !== 0) out.writeUInt32BE(box.end - box.start + g, at);
  }
  for (const rn of renames) out.write(rn.type, rn.at + shift(rn.at), 4, 'latin1');
  for (const c of counts) out.writeUInt32BE(c.value, c.at + shift(c.at));
  return out;
}
