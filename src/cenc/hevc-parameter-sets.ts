import { RbspReader } from './rbsp-reader.js';

/**
 * H.265 parameter sets (ITU-T H.265 7.3.2.2 SPS, 7.3.2.3 PPS, 7.3.7 short-term RPS): only the
 * fields a slice segment header's length depends on.
 */
export interface Rps { negative: number[]; positive: number[]; usedNeg: boolean[]; usedPos: boolean[] }

export interface HevcSps {
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

export interface HevcPps {
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

export const ceilLog2 = (n: number) => (n <= 1 ? 0 : Math.ceil(Math.log2(n)));

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
export function readRps(r: RbspReader, idx: number, count: number, sets: Rps[]): Rps {
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

export function parseHevcSps(buf: Buffer, start: number, end: number): [number, HevcSps] {
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
  return [id, { picSizeInCtbsY, separateColourPlane, chromaArrayType: separateColourPlane ? 0 : chroma, log2MaxPocLsb, rps, longTermPresent, ltUsedByCurr, temporalMvp, sao }];
}

export function parseHevcPps(buf: Buffer, start: number, end: number): [number, HevcPps] {
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
  return [id, {
    sps, dependentSliceSegments, outputFlagPresent, extraSliceHeaderBits, cabacInitPresent, numRefIdxL0, numRefIdxL1,
    sliceChromaQpOffsetsPresent, weightedPred, weightedBipred, tilesOrSync: tiles || sync, loopFilterAcrossSlices,
    deblockingOverrideEnabled, deblockingDisabled, listsModificationPresent, headerExtensionPresent, chromaQpOffsetList,
  }];
}
