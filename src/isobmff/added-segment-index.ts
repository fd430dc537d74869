import { MediaError } from '../errors.js';
import { NON_SYNC_SAMPLE, type TrackFragmentTiming } from './fragment-timing.js';
import { sidxSize, writeSidx } from './segment-index.js';

/** A fragment of the input (moof + mdat) and the timing of its tracks. */
export interface IndexedFragment { start: number; end: number; timing: ReadonlyMap<number, TrackFragmentTiming> }

/** A sidx to add to a file that has none, in input coordinates: sizes are settled once the fragments are written. */
export interface SegmentIndexPlan {
  referenceId: number;
  timescale: number;
  earliestPresentationTime: number;
  /** Input byte range of each subsegment, contiguous from the sidx's position on. */
  subsegments: { start: number; end: number; duration: number; sapType: number }[];
  /** Bytes of the sidx (fixed before any size is known). */
  size: number;
}

/**
 * Plan one sidx (ISO/IEC 14496-12 8.16.3) placed at input offset `at` (before the first fragment),
 * indexing `track`: a subsegment per fragment holding samples of that track; a fragment without
 * any joins the subsegment before it (or the first). Subsegments are contiguous: each runs from
 * the end of the previous one (loose boxes such as styp or emsg go with the fragment after them)
 * to the end of its last fragment; boxes after the last fragment (mfra) are not indexed.
 * Durations are the track's sample durations; a subsegment starts with a SAP of type 1 when the
 * track's first sample in it is a sync sample (sample_is_non_sync_sample clear, 8.8.3.1).
 */
export function planSegmentIndex(fragments: readonly IndexedFragment[], track: { trackId: number; timescale: number }, at: number): SegmentIndexPlan {
  const subsegments: SegmentIndexPlan['subsegments'] = [];
  let earliest: number | undefined;
  let from = at;
  for (const f of fragments) {
    const t = f.timing.get(track.trackId);
    const last = subsegments[subsegments.length - 1];
    if (t && t.sampleCount > 0) {
      const entry = { start: from, end: f.end, duration: t.duration, sapType: sapTypeOf(t) };
      // Leading fragments without this track: the first subsegment takes them in.
      if (earliest === undefined && last) Object.assign(last, { ...entry, start: last.start });
      else subsegments.push(entry);
      earliest ??= t.earliestPresentation;
    } else if (last) {
      last.end = f.end;
    } else {
      subsegments.push({ start: from, end: f.end, duration: 0, sapType: 0 });
    }
    from = f.end;
  }
  if (earliest === undefined) {
    throw new MediaError('ERR_SIDX_NO_SAMPLES', `cannot index the file: no fragment holds a sample of track ${track.trackId}`, { where: 'sidx' });
  }
  return { referenceId: track.trackId, timescale: track.timescale, earliestPresentationTime: earliest, subsegments, size: sidxSize(subsegments.length) };
}

function sapTypeOf(t: TrackFragmentTiming): number {
  return t.firstSampleFlags & NON_SYNC_SAMPLE ? 0 : 1;
}

/** The sidx bytes, once `growth(from, to)` (bytes the input range grew by in the output) is known. */
export function writePlannedSegmentIndex(plan: SegmentIndexPlan, growth: (from: number, to: number) => number): Buffer {
  return writeSidx({
    referenceId: plan.referenceId, timescale: plan.timescale, earliestPresentationTime: plan.earliestPresentationTime, firstOffset: 0,
    refs: plan.subsegments.map((s) => ({ size: s.end - s.start + growth(s.start, s.end), duration: s.duration, sapType: s.sapType })),
  });
}
