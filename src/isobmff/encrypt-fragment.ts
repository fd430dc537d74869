import { MediaError } from '../errors.js';
import type { TrackType } from '../keys/content-key.js';
import { AvcSliceHeaderParser, HevcSliceHeaderParser, cipherIv, frameSubsampler, type FrameCodec, sampleCounterStart, SampleEncryptor, videoSubsamples, writeSampleIv, type NalCodec, type SampleCryptoParams, type SliceHeaderMeter, type SubsampleRules } from '../cenc/index.js';
import { childBoxes, readBox, writeBoxHeader, writeFullBoxHeader, type Box } from './box.js';
import { seigGroupSize, writeSeigGroup, type SeigEntry } from './sample-group.js';
import { SAIO_SIZE, saizSize, SENC_USE_SUBSAMPLES, writeSaio, writeSaiz } from './sample-encryption.js';
import {
  parseTfhd, parseTrun, readTfdt, rewrittenTfhdSize, rewrittenTrunSize, trunSizeFieldOffset, writeTfhd, writeTrun,
  TFHD_BASE_DATA_OFFSET, TFHD_DEFAULT_BASE_IS_MOOF, type TrackFragmentHeader, type TrackRun,
} from './track-fragment.js';

/** Everything a fragment job needs about one protected track. Plain data (crosses threads). */
export interface FragmentTrack extends SampleCryptoParams {
  trackId: number;
  type: TrackType;
  nal?: { codec: NalCodec; lengthSize: number; config?: Buffer };
  /** AV1 / VP9: subsamples from the frame structure (src/cenc/frame-subsamples.ts). */
  frames?: { codec: FrameCodec; config?: Buffer; width: number; height: number };
  /** Per-sample IV size in senc; 0 = constant IV (cbcs). */
  ivSize: 0 | 8 | 16;
  /** Base per-sample IV (ivSize bytes), or the constant IV when ivSize is 0. */
  iv: Buffer;
  /** Index of the track among protected tracks: keeps IVs distinct between tracks. */
  ordinal: number;
  /** Bytes after the NAL header kept clear in VCL NAL units. */
  sliceHeaderClear: number;
  /**
   * Clear lead: fragments whose tfdt is below this (track timescale) stay unencrypted and point
   * at the clear copy of their sample entry, `clearEntryOffset` entries further in stsd.
   */
  clearBefore?: number;
  clearEntryOffset?: number;
  /** trex default_sample_description_index, for fragments whose tfhd does not set one. */
  defaultSampleDescriptionIndex?: number;
  /**
   * Key rotation: the KID of `key` for this fragment. When set, each protected traf gets a `seig`
   * sample group naming it (the init's tenc keeps the first period's KID as the default).
   */
  kid?: Buffer;
}

interface RunPlan { run: TrackRun; dataStart: number }
interface TrafPlan {
  traf: Box;
  children: Box[];
  tfhd: TrackFragmentHeader;
  /** Set in a clear-lead fragment: the clear sample entry's index. */
  clearSdi?: number;
  runs: RunPlan[];
  track?: FragmentTrack;
  starts: number[];
  sizes: number[];
  subs: number[] | null;
  subFrom: number[];
  subCount: number[];
  aux: number[];
  auxUniform: boolean;
  sencSize: number;
  extra: number; // bytes added: saiz + saio + senc
  newSize: number;
  /** End of this traf's sample data: the base of the next traf without an explicit one. */
  dataEnd: number;
}

/** Slice headers are measured from the avcC/hvcC parameter sets (and in-band ones). */
function sliceHeaderMeter(track: FragmentTrack): SliceHeaderMeter | undefined {
  if (!track.nal?.config) return undefined;
  if (track.nal.codec === 'avc') {
    const m = new AvcSliceHeaderParser();
    m.addAvcC(track.nal.config);
    return m;
  }
  const h = new HevcSliceHeaderParser();
  h.addHvcC(track.nal.config);
  return h;
}

function seigOf(t: FragmentTrack): SeigEntry {
  return { kid: t.kid!, cryptByteBlock: t.cryptByteBlock, skipByteBlock: t.skipByteBlock, ivSize: t.ivSize, ...(t.ivSize === 0 ? { constantIv: t.iv } : {}) };
}

function alignRequired(scheme: string): boolean {
  return scheme !== 'cbcs'; // 23001-7 10.2 cbc1, 10.3 cens; CMAF for cenc
}

function planTraf(buf: Buffer, traf: Box, moofSize: number, fileOffset: number, prevEnd: number, tracks: Map<number, FragmentTrack>, defaultSizes: Map<number, number>): TrafPlan {
  const children = childBoxes(buf, traf);
  const tfhdBox = children[0]?.type === 'tfhd' ? children[0] : children.find((c) => c.type === 'tfhd');
  if (!tfhdBox) throw new MediaError('ERR_BOX_MISSING', `${traf.path} at byte ${fileOffset + traf.start} has no tfhd`, { where: traf.path });
  const tfhd = parseTfhd(buf, tfhdBox);
  let track = tracks.get(tfhd.trackId);
  let clearSdi: number | undefined;
  const tfdt = children.find((c) => c.type === 'tfdt');
  if (track?.clearBefore !== undefined && tfdt && readTfdt(buf, tfdt) < track.clearBefore) {
    clearSdi = (tfhd.sampleDescriptionIndex ?? track.defaultSampleDescriptionIndex ?? 1) + (track.clearEntryOffset ?? 0);
    track = undefined; // a clear-lead fragment: no senc, samples untouched
  }
  let base: number;
  if (tfhd.flags & TFHD_BASE_DATA_OFFSET) base = tfhd.baseDataOffset! - fileOffset;
  else if (tfhd.flags & TFHD_DEFAULT_BASE_IS_MOOF) base = 0;
  else base = prevEnd; // 14496-12 8.8.7.1: the end of the previous traf's data (the moof start for the first)
  const defSize = tfhd.defaultSampleSize ?? defaultSizes.get(tfhd.trackId) ?? 0;
  const p: TrafPlan = { traf, children, tfhd, clearSdi, runs: [], track, starts: [], sizes: [], subs: null, subFrom: [], subCount: [], aux: [], auxUniform: true, sencSize: 0, extra: 0, newSize: 0, dataEnd: base };
  let cursor = base;
  for (const c of children) {
    if (c.type !== 'trun') continue;
    const run = parseTrun(buf, c);
    const dataStart = run.dataOffset !== undefined ? base + run.dataOffset : cursor;
    p.runs.push({ run, dataStart });
    const sizeOff = trunSizeFieldOffset(run);
    let o = dataStart;
    for (let i = 0; i < run.sampleCount; i++) {
      const size = sizeOff >= 0 ? buf.readUInt32BE(run.recordsStart + i * run.recordSize + sizeOff) : defSize;
      if (o < moofSize || o + size > buf.length) {
        throw new MediaError('ERR_SAMPLE_RANGE', `${c.path} at byte ${fileOffset + c.start}: sample ${i} at bytes ${fileOffset + o}..${fileOffset + o + size} lies outside the fragment's media data (bytes ${fileOffset + moofSize}..${fileOffset + buf.length})`, { where: c.path });
      }
      p.starts.push(o);
      p.sizes.push(size);
      o += size;
    }
    cursor = o;
  }
  p.dataEnd = cursor;
  let size = 8;
  for (const c of children) size += c.type === 'tfhd' ? rewrittenTfhdSize(tfhd, clearSdi) : c.type === 'trun' ? rewrittenTrunSize(p.runs.find((r) => r.run.box === c)!.run) : c.end - c.start;
  if (track) {
    const video = track.type === 'video' && (track.nal !== undefined || track.frames !== undefined);
    if (video) {
      let map: (buf: Buffer, start: number, end: number, out: number[]) => number;
      if (track.frames) map = frameSubsampler(track.frames, track.scheme);
      else {
        const rules: SubsampleRules = { codec: track.nal!.codec, nalLengthSize: track.nal!.lengthSize, align: alignRequired(track.scheme), leadingClear: track.sliceHeaderClear, meter: sliceHeaderMeter(track) };
        map = (b, start, end, out) => videoSubsamples(b, start, end, rules, out);
      }
      p.subs = [];
      for (let i = 0; i < p.starts.length; i++) {
        p.subFrom.push(p.subs.length);
        const n = map(buf, p.starts[i]!, p.starts[i]! + p.sizes[i]!, p.subs);
        p.subCount.push(n);
        const a = track.ivSize + 2 + 6 * n;
        if (a > 255) throw new MediaError('ERR_TOO_MANY_SUBSAMPLES', `${traf.path} at byte ${fileOffset + traf.start}: sample ${i} has ${n} subsamples, more than saiz can describe`, { where: traf.path });
        p.aux.push(a);
      }
    } else {
      for (let i = 0; i < p.starts.length; i++) p.aux.push(track.ivSize);
    }
    let sum = 0;
    for (const a of p.aux) { sum += a; if (a !== p.aux[0]) p.auxUniform = false; }
    p.sencSize = 16 + sum;
    // With a constant IV and no subsamples there is no auxiliary information: senc only (as Shaka).
    p.extra = p.sencSize + (sum > 0 ? saizSize(p.aux.length, p.auxUniform) + SAIO_SIZE : 0);
    if (track.kid) p.extra += seigGroupSize(seigOf(track));
  }
  p.newSize = size + p.extra;
  return p;
}

/** An encrypted fragment in two parts: the rewritten moof, and the media data after it. */
export interface FragmentParts {
  /** The grown moof, in a buffer of its own. */
  moof: Buffer;
  /** The input bytes after the moof (mdat...), encrypted in place: a view of the input buffer. */
  media: Buffer;
}

/**
 * Encrypt one fragment: `buf` holds a moof at byte 0 followed by its media data (mdat...);
 * `fileOffset` is where buf[0] sits in its file (for absolute tfhd base offsets). The samples are
 * encrypted in place in `buf` (no copy of the media data); the moof is rebuilt in a new buffer
 * (senc/saiz/saio per protected traf, trun offsets fixed, tfhd made default-base-is-moof).
 * `counters` holds, per track, the index of the next sample within the segment and is advanced.
 * `pssh` boxes (key rotation, the period's DRM data) go at the end of the moof; the trun data
 * offsets account for them like for every other byte the moof grows by.
 */
export function encryptFragmentInPlace(buf: Buffer, tracks: Map<number, FragmentTrack>, defaultSizes: Map<number, number>, sequence: number, fileOffset: number, counters: Map<number, number>, pssh: readonly Buffer[] = []): FragmentParts {
  const moof = readBox(buf, 0, buf.length, '', true, fileOffset);
  if (moof.type !== 'moof') throw new MediaError('ERR_BOX_MISSING', `expected moof at byte ${fileOffset}, found ${moof.type}`, { where: moof.type });
  const moofSize = moof.end - moof.start;
  const plans: TrafPlan[] = [];
  const moofChildren = childBoxes(buf, moof);
  let newMoof = 8;
  let prevEnd = 0;
  for (const c of moofChildren) {
    if (c.type === 'traf') {
      const p = planTraf(buf, c, moofSize, fileOffset, prevEnd, tracks, defaultSizes);
      prevEnd = p.dataEnd;
      plans.push(p);
      newMoof += p.newSize;
    } else newMoof += c.end - c.start;
  }
  for (const b of pssh) newMoof += b.length;
  const delta = newMoof - moofSize;
  const out = Buffer.allocUnsafeSlow(newMoof);
  let o = writeBoxHeader(out, 0, newMoof, 'moof');
  let pi = 0;
  const enc = new SampleEncryptor();
  const iv16 = Buffer.alloc(16);
  for (const c of moofChildren) {
    if (c.type !== 'traf') { o += buf.copy(out, o, c.start, c.end); continue; }
    const p = plans[pi++]!;
    const trafStart = o;
    o = writeBoxHeader(out, o, p.newSize, 'traf');
    for (const b of p.children) {
      if (b.type === 'tfhd') o = writeTfhd(buf, p.tfhd, out, o, p.clearSdi);
      else if (b.type === 'trun') { const r = p.runs.find((x) => x.run.box === b)!; o = writeTrun(buf, r.run, r.dataStart + delta, out, o); }
      else o += buf.copy(out, o, b.start, b.end);
    }
    if (p.track) o = writeSampleEncryption(out, o, buf, p, enc, iv16, sequence, counters);
    if (p.track?.kid) o = writeSeigGroup(out, o, seigOf(p.track), p.starts.length);
    if (o !== trafStart + p.newSize) throw new MediaError('ERR_INTERNAL_LAYOUT', `traf at byte ${fileOffset + p.traf.start}: wrote ${o - trafStart} bytes, planned ${p.newSize}`);
  }
  for (const b of pssh) o += b.copy(out, o);
  if (o !== newMoof) throw new MediaError('ERR_INTERNAL_LAYOUT', `moof at byte ${fileOffset}: wrote ${o} bytes, planned ${newMoof}`);
  return { moof: out, media: buf.subarray(moofSize) };
}

/** Same as encryptFragmentInPlace, as one new buffer (moof + media); `buf` is left unchanged. */
export function encryptFragment(buf: Buffer, tracks: Map<number, FragmentTrack>, defaultSizes: Map<number, number>, sequence: number, fileOffset: number, counters: Map<number, number>): Buffer {
  const copy = Buffer.allocUnsafeSlow(buf.length);
  buf.copy(copy);
  const { moof, media } = encryptFragmentInPlace(copy, tracks, defaultSizes, sequence, fileOffset, counters);
  const out = Buffer.allocUnsafeSlow(moof.length + media.length);
  moof.copy(out);
  media.copy(out, moof.length);
  return out;
}

function writeSampleEncryption(out: Buffer, at: number, media: Buffer, p: TrafPlan, enc: SampleEncryptor, iv16: Buffer, sequence: number, counters: Map<number, number>): number {
  const t = p.track!;
  const n = p.starts.length;
  let o = at;
  let sencAt = o;
  const hasAux = p.sencSize > 16;
  if (hasAux) {
    o = writeSaiz(out, o, p.aux, n, p.auxUniform);
    sencAt = o + SAIO_SIZE;
    o = writeSaio(out, o, sencAt + 16); // first IV: after senc header, flags, sample_count
  }
  o = writeFullBoxHeader(out, o, p.sencSize, 'senc', 0, p.subs ? SENC_USE_SUBSAMPLES : 0);
  o = putUint32(out, o, n);
  const first = counters.get(t.trackId) ?? 0;
  counters.set(t.trackId, first + n);
  const ivWork = Buffer.alloc(t.ivSize === 0 ? 16 : t.ivSize);
  if (t.ivSize === 0) cipherIv(t.iv, iv16);
  else writeSampleIv(t.iv, sampleCounterStart(t.ordinal, sequence) + BigInt(first), ivWork);
  for (let i = 0; i < n; i++) {
    if (t.ivSize > 0) {
      for (let k = 0; k < ivWork.length; k++) out[o + k] = ivWork[k]!;
      o += ivWork.length;
      cipherIv(ivWork, iv16);
      incrementHigh64(ivWork);
    }
    let subFrom = 0;
    let subCount = 0;
    if (p.subs) {
      subFrom = p.subFrom[i]!;
      subCount = p.subCount[i]!;
      o = putUint16(out, o, subCount);
      for (let j = 0; j < subCount; j++) {
        o = putUint16(out, o, p.subs[subFrom + 2 * j]!);
        o = putUint32(out, o, p.subs[subFrom + 2 * j + 1]!);
      }
    }
    const s = p.starts[i]!;
    enc.encrypt(media, s, s + p.sizes[i]!, p.subs, subFrom, subCount, t, iv16);
  }
  return o;
}

/**
 * Big-endian stores for the per-sample senc fields (values checked by the plan: subsample sizes fit
 * 16/32 bits); plain byte stores instead of Buffer.writeUInt*, whose argument checks cost more
 * per call than the store.
 */
function putUint16(b: Buffer, at: number, v: number): number {
  b[at] = v >>> 8;
  b[at + 1] = v;
  return at + 2;
}

function putUint32(b: Buffer, at: number, v: number): number {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
  return at + 4;
}

/** Add 1 to the big-endian 64-bit number in the first 8 bytes (mod 2^64). */
function incrementHigh64(b: Buffer): void {
  for (let k = 7; k >= 0; k--) {
    b[k] = (b[k]! + 1) & 0xff;
    if (b[k] !== 0) return;
  }
}
