import { BitReader } from './bit-reader.js';

/**
 * VP9 uncompressed header (VP9 Bitstream & Decoding Process Specification v0.6, 6.2): read only
 * to learn its length in bytes. Inter frames may take their size from a reference slot, and the
 * size decides how many tile-column bits follow, so the slots' frame sizes are kept per track.
 * Slots start at the sample entry's width x height, so a fragment that does not start with a key
 * frame is still read right when the picture size never changes.
 */
export interface Vp9FrameHeader {
  /** Bytes of uncompressed_header() including trailing_bits (the part that stays clear). */
  uncompressedSize: number;
  /** header_size_in_bytes: the compressed header that follows (0 for show_existing_frame). */
  compressedSize: number;
}

const KEY_FRAME = 0;
const CS_RGB = 7;

export class Vp9FrameHeaderParser {
  private readonly refs: { width: number; height: number }[];

  constructor(width: number, height: number) {
    this.refs = Array.from({ length: 8 }, () => ({ width, height }));
  }

  /** Parse the frame at buf[start, end); throws RangeError when the header runs past it. */
  parse(buf: Buffer, start: number, end: number): Vp9FrameHeader {
    const r = new BitReader(buf, start, end);
    if (r.f(2) !== 2) throw new RangeError('frame_marker is not 2 (not a VP9 frame)');
    const profile = r.f(1) + 2 * r.f(1);
    if (profile === 3) r.f(1);
    if (r.f(1)) { // show_existing_frame
      r.f(3);
      return { uncompressedSize: r.bytePosition - start, compressedSize: 0 };
    }
    const frameType = r.f(1);
    const showFrame = r.f(1);
    const errorResilient = r.f(1);
    let size: { width: number; height: number };
    let refresh = 0xff;
    if (frameType === KEY_FRAME) {
      syncCode(r);
      colorConfig(r, profile);
      size = frameSize(r);
      renderSize(r);
    } else {
      const intraOnly = showFrame ? 0 : r.f(1);
      if (!errorResilient) r.f(2); // reset_frame_context
      if (intraOnly) {
        syncCode(r);
        if (profile > 0) colorConfig(r, profile);
        refresh = r.f(8);
        size = frameSize(r);
        renderSize(r);
      } else {
        refresh = r.f(8);
        const idx: number[] = [];
        for (let i = 0; i < 3; i++) { idx.push(r.f(3)); r.f(1); } // ref_frame_idx, ref_frame_sign_bias
        size = this.frameSizeWithRefs(r, idx);
        r.f(1); // allow_high_precision_mv
        if (!r.f(1)) r.f(2); // is_filter_switchable, raw_interpolation_filter
      }
    }
    if (!errorResilient) r.f(2); // refresh_frame_context, frame_parallel_decoding_mode
    r.f(2); // frame_context_idx
    loopFilterParams(r);
    r.f(8); // base_q_idx
    for (let i = 0; i < 3; i++) if (r.f(1)) r.f(5); // delta_coded, delta_q su(4)
    segmentationParams(r);
    tileInfo(r, size.width);
    const compressedSize = r.f(16);
    r.byteAlign();
    for (let i = 0; i < 8; i++) if ((refresh >> i) & 1) this.refs[i] = size;
    return { uncompressedSize: r.bytePosition - start, compressedSize };
  }

  private frameSizeWithRefs(r: BitReader, idx: number[]): { width: number; height: number } {
    for (let i = 0; i < 3; i++) {
      if (r.f(1)) { // found_ref
        const s = this.refs[idx[i]!]!;
        renderSize(r);
        return s;
      }
    }
    const s = frameSize(r);
    renderSize(r);
    return s;
  }
}

function syncCode(r: BitReader): void {
  if (r.f(24) !== 0x498342) throw new RangeError('frame_sync_code mismatch');
}

function colorConfig(r: BitReader, profile: number): void {
  if (profile >= 2) r.f(1); // ten_or_twelve_bit
  const colorSpace = r.f(3);
  if (colorSpace !== CS_RGB) {
    r.f(1); // color_range
    if (profile === 1 || profile === 3) r.f(3); // subsampling_x, subsampling_y, reserved_zero
  } else if (profile === 1 || profile === 3) {
    r.f(1); // reserved_zero
  }
}

function frameSize(r: BitReader): { width: number; height: number } {
  return { width: r.f(16) + 1, height: r.f(16) + 1 };
}

function renderSize(r: BitReader): void {
  if (r.f(1)) r.f(32);
}

function loopFilterParams(r: BitReader): void {
  r.f(6); r.f(3); // loop_filter_level, loop_filter_sharpness
  if (r.f(1) && r.f(1)) { // loop_filter_delta_enabled, loop_filter_delta_update
    for (let i = 0; i < 4; i++) if (r.f(1)) r.f(7);
    for (let i = 0; i < 2; i++) if (r.f(1)) r.f(7);
  }
}

function segmentationParams(r: BitReader): void {
  if (!r.f(1)) return; // segmentation_enabled
  if (r.f(1)) { // segmentation_update_map
    for (let i = 0; i < 7; i++) if (r.f(1)) r.f(8);
    if (r.f(1)) for (let i = 0; i < 3; i++) if (r.f(1)) r.f(8); // segmentation_temporal_update
  }
  if (r.f(1)) { // segmentation_update_data
    r.f(1); // segmentation_abs_or_delta_update
    const bits = [8, 6, 2, 0];
    const signed = [1, 1, 0, 0];
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 4; j++) if (r.f(1)) r.f(bits[j]! + signed[j]!);
    }
  }
}

function tileInfo(r: BitReader, width: number): void {
  const sb64Cols = (((width + 7) >> 3) + 7) >> 3;
  let minLog2 = 0;
  while ((64 << minLog2) < sb64Cols) minLog2++;
  let maxLog2 = 1;
  while ((sb64Cols >> maxLog2) >= 4) maxLog2++;
  maxLog2--;
  let cols = minLog2;
  while (cols < maxLog2 && r.f(1)) cols++;
  if (r.f(1)) r.f(1); // tile_rows_log2, increment_tile_rows_log2
}
