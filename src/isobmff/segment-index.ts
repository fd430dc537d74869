import { MediaError } from '../errors.js';
import { writeFullBoxHeader, type Box } from './box.js';

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

/** One subsegment of a sidx we write: a byte range of moofs + mdats (reference_type 0). */
export interface SubsegmentReference {
  size: number;
  /** In the index's timescale. */
  duration: number;
  /** SAP type (8.16.3.3) the subsegment starts with; 0 = it does not start with a SAP. */
  sapType: number;
}

export interface NewSegmentIndex {
  referenceId: number;
  timescale: number;
  earliestPresentationTime: number;
  /** Bytes from the end of the sidx to the first referenced byte. */
  firstOffset: number;
  refs: SubsegmentReference[];
}

/** Size of a version 1 sidx with `count` references: full box header, 28 bytes of fields, 12 per reference. */
export function sidxSize(count: number): number {
  return 12 + 28 + 12 * count;
}

/**
 * Write a version 1 sidx (64-bit times and offset, so no value is ever too wide), one level:
 * every reference points at media (reference_type 0), SAP_delta_time 0.
 */
export function writeSidx(idx: NewSegmentIndex): Buffer {
  if (idx.refs.length > 0xffff) throw new MediaError('ERR_SIDX_OVERFLOW', `a sidx holds at most 65535 references, the file has ${idx.refs.length} subsegments`, { where: 'sidx' });
  const out = Buffer.alloc(sidxSize(idx.refs.length));
  let o = writeFullBoxHeader(out, 0, out.length, 'sidx', 1, 0);
  out.writeUInt32BE(idx.referenceId, o); o += 4;
  out.writeUInt32BE(idx.timescale, o); o += 4;
  out.writeBigUInt64BE(BigInt(idx.earliestPresentationTime), o); o += 8;
  out.writeBigUInt64BE(BigInt(idx.firstOffset), o); o += 8;
  o += 2; // reserved
  out.writeUInt16BE(idx.refs.length, o); o += 2;
  for (const [i, r] of idx.refs.entries()) {
    if (r.size > 0x7fffffff) throw new MediaError('ERR_SIDX_OVERFLOW', `subsegment ${i} is ${r.size} bytes, more than a sidx reference holds (2^31 - 1)`, { where: 'sidx' });
    if (r.duration > 0xffffffff) throw new MediaError('ERR_SIDX_OVERFLOW', `subsegment ${i} lasts ${r.duration} ticks, more than a sidx reference holds (2^32 - 1)`, { where: 'sidx' });
    out.writeUInt32BE(r.size, o); o += 4;
    out.writeUInt32BE(r.duration, o); o += 4;
    // starts_with_SAP (1) | SAP_type (3) | SAP_delta_time (28)
    out.writeUInt32BE(((r.sapType > 0 ? 0x80000000 : 0) | ((r.sapType & 7) << 28)) >>> 0, o); o += 4;
  }
  return out;
}
