import { RbspReader } from './rbsp-reader.js';

/**
 * Just enough of H.264 (ISO/IEC 14496-10 7.3.2.1, 7.3.2.2, 7.3.3) to measure a slice header,
 * so that the pattern schemes can start the protected range on the first byte after it
 * (ISO/IEC 23001-7 10.4.2 for cbcs; Shaka Packager does the same for every scheme).
 */
interface AvcSps {
  chromaArrayType: number;
  separateColourPlane: boolean;
  log2MaxFrameNum: number;
  pocType: number;
  log2MaxPocLsb: number;
  deltaPicOrderAlwaysZero: boolean;
  frameMbsOnly: boolean;
}

interface AvcPps {
  sps: number;
  cabac: boolean;
  bottomFieldPicOrderInFramePresent: boolean;
  numRefIdxL0: number;
  numRefIdxL1: number;
  weightedPred: boolean;
  weightedBipredIdc: number;
  deblockingFilterControlPresent: boolean;
  redundantPicCntPresent: boolean;
}

const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function skipScalingList(r: RbspReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** SPS/PPS state of one AVC track: from avcC, updated by in-band parameter sets. */
export class AvcSliceHeaderParser {
  private readonly sps = new Map<number, AvcSps>();
  private readonly pps = new Map<number, AvcPps>();

  /** Feed a parameter-set NAL unit (header byte at `start`); other NAL types are ignored. */
  addParameterSet(buf: Buffer, start: number, end: number): void {
    const type = buf[start]! & 0x1f;
    try {
      if (type === 7) this.parseSps(buf, start, end);
      else if (type === 8) this.parsePps(buf, start, end);
    } catch {
      // A parameter set we cannot read leaves its id unknown: slices using it fall back.
    }
  }

  /** Read avcC (ISO/IEC 14496-15 5.3.3.1): the SPS and PPS it carries. */
  addAvcC(avcc: Buffer): void {
    let o = 5;
    const nSps = avcc[o++]! & 0x1f;
    for (let i = 0; i < nSps && o + 2 <= avcc.length; i++) {
      const len = avcc.readUInt16BE(o); o += 2;
      this.addParameterSet(avcc, o, Math.min(o + len, avcc.length)); o += len;
    }
    if (o >= avcc.length) return;
    const nPps = avcc[o++]!;
    for (let i = 0; i < nPps && o + 2 <= avcc.length; i++) {
      const len = avcc.readUInt16BE(o); o += 2;
      this.addParameterSet(avcc, o, Math.min(o + len, avcc.length)); o += len;
    }
  }

  private parseSps(buf: Buffer, start: number, end: number): void {
    const r = new RbspReader(buf, start + 1, end);
    const profile = r.u(8);
    r.u(16); // constraint flags, level
    const id = r.ue();
    let chromaFormatIdc = 1;
    let separateColourPlane = false;
    if (HIGH_PROFILES.has(profile)) {
      chromaFormatIdc = r.ue();
      if (chromaFormatIdc === 3) separateColourPlane = r.u1() === 1;
      r.ue(); r.ue(); r.u1(); // bit depths, qpprime_y_zero_transform_bypass
      if (r.u1()) for (let i = 0; i < (chromaFormatIdc === 3 ? 12 : 8); i++) if (r.u1()) skipScalingList(r, i < 6 ? 16 : 64);
    }
    const log2MaxFrameNum = r.ue() + 4;
    const pocType = r.ue();
    let log2MaxPocLsb = 0;
    let deltaPicOrderAlwaysZero = false;
    if (pocType === 0) log2MaxPocLsb = r.ue() + 4;
    else if (pocType === 1) {
      deltaPicOrderAlwaysZero = r.u1() === 1;
      r.se(); r.se();
      const n = r.ue();
      for (let i = 0; i < n; i++) r.se();
    }
    r.ue(); r.u1(); r.ue(); r.ue(); // max refs, gaps, width, height
    const frameMbsOnly = r.u1() === 1;
    this.sps.set(id, { chromaArrayType: separateColourPlane ? 0 : chromaFormatIdc, separateColourPlane, log2MaxFrameNum, pocType, log2MaxPocLsb, deltaPicOrderAlwaysZero, frameMbsOnly });
  }

  private parsePps(buf: Buffer, start: number, end: number): void {
    const r = new RbspReader(buf, start + 1, end);
    const id = r.ue();
    const sps = r.ue();
    const cabac = r.u1() === 1;
    const bottomFieldPicOrderInFramePresent = r.u1() === 1;
    if (r.ue() !== 0) return; // slice groups (Baseline FMO): not measured, falls back
    const numRefIdxL0 = r.ue() + 1;
    const numRefIdxL1 = r.ue() + 1;
    const weightedPred = r.u1() === 1;
    const weightedBipredIdc = r.u(2);
    r.se(); r.se(); r.se(); // pic_init_qp, pic_init_qs, chroma_qp_index_offset
    const deblockingFilterControlPresent = r.u1() === 1;
    r.u1(); // constrained_intra_pred
    const redundantPicCntPresent = r.u1() === 1;
    this.pps.set(id, { sps, cabac, bottomFieldPicOrderInFramePresent, numRefIdxL0, numRefIdxL1, weightedPred, weightedBipredIdc, deblockingFilterControlPresent, redundantPicCntPresent });
  }

  /**
   * Bytes of the slice header after the 1-byte NAL header of the slice NAL at buf[start, end),
   * rounded up to whole (escaped) bytes; -1 when it cannot be measured (unknown parameter set,
   * slice groups, or malformed).
   */
  sliceHeaderSize(buf: Buffer, start: number, end: number): number {
    try {
      return this.measure(buf, start, end);
    } catch {
      return -1;
    }
  }

  private measure(buf: Buffer, start: number, end: number): number {
    const nalRefIdc = (buf[start]! >> 5) & 3;
    const idr = (buf[start]! & 0x1f) === 5;
    const r = new RbspReader(buf, start + 1, end);
    r.ue(); // first_mb_in_slice
    const sliceType = r.ue() % 5;
    const pps = this.pps.get(r.ue());
    if (!pps) return -1;
    const sps = this.sps.get(pps.sps);
    if (!sps) return -1;
    const P = sliceType === 0; const B = sliceType === 1; const I = sliceType === 2; const SP = sliceType === 3; const SI = sliceType === 4;
    if (sps.separateColourPlane) r.u(2);
    r.u(sps.log2MaxFrameNum);
    let fieldPic = false;
    if (!sps.frameMbsOnly) { fieldPic = r.u1() === 1; if (fieldPic) r.u1(); }
    if (idr) r.ue();
    if (sps.pocType === 0) {
      r.u(sps.log2MaxPocLsb);
      if (pps.bottomFieldPicOrderInFramePresent && !fieldPic) r.se();
    }
    if (sps.pocType === 1 && !sps.deltaPicOrderAlwaysZero) {
      r.se();
      if (pps.bottomFieldPicOrderInFramePresent && !fieldPic) r.se();
    }
    if (pps.redundantPicCntPresent) r.ue();
    if (B) r.u1(); // direct_spatial_mv_pred_flag
    let l0 = pps.numRefIdxL0;
    let l1 = pps.numRefIdxL1;
    if (P || SP || B) {
      if (r.u1()) { l0 = r.ue() + 1; if (B) l1 = r.ue() + 1; }
    }
    const modifications = () => {
      if (r.u1()) {
        for (let idc = r.ue(); idc !== 3; idc = r.ue()) {
          if (idc > 5) throw new RangeError('bad modification_of_pic_nums_idc');
          r.ue();
        }
      }
    };
    if (!I && !SI) modifications();
    if (B) modifications();
    if ((pps.weightedPred && (P || SP)) || (pps.weightedBipredIdc === 1 && B)) {
      r.ue();
      if (sps.chromaArrayType !== 0) r.ue();
      const table = (n: number) => {
        for (let i = 0; i < n; i++) {
          if (r.u1()) { r.se(); r.se(); }
          if (sps.chromaArrayType !== 0 && r.u1()) { r.se(); r.se(); r.se(); r.se(); }
        }
      };
      table(l0);
      if (B) table(l1);
    }
    if (nalRefIdc !== 0) {
      if (idr) { r.u1(); r.u1(); } else if (r.u1()) {
        for (let op = r.ue(); op !== 0; op = r.ue()) {
          if (op > 6) throw new RangeError('bad memory_management_control_operation');
          if (op === 1 || op === 3) r.ue();
          if (op === 2) r.ue();
          if (op === 3 || op === 6) r.ue();
          if (op === 4) r.ue();
        }
      }
    }
    if (pps.cabac && !I && !SI) r.ue();
    r.se(); // slice_qp_delta
    if (SP || SI) { if (SP) r.u1(); r.se(); }
    if (pps.deblockingFilterControlPresent) {
      if (r.ue() !== 1) { r.se(); r.se(); }
    }
    return r.bytePosition - (start + 1);
  }
}
