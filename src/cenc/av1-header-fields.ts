import type { BitReader } from './bit-reader.js';
import type { Av1SequenceHeader } from './av1-sequence-header.js';

/**
 * Fields of the AV1 uncompressed frame header (AV1 spec 5.9) whose length depends only on the
 * sequence header and values read earlier in the same header: read to skip them exactly.
 */
export interface Av1TileInfo {
  cols: number;
  rows: number;
  colsLog2: number;
  rowsLog2: number;
  tileSizeBytes: number;
}

/** tile_info() (5.9.15). */
export function tileInfo(r: BitReader, seq: Av1SequenceHeader, size: { frameWidth: number; frameHeight: number }): Av1TileInfo {
  const miCols = 2 * ((size.frameWidth + 7) >> 3);
  const miRows = 2 * ((size.frameHeight + 7) >> 3);
  const big = seq.use128x128;
  const sbCols = big ? (miCols + 31) >> 5 : (miCols + 15) >> 4;
  const sbRows = big ? (miRows + 31) >> 5 : (miRows + 15) >> 4;
  const sbSize = (big ? 5 : 4) + 2;
  const maxTileWidthSb = 4096 >> sbSize;
  let maxTileAreaSb = (4096 * 2304) >> (2 * sbSize);
  const log2 = (blk: number, target: number): number => { let k = 0; while ((blk << k) < target) k++; return k; };
  const minLog2TileCols = log2(maxTileWidthSb, sbCols);
  const maxLog2TileCols = log2(1, Math.min(sbCols, 64));
  const maxLog2TileRows = log2(1, Math.min(sbRows, 64));
  const minLog2Tiles = Math.max(minLog2TileCols, log2(maxTileAreaSb, sbRows * sbCols));
  let cols = 0; let rows = 0; let colsLog2: number; let rowsLog2: number;
  if (r.f(1)) { // uniform_tile_spacing_flag
    colsLog2 = minLog2TileCols;
    while (colsLog2 < maxLog2TileCols && r.f(1)) colsLog2++;
    const tileWidthSb = (sbCols + (1 << colsLog2) - 1) >> colsLog2;
    for (let s = 0; s < sbCols; s += tileWidthSb) cols++;
    rowsLog2 = Math.max(minLog2Tiles - colsLog2, 0);
    while (rowsLog2 < maxLog2TileRows && r.f(1)) rowsLog2++;
    const tileHeightSb = (sbRows + (1 << rowsLog2) - 1) >> rowsLog2;
    for (let s = 0; s < sbRows; s += tileHeightSb) rows++;
  } else {
    let widest = 0;
    for (let s = 0; s < sbCols; cols++) {
      const w = r.ns(Math.min(sbCols - s, maxTileWidthSb)) + 1;
      widest = Math.max(w, widest);
      s += w;
    }
    colsLog2 = log2(1, cols);
    maxTileAreaSb = minLog2Tiles > 0 ? (sbRows * sbCols) >> (minLog2Tiles + 1) : sbRows * sbCols;
    const maxTileHeightSb = Math.max(Math.floor(maxTileAreaSb / widest), 1);
    for (let s = 0; s < sbRows; rows++) s += r.ns(Math.min(sbRows - s, maxTileHeightSb)) + 1;
    rowsLog2 = log2(1, rows);
  }
  let tileSizeBytes = 4;
  if (colsLog2 > 0 || rowsLog2 > 0) { r.f(rowsLog2 + colsLog2); tileSizeBytes = r.f(2) + 1; }
  return { cols, rows, colsLog2, rowsLog2, tileSizeBytes };
}

/** loop_filter_params() (5.9.11); absent when `skip` (CodedLossless or allow_intrabc). */
export function loopFilterParams(r: BitReader, seq: Av1SequenceHeader, skip: boolean): void {
  if (skip) return;
  const l0 = r.f(6);
  const l1 = r.f(6);
  if (!seq.monoChrome && (l0 || l1)) { r.f(6); r.f(6); }
  r.f(3); // loop_filter_sharpness
  if (r.f(1) && r.f(1)) { // loop_filter_delta_enabled, loop_filter_delta_update
    for (let i = 0; i < 8; i++) if (r.f(1)) r.su(7);
    for (let i = 0; i < 2; i++) if (r.f(1)) r.su(7);
  }
}

/** cdef_params() (5.9.19), when present. */
export function cdefParams(r: BitReader, seq: Av1SequenceHeader): void {
  r.f(2);
  const bits = r.f(2);
  for (let i = 0; i < 1 << bits; i++) { r.f(4); r.f(2); if (!seq.monoChrome) { r.f(4); r.f(2); } }
}

/** lr_params() (5.9.20), when present. */
export function lrParams(r: BitReader, seq: Av1SequenceHeader): void {
  let usesLr = false;
  let usesChromaLr = false;
  const planes = seq.monoChrome ? 1 : 3;
  for (let i = 0; i < planes; i++) {
    if (r.f(2) !== 0) { usesLr = true; if (i > 0) usesChromaLr = true; }
  }
  if (!usesLr) return;
  if (seq.use128x128) r.f(1);
  else if (r.f(1)) r.f(1);
  if (seq.subsamplingX && seq.subsamplingY && usesChromaLr) r.f(1);
}

/** global_motion_params() (5.9.24): the bits read do not depend on the previous parameters. */
export function globalMotionParams(r: BitReader, allowHighPrecisionMv: boolean): void {
  for (let ref = 1; ref <= 7; ref++) {
    let type = 0;
    if (r.f(1)) type = r.f(1) ? 2 : r.f(1) ? 1 : 3; // is_global, is_rot_zoom, is_translation
    const param = (idx: number): void => {
      let absBits = 12;
      if (idx < 2) absBits = type === 1 ? 9 - (allowHighPrecisionMv ? 0 : 1) : 12;
      decodeSubexp(r, 2 * (1 << absBits) + 1);
    };
    if (type >= 2) { param(2); param(3); if (type === 3) { param(4); param(5); } }
    if (type >= 1) { param(0); param(1); }
  }
}

/** film_grain_params() (5.9.30), when the sequence has film grain and the frame is shown or showable. */
export function filmGrainParams(r: BitReader, seq: Av1SequenceHeader, frameType: number): void {
  if (!r.f(1)) return; // apply_grain
  r.f(16); // grain_seed
  if (frameType === 1 && !r.f(1)) { r.f(3); return; } // update_grain = 0: film_grain_params_ref_idx
  const numY = r.f(4);
  r.f(16 * numY);
  const fromLuma = seq.monoChrome ? false : r.f(1) === 1;
  let numCb = 0; let numCr = 0;
  if (!(seq.monoChrome || fromLuma || (seq.subsamplingX === 1 && seq.subsamplingY === 1 && numY === 0))) {
    numCb = r.f(4); r.f(16 * numCb);
    numCr = r.f(4); r.f(16 * numCr);
  }
  r.f(2); // grain_scaling_minus_8
  const lag = r.f(2);
  const numPosLuma = 2 * lag * (lag + 1);
  const numPosChroma = numY ? numPosLuma + 1 : numPosLuma;
  if (numY) r.f(8 * numPosLuma);
  if (fromLuma || numCb) r.f(8 * numPosChroma);
  if (fromLuma || numCr) r.f(8 * numPosChroma);
  r.f(2); r.f(2); // ar_coeff_shift_minus_6, grain_scale_shift
  if (numCb) r.f(25);
  if (numCr) r.f(25);
  r.f(2); // overlap_flag, clip_to_restricted_range
}

/** decode_subexp() (5.9.27): only the bits it reads matter here. */
function decodeSubexp(r: BitReader, numSyms: number): void {
  let i = 0; let mk = 0; const k = 3;
  for (;;) {
    const b2 = i ? k + i - 1 : k;
    const a = 1 << b2;
    if (numSyms <= mk + 3 * a) { r.ns(numSyms - mk); return; }
    if (!r.f(1)) { r.f(b2); return; }
    i++; mk += a;
  }
}
