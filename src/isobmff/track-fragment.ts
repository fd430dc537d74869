import { MediaError } from '../errors.js';
import { boxPlace, writeFullBoxHeader, type Box } from './box.js';

/**
 * Track fragment header and run boxes (ISO/IEC 14496-12 8.8.7, 8.8.8): parse, and write back
 * in the position-independent form the encryptor emits (default-base-is-moof, explicit
 * data_offset on every run).
 */
export const TFHD_BASE_DATA_OFFSET = 0x1;
export const TFHD_SAMPLE_DESCRIPTION_INDEX = 0x2;
export const TFHD_DEFAULT_DURATION = 0x8;
export const TFHD_DEFAULT_SIZE = 0x10;
export const TFHD_DEFAULT_FLAGS = 0x20;
export const TFHD_DEFAULT_BASE_IS_MOOF = 0x20000;
export const TRUN_DATA_OFFSET = 0x1;
export const TRUN_FIRST_SAMPLE_FLAGS = 0x4;
export const TRUN_DURATION = 0x100;
export const TRUN_SIZE = 0x200;
export const TRUN_FLAGS = 0x400;
export const TRUN_CTO = 0x800;

export interface TrackFragmentHeader {
  box: Box;
  flags: number;
  trackId: number;
  baseDataOffset?: number;
  sampleDescriptionIndex?: number;
  defaultSampleSize?: number;
}

export interface TrackRun {
  box: Box;
  version: number;
  flags: number;
  sampleCount: number;
  dataOffset?: number;
  /** Offset of the first per-sample record, and the record size. */
  recordsStart: number;
  recordSize: number;
}

function need(box: Box, at: number, n: number): void {
  if (at + n > box.end) throw new MediaError('ERR_BOX_TRUNCATED', `${boxPlace(box)} is too short for its fields (flags say ${at + n - box.start} bytes, box has ${box.end - box.start})`, { where: box.path });
}

export function parseTfhd(buf: Buffer, box: Box): TrackFragmentHeader {
  need(box, box.bodyStart, 8);
  const flags = buf.readUInt32BE(box.bodyStart) & 0xffffff;
  let o = box.bodyStart + 4;
  const h: TrackFragmentHeader = { box, flags, trackId: buf.readUInt32BE(o) };
  o += 4;
  if (flags & TFHD_BASE_DATA_OFFSET) { need(box, o, 8); h.baseDataOffset = Number(buf.readBigUInt64BE(o)); o += 8; }
  if (flags & TFHD_SAMPLE_DESCRIPTION_INDEX) { need(box, o, 4); h.sampleDescriptionIndex = buf.readUInt32BE(o); o += 4; }
  if (flags & TFHD_DEFAULT_DURATION) o += 4;
  if (flags & TFHD_DEFAULT_SIZE) { need(box, o, 4); h.defaultSampleSize = buf.readUInt32BE(o); o += 4; }
  if (flags & TFHD_DEFAULT_FLAGS) o += 4;
  need(box, box.bodyStart, o - box.bodyStart);
  return h;
}

/** Size of the tfhd we write: without base_data_offset, with a sample_description_index if one is set. */
export function rewrittenTfhdSize(h: TrackFragmentHeader, sampleDescriptionIndex?: number): number {
  const addSdi = sampleDescriptionIndex !== undefined && !(h.flags & TFHD_SAMPLE_DESCRIPTION_INDEX);
  return h.box.end - h.box.start - (h.flags & TFHD_BASE_DATA_OFFSET ? 8 : 0) + (addSdi ? 4 : 0);
}

/**
 * Write tfhd with default-base-is-moof instead of an absolute base_data_offset, and, when
 * given, a sample_description_index (clear-lead fragments point at the clear sample entry).
 */
export function writeTfhd(buf: Buffer, h: TrackFragmentHeader, out: Buffer, at: number, sampleDescriptionIndex?: number): number {
  const size = rewrittenTfhdSize(h, sampleDescriptionIndex);
  let flags = (h.flags & ~TFHD_BASE_DATA_OFFSET) | TFHD_DEFAULT_BASE_IS_MOOF;
  if (sampleDescriptionIndex !== undefined) flags |= TFHD_SAMPLE_DESCRIPTION_INDEX;
  let o = writeFullBoxHeader(out, at, size, 'tfhd', buf[h.box.bodyStart]!, flags);
  out.writeUInt32BE(h.trackId, o); o += 4;
  let r = h.box.bodyStart + 8 + (h.flags & TFHD_BASE_DATA_OFFSET ? 8 : 0);
  if (sampleDescriptionIndex !== undefined) {
    out.writeUInt32BE(sampleDescriptionIndex, o); o += 4;
    if (h.flags & TFHD_SAMPLE_DESCRIPTION_INDEX) r += 4;
  }
  o += buf.copy(out, o, r, h.box.end);
  return o;
}

/** tfdt baseMediaDecodeTime (14496-12 8.8.12). */
export function readTfdt(buf: Buffer, box: Box): number {
  if (box.bodyStart + 8 > box.end) throw new MediaError('ERR_BOX_TRUNCATED', `${boxPlace(box)} is too short`, { where: box.path });
  return buf[box.bodyStart] === 1 ? Number(buf.readBigUInt64BE(box.bodyStart + 4)) : buf.readUInt32BE(box.bodyStart + 4);
}

export function parseTrun(buf: Buffer, box: Box): TrackRun {
  need(box, box.bodyStart, 8);
  const version = buf[box.bodyStart]!;
  const flags = buf.readUInt32BE(box.bodyStart) & 0xffffff;
  const sampleCount = buf.readUInt32BE(box.bodyStart + 4);
  let o = box.bodyStart + 8;
  let dataOffset: number | undefined;
  if (flags & TRUN_DATA_OFFSET) { need(box, o, 4); dataOffset = buf.readInt32BE(o); o += 4; }
  if (flags & TRUN_FIRST_SAMPLE_FLAGS) o += 4;
  let recordSize = 0;
  for (const f of [TRUN_DURATION, TRUN_SIZE, TRUN_FLAGS, TRUN_CTO]) if (flags & f) recordSize += 4;
  need(box, o, recordSize * sampleCount);
  return { box, version, flags, sampleCount, dataOffset, recordsStart: o, recordSize };
}

/** Byte offset, inside a record, of the sample size field (or -1 when the run has none). */
export function trunSizeFieldOffset(run: TrackRun): number {
  if (!(run.flags & TRUN_SIZE)) return -1;
  return run.flags & TRUN_DURATION ? 4 : 0;
}

export function rewrittenTrunSize(run: TrackRun): number {
  return run.box.end - run.box.start + (run.flags & TRUN_DATA_OFFSET ? 0 : 4);
}

/** Write trun with an explicit data_offset (relative to the moof start). */
export function writeTrun(buf: Buffer, run: TrackRun, dataOffset: number, out: Buffer, at: number): number {
  const size = rewrittenTrunSize(run);
  let o = writeFullBoxHeader(out, at, size, 'trun', run.version, run.flags | TRUN_DATA_OFFSET);
  out.writeUInt32BE(run.sampleCount, o); o += 4;
  out.writeInt32BE(dataOffset, o); o += 4;
  const rest = run.box.bodyStart + 8 + (run.flags & TRUN_DATA_OFFSET ? 4 : 0);
  o += buf.copy(out, o, rest, run.box.end);
  return o;
}
