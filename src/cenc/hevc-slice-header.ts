import { RbspReader } from './rbsp-reader.js';
import { ceilLog2, parseHevcPps, parseHevcSps, readRps, type HevcPps, type HevcSps, type Rps } from './hevc-parameter-sets.js';

/**
 * Just enough of H.265 (ITU-T H.265 7.3.6 slice segment header) to measure a slice segment
 * header, byte alignment included, for single-layer streams. Anything else (multi-layer, SCC)
 * measures as -1 and the caller falls back to its allowance.
 */
export class HevcSliceHeaderParser {
  private readonly sps = new Map<number, HevcSps>();
  private readonly pps = new Map<number, HevcPps>();

  addParameterSet(buf: Buffer, start: number, end: number): void {
    const type = (buf[start]! >> 1) & 0x3f;
    try {
      if (type === 33) {
        const [id, sps] = parseHevcSps(buf, start, end);
        this.sps.set(id, sps);
      } else if (type === 34) {
        const [id, pps] = parseHevcPps(buf, start, end);
        this.pps.set(id, pps);
      }
    } catch {
      // unreadable parameter set: slices that use it fall back
    }
  }

  /** hvcC (ISO/IEC 14496-15 8.3.3.1): arrays of parameter-set NAL units after 22 bytes. */
  addHvcC(hvcc: Buffer): void {
    let o = 22;
    const arrays = hvcc[o++] ?? 0;
    for (let a = 0; a < arrays && o + 3 <= hvcc.length; a++) {
      o += 1;
      const n = hvcc.readUInt16BE(o); o += 2;
      for (let i = 0; i < n && o + 2 <= hvcc.length; i++) {
        const len = hvcc.readUInt16BE(o); o += 2;
        this.addParameterSet(hvcc, o, Math.min(o + len, hvcc.length)); o += len;
      }
    }
  }

  /** Bytes of the slice segment header after the 2-byte NAL header; -1 when unknown. */
  sliceHeaderSize(buf: Buffer, start: number, end: number): number {
    try {
      return this.measure(buf, start, end);
    } catch {
      return -1;
    }
  }

  private measure(buf: Buffer, start: number, end: number): number {
    const type = (buf[start]! >> 1) & 0x3f;
    if (((buf[start]! & 1) << 5 | buf[start + 1]! >> 3) !== 0) return -1; // nuh_layer_id != 0
    const r = new RbspReader(buf, start + 2, end);
    const first = r.u1() === 1;
    if (type >= 16 && type <= 23) r.u1();
    const pps = this.pps.get(r.ue());
    const sps = pps && this.sps.get(pps.sps);
    if (!pps || !sps) return -1;
    let dependent = false;
    if (!first) {
      if (pps.dependentSliceSegments) dependent = r.u1() === 1;
      r.u(ceilLog2(sps.picSizeInCtbsY));
    }
    if (!dependent) {
      r.u(pps.extraSliceHeaderBits);
      const sliceType = r.ue(); // 0 B, 1 P, 2 I
      const B = sliceType === 0;
      const P = sliceType === 1;
      if (pps.outputFlagPresent) r.u1();
      if (sps.separateColourPlane) r.u(2);
      let temporalMvp = false;
      let numPicTotalCurr = 0;
      if (type !== 19 && type !== 20) {
        r.u(sps.log2MaxPocLsb);
        let rps: Rps | undefined;
        if (!r.u1()) rps = readRps(r, sps.rps.length, sps.rps.length, sps.rps);
        else rps = sps.rps[sps.rps.length > 1 ? r.u(ceilLog2(sps.rps.length)) : 0];
        if (!rps) return -1;
        numPicTotalCurr = rps.usedNeg.filter(Boolean).length + rps.usedPos.filter(Boolean).length;
        if (sps.longTermPresent) {
          const nSps = sps.ltUsedByCurr.length > 0 ? r.ue() : 0;
          const nPics = r.ue();
          for (let i = 0; i < nSps + nPics; i++) {
            if (i < nSps) {
              const idx = sps.ltUsedByCurr.length > 1 ? r.u(ceilLog2(sps.ltUsedByCurr.length)) : 0;
              if (sps.ltUsedByCurr[idx]) numPicTotalCurr++;
            } else {
              r.u(sps.log2MaxPocLsb);
              if (r.u1()) numPicTotalCurr++;
            }
            if (r.u1()) r.ue();
          }
        }
        if (sps.temporalMvp) temporalMvp = r.u1() === 1;
      }
      let saoLuma = false;
      let saoChroma = false;
      if (sps.sao) { saoLuma = r.u1() === 1; if (sps.chromaArrayType !== 0) saoChroma = r.u1() === 1; }
      if (P || B) {
        let l0 = pps.numRefIdxL0;
        let l1 = pps.numRefIdxL1;
        if (r.u1()) { l0 = r.ue() + 1; if (B) l1 = r.ue() + 1; }
        if (pps.listsModificationPresent && numPicTotalCurr > 1) {
          const bits = ceilLog2(numPicTotalCurr);
          if (r.u1()) for (let i = 0; i < l0; i++) r.u(bits);
          if (B && r.u1()) for (let i = 0; i < l1; i++) r.u(bits);
        }
        if (B) r.u1(); // mvd_l1_zero_flag
        if (pps.cabacInitPresent) r.u1();
        if (temporalMvp) {
          const fromL0 = B ? r.u1() === 1 : true;
          if ((fromL0 && l0 > 1) || (!fromL0 && l1 > 1)) r.ue();
        }
        if ((pps.weightedPred && P) || (pps.weightedBipred && B)) {
          r.ue();
          const chroma = sps.chromaArrayType !== 0;
          if (chroma) r.se();
          const table = (n: number) => {
            const luma: number[] = [];
            const chr: number[] = [];
            for (let i = 0; i < n; i++) luma.push(r.u1());
            if (chroma) for (let i = 0; i < n; i++) chr.push(r.u1());
            for (let i = 0; i < n; i++) {
              if (luma[i]) { r.se(); r.se(); }
              if (chr[i]) { r.se(); r.se(); r.se(); r.se(); }
            }
          };
          table(l0);
          if (B) table(l1);
        }
        r.ue(); // five_minus_max_num_merge_cand
      }
      r.se(); // slice_qp_delta
      if (pps.sliceChromaQpOffsetsPresent) { r.se(); r.se(); }
      if (pps.chromaQpOffsetList) r.u1();
      let override = false;
      if (pps.deblockingOverrideEnabled) override = r.u1() === 1;
      let deblockingDisabled = pps.deblockingDisabled;
      if (override) { deblockingDisabled = r.u1() === 1; if (!deblockingDisabled) { r.se(); r.se(); } }
      if (pps.loopFilterAcrossSlices && (saoLuma || saoChroma || !deblockingDisabled)) r.u1();
    }
    if (pps.tilesOrSync) {
      const n = r.ue();
      if (n > 0) { const bits = r.ue() + 1; for (let i = 0; i < n; i++) r.u(bits); }
    }
    if (pps.headerExtensionPresent) { const n = r.ue(); for (let i = 0; i < n; i++) r.u(8); }
    // byte_alignment(): a one bit, then zero bits to the byte boundary.
    if (r.u1() !== 1) return -1;
    return r.bytePosition - (start + 2);
  }
}
