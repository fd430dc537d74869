import type { FileHandle } from 'node:fs/promises';
import { fragmentTiming, planSegmentIndex, readBox, trackDefaults, type Box, type IndexedFragment, type SegmentIndexPlan, type TopLevelPiece, type TrackInfo } from '../isobmff/index.js';
import { readExact } from './file-boxes.js';

/**
 * `sidx: true`: plan the segment index to add after the moov of a single-file fMP4 that has none
 * (undefined when it has one, which is kept and patched, or has no fragment). Reads each moof
 * once, before the fragments are encrypted: the sidx goes before them, with its size fixed now
 * and its referenced sizes written once the grown fragments are.
 */
export async function planAddedSidx(fh: FileHandle, boxes: readonly Box[], pieces: readonly TopLevelPiece[], moovBuf: Buffer, moov: Box, tracks: readonly TrackInfo[]): Promise<SegmentIndexPlan | undefined> {
  if (boxes.some((b) => b.type === 'sidx')) return undefined;
  const fragments: IndexedFragment[] = [];
  const defaults = trackDefaults(moovBuf, readBox(moovBuf, 0, moovBuf.length, '', true, moov.start));
  const next = new Map<number, number>();
  for (const p of pieces) {
    if (!p.fragment) continue;
    const moof = boxes.find((b) => b.start === p.start)!;
    const buf = await readExact(fh, moof.start, moof.end - moof.start, `moof at byte ${moof.start}`);
    fragments.push({ start: p.start, end: p.end, timing: fragmentTiming(buf, readBox(buf, 0, buf.length, '', true, moof.start), defaults, next) });
  }
  if (fragments.length === 0) return undefined;
  // The index's track: the first video track, else the first track (as one sidx per file, like Shaka Packager's single-file output).
  const track = tracks.find((t) => t.type === 'video') ?? tracks[0]!;
  return planSegmentIndex(fragments, track, moov.end);
}
