import { MediaError } from '../errors.js';
import type { Box } from './box.js';

/**
 * Segment index (ISO/IEC 14496-12 8.16.3). When moofs grow, every referenced range that holds
 * them grows too: `referenced_size` (31 bits) and, if bytes between the sidx and its first
 * reference grew, `first_offset`. Fields keep their width, so a sidx can be patched in place
 * after the fact (the file writer does that once all fragments are written).
 */
export interface SegmentIndexRef { start: number; size: number; sizeFieldAt: number }

export interface SegmentIndex {
  box: Box;
  firstOffset: number;
  firstOffsetAt: number;
  firstOffsetWidth: 4 | 8;
  refs: SegmentIndexRef[];
}

/** Parse a sidx; reference ranges are in the same coordinates as `box` (input offsets). */
export function parseSidx(buf: Buffer, box: Box, base = 0): SegmentIndex {
  const b = box.bodyStart;
  const version = buf[b]!;
  const fixed = version === 0 ? 12 + 8 : 12 + 16;
  if (b + fixed + 4 > box.end) throw new MediaError('ERR_BOX_TRUNCATED', `${box.path} at byte ${base + box.start} is too short`, { where: box.path });
  const firstOffsetAt = b + (version === 0 ? 16 : 20);
  const firstOffsetWidth = version === 0 ? 4 : 8;
  const firstOffset = version === 0 ? buf.readUInt32BE(firstOffsetAt) : Number(buf.readBigUInt64BE(firstOffsetAt));
  const countAt = firstOffsetAt + firstOffsetWidth + 2;
  const count = buf.readUInt16BE(countAt);
  if (countAt + 2 + count * 12 > box.end) throw new MediaError('ERR_BOX_TRUNCATED', `${box.path} at byte ${base + box.start} lists ${count} references but is only ${box.end - box.start} bytes`, { where: box.path });
  const refs: SegmentIndexRef[] = [];
  let start = base + box.end + firstOffset;
  for (let i = 0, o = countAt + 2; i < count; i++, o += 12) {
    const size = buf.readUInt32BE(o) & 0x7fffffff;
    refs.push({ start, size, sizeFieldAt: o });
    start += size;
  }
  return { box, firstOffset, firstOffsetAt, firstOffsetWidth, refs };
}

/**
 * Patch a sidx held in `out` (same layout as when parsed) given `growth(from, to)`: how many
 * bytes the input range [from, to) grew by in the output. `sidxEnd` is the input offset of the
 * end of the sidx box.
 */
export function patchSidx(out: Buffer, outSidxStart: number, sidx: SegmentIndex, sidxEnd: number, growth: (from: number, to: number) => number): void {
  const d = outSidxStart - sidx.box.start;
  const g0 = growth(sidxEnd, sidxEnd + sidx.firstOffset);
  if (g0 !== 0) {
    if (sidx.firstOffsetWidth === 4) out.writeUInt32BE(sidx.firstOffset + g0, sidx.firstOffsetAt + d);
    else out.writeBigUInt64BE(BigInt(sidx.firstOffset + g0), sidx.firstOffsetAt + d);
  }
  for (const r of sidx.refs) {
    const g = growth(r.start, r.start + r.size);
    if (g === 0) continue;
    const at = r.sizeFieldAt + d;
    const typeBit = out.readUInt32BE(at) & 0x80000000;
    const size = r.size + g;
    if (size > 0x7fffffff) throw new MediaError('ERR_SIDX_OVERFLOW', `sidx reference at byte ${r.start} grows past 2^31 bytes`, { where: 'sidx' });
    out.writeUInt32BE((typeBit | size) >>> 0, at);
  }
}
