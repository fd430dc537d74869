import { MediaError } from '../errors.js';
import { boxPlace, childBoxes, type Box } from './box.js';
import {
  parseTfhd, parseTrun, readTfdt, TFHD_BASE_DATA_OFFSET, TFHD_DEFAULT_DURATION, TFHD_SAMPLE_DESCRIPTION_INDEX,
  TFHD_DEFAULT_SIZE, TFHD_DEFAULT_FLAGS, TRUN_CTO, TRUN_DATA_OFFSET, TRUN_DURATION, TRUN_FIRST_SAMPLE_FLAGS, TRUN_FLAGS, TRUN_SIZE,
} from './track-fragment.js';

/** trex defaults a traf falls back on (ISO/IEC 14496-12 8.8.3). */
export interface TrackDefaults { duration: number; flags: number }

/** What a segment index needs of one track's samples in one moof. */
export interface TrackFragmentTiming {
  /** tfdt baseMediaDecodeTime. */
  decodeTime: number;
  /** Sum of the sample durations. */
  duration: number;
  /** Smallest decode time + composition offset of the fragment's samples. */
  earliestPresentation: number;
  /** sample_flags of the first sample (8.8.3.1): sync when sample_is_non_sync_sample (0x10000) is clear. */
  firstSampleFlags: number;
  sampleCount: number;
}

/** sample_is_non_sync_sample, in sample_flags (14496-12 8.8.3.1). */
export const NON_SYNC_SAMPLE = 0x10000;

/** trex defaults per track ID, from a moov's mvex. */
export function trackDefaults(buf: Buffer, moov: Box): Map<number, TrackDefaults> {
  const out = new Map<number, TrackDefaults>();
  const mvex = childBoxes(buf, moov).find((b) => b.type === 'mvex');
  for (const trex of mvex ? childBoxes(buf, mvex) : []) {
    if (trex.type !== 'trex') continue;
    if (trex.bodyStart + 24 > trex.end) throw new MediaError('ERR_BOX_TRUNCATED', `${boxPlace(trex)} is too short`, { where: trex.path });
    // version/flags, track_ID, default_sample_description_index, _duration, _size, _flags
    out.set(buf.readUInt32BE(trex.bodyStart + 4), { duration: buf.readUInt32BE(trex.bodyStart + 12), flags: buf.readUInt32BE(trex.bodyStart + 20) });
  }
  return out;
}

/**
 * Timing of every track in one moof (tfhd, tfdt and trun, 8.8.7-8.8.12): decode time, duration,
 * earliest presentation time and the first sample's flags. A traf without tfdt continues where
 * the track's previous fragment ended (`next`, updated here), as 8.8.12 lets readers assume.
 */
export function fragmentTiming(buf: Buffer, moof: Box, defaults: ReadonlyMap<number, TrackDefaults>, next: Map<number, number> = new Map()): Map<number, TrackFragmentTiming> {
  const out = new Map<number, TrackFragmentTiming>();
  for (const traf of childBoxes(buf, moof)) {
    if (traf.type !== 'traf') continue;
    const kids = childBoxes(buf, traf);
    const tfhdBox = kids.find((c) => c.type === 'tfhd');
    if (!tfhdBox) throw new MediaError('ERR_BOX_MISSING', `${boxPlace(traf)} has no tfhd`, { where: traf.path });
    const tfhd = parseTfhd(buf, tfhdBox);
    const d = defaults.get(tfhd.trackId) ?? { duration: 0, flags: 0 };
    // tfhd optional fields in order: base_data_offset, sample_description_index, default duration, size, flags.
    let o = tfhdBox.bodyStart + 8;
    if (tfhd.flags & TFHD_BASE_DATA_OFFSET) o += 8;
    if (tfhd.flags & TFHD_SAMPLE_DESCRIPTION_INDEX) o += 4;
    const defaultDuration = tfhd.flags & TFHD_DEFAULT_DURATION ? buf.readUInt32BE(o) : d.duration;
    if (tfhd.flags & TFHD_DEFAULT_DURATION) o += 4;
    if (tfhd.flags & TFHD_DEFAULT_SIZE) o += 4;
    const defaultFlags = tfhd.flags & TFHD_DEFAULT_FLAGS ? buf.readUInt32BE(o) : d.flags;
    const tfdt = kids.find((c) => c.type === 'tfdt');
    let dts = tfdt ? readTfdt(buf, tfdt) : next.get(tfhd.trackId) ?? 0;
    const t: TrackFragmentTiming = out.get(tfhd.trackId) ?? { decodeTime: dts, duration: 0, earliestPresentation: Infinity, firstSampleFlags: defaultFlags, sampleCount: 0 };
    for (const trunBox of kids) {
      if (trunBox.type !== 'trun') continue;
      const run = parseTrun(buf, trunBox);
      const firstFlagsAt = trunBox.bodyStart + 8 + (run.flags & TRUN_DATA_OFFSET ? 4 : 0);
      let r = run.recordsStart;
      for (let i = 0; i < run.sampleCount; i++, r += run.recordSize) {
        let f = r;
        const duration = run.flags & TRUN_DURATION ? buf.readUInt32BE(f) : defaultDuration;
        if (run.flags & TRUN_DURATION) f += 4;
        if (run.flags & TRUN_SIZE) f += 4;
        let flags = run.flags & TRUN_FLAGS ? buf.readUInt32BE(f) : defaultFlags;
        if (run.flags & TRUN_FLAGS) f += 4;
        if (i === 0 && run.flags & TRUN_FIRST_SAMPLE_FLAGS) flags = buf.readUInt32BE(firstFlagsAt);
        // Composition offsets are signed in trun version 1, unsigned in version 0.
        const cto = run.flags & TRUN_CTO ? (run.version === 1 ? buf.readInt32BE(f) : buf.readUInt32BE(f)) : 0;
        if (t.sampleCount === 0) t.firstSampleFlags = flags;
        t.earliestPresentation = Math.min(t.earliestPresentation, dts + cto);
        t.sampleCount++;
        t.duration += duration;
        dts += duration;
      }
    }
    out.set(tfhd.trackId, t);
    next.set(tfhd.trackId, dts);
  }
  for (const t of out.values()) if (t.sampleCount === 0) t.earliestPresentation = t.decodeTime;
  return out;
}
