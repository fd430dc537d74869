import { RbspReader } from './rbsp-reader.js';

/**
 * Just enough of H.265 (ITU-T H.265 7.3.2.2 SPS, 7.3.2.3 PPS, 7.3.6 slice segment header) to
 * measure a slice segment header, byte alignment included, for single-layer streams. Anything
 * else (multi-layer, SCC) measures as -1 and the caller falls back to its allowance.
 */
interface Rps { negative: number[]; positive: number[]; usedNeg: boolean[]; usedPos: boolean[] }

interface HevcSps {
  picSizeInCtbsY: number;
  separateColourPlane: boolean;
  chromaArrayType: number;
  log2MaxPocLsb: number;
  rps: Rps[];
  longTermPresent: boolean;
  ltUsedByCurr: boolean[];
  temporalMvp: boolean;
  sao: boolean;
}

interface HevcPps {
  sps: number;
  dependentSliceSegments: boolean;
  outputFlagPresent: boolean;
  extraSliceHeaderBits: number;
  cabacInitPresent: boolean;
  numRefIdxL0: number;
  numRefIdxL1: number;
  sliceChromaQpOffsetsPresent: boolean;
  weightedPred: boolean;
  weightedBipred: boolean;
  tilesOrSync: boolean;
  loopFilterAcrossSlices: boolean;
  deblockingOverrideEnabled: boolean;
  deblockingDisabled: boolean;
  listsModificationPresent: boolean;
  headerExtensionPresent: boolean;
  chromaQpOffsetList: boolean;
}

const ceilLog2 = (n: number) => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));

function skipProfileTierLevel(r: RbspReader, maxSubLayersMinus1: number): void {
  r.u(32); r.u(32); r.u(32); // general profile (88 bits) + level (8 bits)
  const prof: number[] = [];
  const lvl: number[] = [];
  for (let i = 0; i < maxSubLayersMinus1; i++) { prof.push(r.u1()); lvl.push(r.u1()); }
  if (maxSubLayersMinus1 > 0) for (let i = maxSubLayersMinus1; i < 8; i++) r.u(2);
  for (let i = 0; i < maxSubLayersMinus1; i++) {
    if (prof[i]) { r.u(32); r.u(32); r.u(24); }
    if (lvl[i]) r.u(8);
  }
}

function skipScalingListData(r: RbspReader): void {
  for (let sizeId = 0; sizeId < 4; sizeId++) {
    for (let m = 0; m < 6; m += sizeId === 3 ? 3 : 1) {
      if (!r.u1()) { r.ue(); continue; }
      const coefs = Math.min(64, 1 << (4 + (sizeId << 1)));
      if (sizeId > 1) r.se();
      for (let i = 0; i < coefs; i++) r.se();
    }
  }
}

/** st_ref_pic_set(idx) (7.3.7, derivation 7-61/7-62): the delta POCs and their use flags. */
function readRps(r: RbspReader, idx: number, count: number, sets: Rps[]): Rps {
  if (idx !== 0 && r.u1()) {
    const deltaIdx = idx === count ? r.ue() + 1 : 1;
    const ref = sets[idx - deltaIdx];
    if (!ref) throw new RangeError('bad delta_idx');
    const sign = r.u1();
    const deltaRps = (sign ? -1 : 1) * (r.ue() + 1);
    const refPocs = [...ref.negative, ...ref.positive];
    const used: boolean[] = [];
    const useDelta: boolean[] = [];
    for (let j = 0; j <= refPocs.length; j++) {
      const u = r.u1() === 1;
      used.push(u);
      useDelta.push(u ? true : r.u1() === 1);
    }
    const out: Rps = { negative: [], positive: [], usedNeg: [], usedPos: [] };
    const candidates: [number, boolean][] = [];
    refPocs.forEach((d, j) => { if (useDelta[j]) candidates.push([d + deltaRps, used[j]!]); });
    if (useDelta[refPocs.length]) candidates.push([deltaRps, used[refPocs.length]!]);
    for (const [d, u] of candidates.sort((a, b) => Math.abs(a[0]) - Math.abs(b[0]))) {
      if (d < 0) { out.negative.push(d); out.usedNeg.push(u); } else if (d > 0) { out.positive.push(d); out.usedPos.push(u); }
    }
    return out;
  }
  const nNeg = r.ue();
  const nPos = r.ue();
  const out: Rps = { negative: [], positive: [], usedNeg: [], usedPos: [] };
  let poc = 0;
  for (let i = 0; i < nNeg; i++) { poc -= r.ue() + 1; out.negative.push(poc); out.usedNeg.push(r.u1() === 1); }
  poc = 0;
  for (let i = 0; i < nPos; i++) { poc += r.ue() + 1; out.positive.push(poc); out.usedPos.push(r.u1() === 1); }
  return out;
}

export class HevcSliceHeaderParser {
  private readonly sps = new Map<number, HevcSps>();
  private readonly pps = new Map<number, HevcPps>();

  addParameterSet(buf: Buffer, start: number, end: number): void {
    const type = (buf[start]! >> 1) & 0x3f;
    try {
      if (type === 33) this.parseSps(buf, start, end);
      else if (type === 34) this.parsePps(buf, start, end);
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

  private parseSps(buf: Buffer, start: number, end: number): void {
    const r = new RbspReader(buf, start + 2, end);
    r.u(4);
    const maxSub = r.u(3);
    r.u1();
    skipProfileTierLevel(r, maxSub);
    const id = r.ue();
    const chroma = r.ue();
    const separateColourPlane = chroma === 3 ? r.u1() === 1 : false;
    const width = r.ue();
    const height = r.ue();
    if (r.u1()) { r.ue(); r.ue(); r.ue(); r.ue(); }
    r.ue(); r.ue();
    const log2MaxPocLsb = r.ue() + 4;
    const ordering = r.u1();
    for (let i = ordering ? 0 : maxSub; i <= maxSub; i++) { r.ue(); r.ue(); r.ue(); }
    const minCb = r.ue() + 3;
    const ctb = minCb + r.ue();
    r.ue(); r.ue(); r.ue(); r.ue();
    if (r.u1() && r.u1()) skipScalingListData(r);
    r.u1(); // amp
    const sao = r.u1() === 1;
    if (r.u1()) { r.u(4); r.u(4); r.ue(); r.ue(); r.u1(); }
    const nRps = r.ue();
    const rps: Rps[] = [];
    for (let i = 0; i < nRps; i++) rps.push(readRps(r, i, nRps, rps));
    const longTermPresent = r.u1() === 1;
    const ltUsedByCurr: boolean[] = [];
    if (longTermPresent) {
      const n = r.ue();
      for (let i = 0; i < n; i++) { r.u(log2MaxPocLsb); ltUsedByCurr.push(r.u1() === 1); }
    }
    const temporalMvp = r.u1() === 1;
    const ctbSize = 1 << ctb;
    const picSizeInCtbsY = Math.ceil(width / ctbSize) * Math.ceil(height / ctbSize);
    this.sps.set(id, { picSizeInCtbsY, separateColourPlane, chromaArrayType: separateColourPlane ? 0 : chroma, log2MaxPocLsb, rps, longTermPresent, ltUsedByCurr, temporalMvp, sao });
  }

  private parsePps(buf: Buffer, start: number, end: number): void {
    const r = new RbspReader(buf, start + 2, end);
    const id = r.ue();
    const sps = r.ue();
    const dependentSliceSegments = r.u1() === 1;
    const outputFlagPresent = r.u1() === 1;
    const extraSliceHeaderBits = r.u(3);
    r.u1();
    const cabacInitPresent = r.u1() === 1;
    const numRefIdxL0 = r.ue() + 1;
    const numRefIdxL1 = r.ue() + 1;
    r.se(); r.u1();
    const transformSkip = r.u1() === 1;
    if (r.u1()) r.ue();
    r.se(); r.se();
    const sliceChromaQpOffsetsPresent = r.u1() === 1;
    const weightedPred = r.u1() === 1;
    const weightedBipred = r.u1() === 1;
    r.u1();
    const tiles = r.u1() === 1;
    const sync = r.u1() === 1;
    if (tiles) {
      const cols = r.ue(); const rows = r.ue();
      if (!r.u1()) { for (let i = 0; i < cols; i++) r.ue(); for (let i = 0; i < rows; i++) r.ue(); }
      r.u1();
    }
    const loopFilterAcrossSlices = r.u1() === 1;
    let deblockingOverrideEnabled = false;
    let deblockingDisabled = false;
    if (r.u1()) {
      deblockingOverrideEnabled = r.u1() === 1;
      deblockingDisabled = r.u1() === 1;
      if (!deblockingDisabled) { r.se(); r.se(); }
    }
    if (r.u1()) skipScalingListData(r);
    const listsModificationPresent = r.u1() === 1;
    r.ue();
    const headerExtensionPresent = r.u1() === 1;
    let chromaQpOffsetList = false;
    if (r.u1()) {
      const range = r.u1() === 1;
      r.u(7);
      if (range) { if (transformSkip) r.ue(); r.u1(); chromaQpOffsetList = r.u1() === 1; }
    }
    this.pps.set(id, {
      sps, dependentSliceSegments, outputFlagPresent, extraSliceHeaderBits, cabacInitPresent, numRefIdxL0, numRefIdxL1,
      sliceChromaQpOffsetsPresent, weightedPred, weightedBipred, tilesOrSync: tiles || sync, loopFilterAcrossSlices,
      deblockingOverrideEnabled, deblockingDisabled, listsModificationPresent, headerExtensionPresent, chromaQpOffsetList,
    });
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
