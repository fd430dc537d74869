import { readBox, type Box } from './box.js';
import { encryptFragmentInPlace, type FragmentTrack } from './encrypt-fragment.js';
import { patchMfra } from './fragment-random-access.js';
import { parseSidx, patchSidx, type SegmentIndex } from './segment-index.js';

/** Boxes that belong to the fragment of the moof before them. */
const FRAGMENT_TAIL = new Set(['mdat', 'free', 'skip']);

/** Split a run of top-level boxes into loose boxes and fragments (moof + its mdat/free). */
export interface TopLevelPiece { start: number; end: number; fragment: boolean; type: string }

export function splitPieces(boxes: Box[]): TopLevelPiece[] {
  const out: TopLevelPiece[] = [];
  for (const b of boxes) {
    const last = out[out.length - 1];
    if (b.type === 'moof') out.push({ start: b.start, end: b.end, fragment: true, type: 'moof' });
    else if (last && last.fragment && FRAGMENT_TAIL.has(b.type)) last.end = b.end;
    else out.push({ start: b.start, end: b.end, fragment: false, type: b.type });
  }
  return out;
}

/** Sum of growth of the fragments whose moof starts in [from, to). */
export function growthIn(growth: { at: number; by: number }[], from: number, to: number): number {
  let g = 0;
  for (const x of growth) if (x.at >= from && x.at < to) g += x.by;
  return g;
}

/**
 * Encrypt a whole media segment held in memory (optional styp/sidx/emsg, then one or more
 * moof+mdat); the media data in `buf` is encrypted in place (the caller hands over a copy). Samples are counted per track across the segment's moofs, so the IVs depend only
 * on (sequence, sample index). sidx boxes inside the segment are fixed for the grown moofs.
 */
export function encryptMediaSegment(buf: Buffer, tracks: Map<number, FragmentTrack>, defaultSizes: Map<number, number>, sequence: number): Buffer {
  const parts = encryptMediaSegmentParts(buf, tracks, defaultSizes, sequence);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

/**
 * The same bytes as parts to write in order, with no concatenation: the rebuilt moofs and
 * patched sidx/mfra in buffers of their own, the media data as views of `buf`.
 */
export function encryptMediaSegmentParts(buf: Buffer, tracks: Map<number, FragmentTrack>, defaultSizes: Map<number, number>, sequence: number, pssh: readonly Buffer[] = []): Buffer[] {
  const boxes: Box[] = [];
  for (let o = 0; o < buf.length;) { const b = readBox(buf, o, buf.length, '', true); boxes.push(b); o = b.end; }
  const pieces = splitPieces(boxes);
  const counters = new Map<number, number>();
  const outs: Buffer[] = [];
  const growth: { at: number; by: number }[] = [];
  const sidxs: { sidx: SegmentIndex; part: Buffer }[] = [];
  for (const p of pieces) {
    let piece: Buffer;
    if (p.fragment) {
      const { moof, media } = encryptFragmentInPlace(buf.subarray(p.start, p.end), tracks, defaultSizes, sequence, p.start, counters, pssh);
      growth.push({ at: p.start, by: moof.length + media.length - (p.end - p.start) });
      outs.push(moof);
      piece = media;
    } else {
      piece = buf.subarray(p.start, p.end);
      if (p.type === 'sidx') {
        piece = ownCopy(piece);
        sidxs.push({ sidx: parseSidx(buf, boxes.find((b) => b.start === p.start)!), part: piece });
      } else if (p.type === 'mfra') {
        // Offsets in a segment's own mfra are relative to the segment's first byte.
        piece = ownCopy(piece);
        patchMfra(piece, readBox(piece, 0, piece.length, ''), (x) => x + growthIn(growth, 0, x));
      }
    }
    outs.push(piece);
  }
  // Each sidx is patched in its own copy (the part starts at the box).
  for (const s of sidxs) patchSidx(s.part, 0, s.sidx, s.sidx.box.end, (a, b) => growthIn(growth, a, b));
  return outs;
}

/** A copy in an ArrayBuffer of its own (never Node's shared pool slab): parts may be transferred. */
function ownCopy(b: Buffer): Buffer {
  const c = Buffer.allocUnsafeSlow(b.length);
  b.copy(c);
  return c;
}
