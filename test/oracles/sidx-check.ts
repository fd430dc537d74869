/**
 * A sidx read back by mp4box.js and checked against the fragments mp4box.js finds in the same
 * file (ISO/IEC 14496-12 8.16.3): each reference must start on a moof and end where the next
 * top-level fragment (or trailing box) starts, its duration must be the sum of the indexed
 * track's sample durations in that range, starts_with_SAP must follow the first sample's
 * sample_is_non_sync_sample flag, and earliest_presentation_time must be the first fragment's
 * tfdt plus the smallest composition offset. Timing is computed from mp4box.js's fields (trun,
 * tfhd, trex), never from segcrypt's code.
 */
import { createFile, MP4BoxBuffer } from 'mp4box';

interface RawBox { type: string; start: number; size: number; boxes?: RawBox[]; [field: string]: unknown }

export interface SidxReadBack {
  referenceId: number;
  timescale: number;
  earliestPresentationTime: number;
  firstOffset: number;
  references: Array<{ type: number; size: number; duration: number; startsWithSap: number; sapType: number }>;
}

export interface SidxCheck {
  sidx: SidxReadBack[];
  /** Sum of the indexed track's sample durations over every fragment. */
  trackDuration: number;
  /** Empty when the index matches the fragments. */
  problems: string[];
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const kid = (b: RawBox | undefined, type: string): RawBox | undefined => b?.boxes?.find((c) => c.type === type);
const NON_SYNC = 0x10000;

interface MoofTiming { start: number; duration: number; earliest: number; firstFlags: number; samples: number }

function moofTiming(moof: RawBox, trackId: number, trex: RawBox | undefined): MoofTiming | undefined {
  const t: MoofTiming = { start: moof.start, duration: 0, earliest: Infinity, firstFlags: 0, samples: 0 };
  for (const traf of (moof.boxes ?? []).filter((b) => b.type === 'traf')) {
    const tfhd = kid(traf, 'tfhd');
    if (num(tfhd?.track_id) !== trackId) continue;
    const tfhdFlags = num(tfhd?.flags);
    const defDuration = tfhdFlags & 0x8 ? num(tfhd?.default_sample_duration) : num(trex?.default_sample_duration);
    const defFlags = tfhdFlags & 0x20 ? num(tfhd?.default_sample_flags) : num(trex?.default_sample_flags);
    let dts = num(kid(traf, 'tfdt')?.baseMediaDecodeTime);
    for (const trun of (traf.boxes ?? []).filter((b) => b.type === 'trun')) {
      const f = num(trun.flags);
      const durations = trun.sample_duration as number[];
      const flags = trun.sample_flags as number[];
      const ctos = trun.sample_composition_time_offset as number[];
      for (let i = 0; i < num(trun.sample_count); i++) {
        let sf = f & 0x400 ? flags[i]! : defFlags;
        if (i === 0 && f & 0x4) sf = num(trun.first_sample_flags);
        if (t.samples === 0) t.firstFlags = sf;
        t.earliest = Math.min(t.earliest, dts + (f & 0x800 ? ctos[i]! : 0));
        const d = f & 0x100 ? durations[i]! : defDuration;
        t.duration += d;
        dts += d;
        t.samples++;
      }
    }
  }
  return t.samples > 0 ? t : undefined;
}

/** Parse `bytes` with mp4box.js and check its (first) sidx against its fragments. */
export function checkSidx(bytes: Buffer): SidxCheck {
  const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const file = createFile(true);
  const problems: string[] = [];
  file.onError = (module: string, message: string) => { problems.push(`mp4box.js ${module}: ${message}`); };
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(ab, 0));
  file.flush();
  const top = file.boxes as unknown as RawBox[];
  const sidx: SidxReadBack[] = top.filter((b) => b.type === 'sidx').map((b) => ({
    referenceId: num(b.reference_ID), timescale: num(b.timescale), earliestPresentationTime: num(b.earliest_presentation_time), firstOffset: num(b.first_offset),
    references: ((b.references as Array<Record<string, number>> | undefined) ?? []).map((r) => ({
      type: num(r.reference_type), size: num(r.referenced_size), duration: num(r.subsegment_duration), startsWithSap: num(r.starts_with_SAP), sapType: num(r.SAP_type),
    })),
  }));
  const box = top.find((b) => b.type === 'sidx');
  if (!box || !sidx[0]) return { sidx, trackDuration: 0, problems: [...problems, 'no sidx'] };
  const index = sidx[0];
  const moov = top.find((b) => b.type === 'moov');
  const trak = (moov?.boxes ?? []).find((b) => b.type === 'trak' && num(kid(b, 'tkhd')?.track_id) === index.referenceId);
  if (!trak) problems.push(`sidx reference_ID ${index.referenceId} is no track of the moov`);
  const mdhdScale = num(kid(kid(trak, 'mdia'), 'mdhd')?.timescale);
  if (index.timescale !== mdhdScale) problems.push(`sidx timescale ${index.timescale}, the track's mdhd says ${mdhdScale}`);
  const trex = (kid(moov, 'mvex')?.boxes ?? []).find((b) => b.type === 'trex' && num(b.track_id) === index.referenceId);

  const moofs = top.filter((b) => b.type === 'moof');
  const timings = moofs.map((m) => moofTiming(m, index.referenceId, trex));
  const trackDuration = timings.reduce((n, t) => n + (t?.duration ?? 0), 0);
  const boxStarts = new Set(top.map((b) => b.start));
  const fileEnd = Math.max(...top.map((b) => b.start + b.size));
  let pos = box.start + box.size + index.firstOffset;
  const lastMdat = top.filter((b) => b.type === 'mdat').at(-1);
  index.references.forEach((r, i) => {
    const end = pos + r.size;
    const inside = moofs.filter((m) => m.start >= pos && m.start < end);
    if (!boxStarts.has(pos)) problems.push(`reference ${i} starts at byte ${pos}, inside a box`);
    if (end !== fileEnd && !boxStarts.has(end)) problems.push(`reference ${i} ends at byte ${end}, inside a box`);
    if (inside.length === 0) problems.push(`reference ${i} (bytes ${pos}-${end}) holds no moof`);
    const ts = inside.map((m) => timings[moofs.indexOf(m)]).filter((t): t is MoofTiming => t !== undefined);
    const duration = ts.reduce((n, t) => n + t.duration, 0);
    if (r.type !== 0) problems.push(`reference ${i}: reference_type ${r.type}, expected media (0)`);
    if (r.duration !== duration) problems.push(`reference ${i}: subsegment_duration ${r.duration}, its fragments' samples last ${duration}`);
    const sync = ts[0] ? !(ts[0].firstFlags & NON_SYNC) : false;
    if (r.startsWithSap !== (sync ? 1 : 0)) problems.push(`reference ${i}: starts_with_SAP ${r.startsWithSap}, first sample is ${sync ? '' : 'not '}a sync sample`);
    pos = end;
  });
  const indexedEnd = lastMdat ? lastMdat.start + lastMdat.size : 0;
  if (pos !== indexedEnd) problems.push(`references end at byte ${pos}, the last fragment ends at byte ${indexedEnd}`);
  const sum = index.references.reduce((n, r) => n + r.duration, 0);
  if (sum !== trackDuration) problems.push(`subsegment durations sum to ${sum}, the track's samples last ${trackDuration}`);
  const first = timings.find((t) => t !== undefined);
  if (first && index.earliestPresentationTime !== first.earliest) problems.push(`earliest_presentation_time ${index.earliestPresentationTime}, the first fragment's earliest sample is at ${first.earliest}`);
  return { sidx, trackDuration, problems };
}
