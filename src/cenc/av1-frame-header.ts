import type { BitReader } from './bit-reader.js';
import type { Av1SequenceHeader } from './av1-sequence-header.js';
import { cdefParams, filmGrainParams, globalMotionParams, loopFilterParams, lrParams, tileInfo, type Av1TileInfo } from './av1-header-fields.js';

export type { Av1TileInfo };

/**
 * AV1 uncompressed frame header (AV1 spec 5.9, semantics 6.8): read only far enough to know
 * where it ends and how the frame is split into tiles. That needs some state across frames
 * (reference slots: frame sizes, order hints, segmentation ALT_Q features), which this parser
 * keeps per track, updated as each frame header is read (7.20, 7.21).
 */
const KEY_FRAME = 0;
const INTRA_ONLY_FRAME = 2;
const SWITCH_FRAME = 3;
const PRIMARY_REF_NONE = 7;
const ALL_FRAMES = 0xff;
const SEG_FEATURE_BITS = [8, 6, 6, 6, 6, 3, 0, 0];
const SEG_FEATURE_SIGNED = [true, true, true, true, true, false, false, false];
const SEG_FEATURE_MAX = [255, 63, 63, 63, 63, 7, 0, 0];

export interface Av1FrameHeader {
  showExistingFrame: boolean;
  tiles: Av1TileInfo;
}

interface RefSlot {
  frameType: number;
  orderHint: number;
  upscaledWidth: number;
  frameHeight: number;
  renderWidth: number;
  renderHeight: number;
  /** Per segment: the SEG_LVL_ALT_Q feature value, or null when the feature is off. */
  altQ: (number | null)[];
}

/** A frame refers to a reference slot this parser has not seen filled (the fragment does not start at a key frame). */
export class Av1ReferenceError extends Error {}

interface FrameSize { upscaledWidth: number; frameWidth: number; frameHeight: number; renderWidth: number; renderHeight: number }

export class Av1FrameHeaderParser {
  private readonly refs: (RefSlot | undefined)[] = new Array(8).fill(undefined);

  constructor(public seq: Av1SequenceHeader) {}

  private ref(i: number): RefSlot {
    const s = this.refs[i];
    if (!s) throw new Av1ReferenceError(`reference slot ${i} was not filled by an earlier frame of this fragment`);
    return s;
  }

  private relativeDist(a: number, b: number): number {
    if (!this.seq.enableOrderHint) return 0;
    const diff = a - b;
    const m = 1 << (this.seq.orderHintBits - 1);
    return (diff & (m - 1)) - (diff & m);
  }

  /** uncompressed_header() (5.9.2); updates the reference slots as the frame's decoding would. */
  parse(r: BitReader, temporalId: number, spatialId: number): Av1FrameHeader {
    const seq = this.seq;
    let frameType = KEY_FRAME;
    let showFrame = true;
    let showableFrame = false;
    let errorResilient = true;
    if (!seq.reducedStillPictureHeader) {
      if (r.f(1)) { // show_existing_frame
        const idx = r.f(3);
        if (seq.decoderModelInfoPresent && !seq.equalPictureInterval) r.f(seq.framePresentationTimeLength);
        if (seq.frameIdNumbersPresent) r.f(seq.frameIdLength);
        const slot = this.ref(idx);
        // Showing a key frame refreshes every slot with it (7.21).
        if (slot.frameType === KEY_FRAME) this.refs.fill(slot);
        return { showExistingFrame: true, tiles: { cols: 0, rows: 0, colsLog2: 0, rowsLog2: 0, tileSizeBytes: 0 } };
      }
      frameType = r.f(2);
      showFrame = r.f(1) === 1;
      if (showFrame && seq.decoderModelInfoPresent && !seq.equalPictureInterval) r.f(seq.framePresentationTimeLength);
      showableFrame = showFrame ? frameType !== KEY_FRAME : r.f(1) === 1;
      errorResilient = frameType === SWITCH_FRAME || (frameType === KEY_FRAME && showFrame) ? true : r.f(1) === 1;
    }
    const intra = frameType === KEY_FRAME || frameType === INTRA_ONLY_FRAME;
    if (frameType === KEY_FRAME && showFrame) this.refs.fill(undefined);
    const disableCdfUpdate = r.f(1) === 1;
    const allowScreenContentTools = seq.forceScreenContentTools === 2 ? r.f(1) : seq.forceScreenContentTools;
    let forceIntegerMv = allowScreenContentTools ? (seq.forceIntegerMv === 2 ? r.f(1) : seq.forceIntegerMv) : 0;
    if (intra) forceIntegerMv = 1;
    if (seq.frameIdNumbersPresent) r.f(seq.frameIdLength); // current_frame_id
    const frameSizeOverride = frameType === SWITCH_FRAME ? true : seq.reducedStillPictureHeader ? false : r.f(1) === 1;
    const orderHint = r.f(seq.orderHintBits);
    const primaryRefFrame = intra || errorResilient ? PRIMARY_REF_NONE : r.f(3);
    if (seq.decoderModelInfoPresent && r.f(1)) { // buffer_removal_time_present_flag
      seq.operatingPointIdc.forEach((idc, op) => {
        if (!seq.decoderModelPresentForOp[op]) return;
        const inTemporal = (idc >> temporalId) & 1;
        const inSpatial = (idc >> (spatialId + 8)) & 1;
        if (idc === 0 || (inTemporal && inSpatial)) r.f(seq.bufferRemovalTimeLength);
      });
    }
    const refreshFrameFlags = frameType === SWITCH_FRAME || (frameType === KEY_FRAME && showFrame) ? ALL_FRAMES : r.f(8);
    if ((!intra || refreshFrameFlags !== ALL_FRAMES) && errorResilient && seq.enableOrderHint) {
      for (let i = 0; i < 8; i++) {
        const hint = r.f(seq.orderHintBits);
        const s = this.refs[i];
        // A slot whose hint differs becomes invalid (7.20); keep its hint so later frames can compare.
        if (!s || s.orderHint !== hint) this.refs[i] = { frameType: -1, orderHint: hint, upscaledWidth: 0, frameHeight: 0, renderWidth: 0, renderHeight: 0, altQ: new Array(8).fill(null) };
      }
    }
    let size: FrameSize;
    let allowIntrabc = false;
    const refFrameIdx: number[] = [];
    let allowHighPrecisionMv = false;
    if (intra) {
      size = this.frameSize(r, frameSizeOverride);
      if (allowScreenContentTools && size.upscaledWidth === size.frameWidth) allowIntrabc = r.f(1) === 1;
    } else {
      let shortSignaling = false;
      if (seq.enableOrderHint) {
        shortSignaling = r.f(1) === 1;
        if (shortSignaling) refFrameIdx.push(...this.setFrameRefs(r.f(3), r.f(3), orderHint));
      }
      for (let i = 0; i < 7; i++) {
        if (!shortSignaling) refFrameIdx[i] = r.f(3);
        if (seq.frameIdNumbersPresent) r.f(seq.deltaFrameIdLength);
      }
      size = frameSizeOverride && !errorResilient ? this.frameSizeWithRefs(r, refFrameIdx) : this.frameSize(r, frameSizeOverride);
      allowHighPrecisionMv = forceIntegerMv ? false : r.f(1) === 1;
      if (!r.f(1)) r.f(2); // is_filter_switchable, interpolation_filter
      r.f(1); // is_motion_mode_switchable
      if (!errorResilient && seq.enableRefFrameMvs) r.f(1); // use_ref_frame_mvs
    }
    if (!(seq.reducedStillPictureHeader || disableCdfUpdate)) r.f(1); // disable_frame_end_update_cdf
    const tiles = tileInfo(r, seq, size);
    // quantization_params (5.9.12)
    const baseQIdx = r.f(8);
    const deltaQ = (): number => (r.f(1) ? r.su(7) : 0);
    const deltas = [deltaQ()];
    if (!seq.monoChrome) {
      const diffUv = seq.separateUvDeltaQ ? r.f(1) === 1 : false;
      const u = [deltaQ(), deltaQ()];
      deltas.push(...u, ...(diffUv ? [deltaQ(), deltaQ()] : u));
    }
    if (r.f(1)) { r.f(4); r.f(4); if (seq.separateUvDeltaQ) r.f(4); } // using_qmatrix: qm_y, qm_u, qm_v
    const altQ = this.segmentationParams(r, primaryRefFrame, refFrameIdx);
    // delta_q_params, delta_lf_params (5.9.17, 5.9.18)
    const deltaQPresent = baseQIdx > 0 ? r.f(1) === 1 : false;
    if (deltaQPresent) {
      r.f(2);
      if (!allowIntrabc && r.f(1)) { r.f(2); r.f(1); }
    }
    let codedLossless = deltas.every((d) => d === 0);
    for (let s = 0; codedLossless && s < 8; s++) {
      const q = altQ[s] === null ? baseQIdx : Math.max(0, Math.min(255, baseQIdx + altQ[s]!));
      if (q !== 0) codedLossless = false;
    }
    const allLossless = codedLossless && size.frameWidth === size.upscaledWidth;
    loopFilterParams(r, seq, codedLossless || allowIntrabc);
    if (!(codedLossless || allowIntrabc || !seq.enableCdef)) cdefParams(r, seq);
    if (!(allLossless || allowIntrabc || !seq.enableRestoration)) lrParams(r, seq);
    if (!codedLossless) r.f(1); // tx_mode_select
    const referenceSelect = intra ? false : r.f(1) === 1;
    if (!intra && referenceSelect && seq.enableOrderHint && this.skipModeAllowed(refFrameIdx, orderHint)) r.f(1);
    if (!(intra || errorResilient || !seq.enableWarpedMotion)) r.f(1); // allow_warped_motion
    r.f(1); // reduced_tx_set
    if (!intra) globalMotionParams(r, allowHighPrecisionMv);
    if (seq.filmGrainParamsPresent && (showFrame || showableFrame)) filmGrainParams(r, seq, frameType);
    // Reference frame update (7.20), done now: only later frame headers read the slots.
    const slot: RefSlot = { frameType, orderHint, upscaledWidth: size.upscaledWidth, frameHeight: size.frameHeight, renderWidth: size.renderWidth, renderHeight: size.renderHeight, altQ };
    for (let i = 0; i < 8; i++) if ((refreshFrameFlags >> i) & 1) this.refs[i] = slot;
    return { showExistingFrame: false, tiles };
  }

  private frameSize(r: BitReader, override: boolean): FrameSize {
    const seq = this.seq;
    let w = seq.maxFrameWidth;
    let h = seq.maxFrameHeight;
    if (override) { w = r.f(seq.frameWidthBits) + 1; h = r.f(seq.frameHeightBits) + 1; }
    const upscaledWidth = w;
    const frameWidth = this.superres(r, w);
    let renderWidth = upscaledWidth;
    let renderHeight = h;
    if (r.f(1)) { renderWidth = r.f(16) + 1; renderHeight = r.f(16) + 1; }
    return { upscaledWidth, frameWidth, frameHeight: h, renderWidth, renderHeight };
  }

  private superres(r: BitReader, upscaledWidth: number): number {
    if (!this.seq.enableSuperres || !r.f(1)) return upscaledWidth;
    const denom = r.f(3) + 9;
    return Math.floor((upscaledWidth * 8 + denom / 2) / denom);
  }

  private frameSizeWithRefs(r: BitReader, refFrameIdx: number[]): FrameSize {
    for (let i = 0; i < 7; i++) {
      if (r.f(1)) { // found_ref
        const s = this.ref(refFrameIdx[i]!);
        const frameWidth = this.superres(r, s.upscaledWidth);
        return { upscaledWidth: s.upscaledWidth, frameWidth, frameHeight: s.frameHeight, renderWidth: s.renderWidth, renderHeight: s.renderHeight };
      }
    }
    return this.frameSize(r, true);
  }

  /** segmentation_params() (5.9.14): the ALT_Q feature per segment (null: off), for the lossless test. */
  private segmentationParams(r: BitReader, primaryRefFrame: number, refFrameIdx: number[]): (number | null)[] {
    const altQ: (number | null)[] = new Array(8).fill(null);
    if (!r.f(1)) return altQ; // segmentation_enabled
    let updateData = true;
    if (primaryRefFrame !== PRIMARY_REF_NONE) {
      if (r.f(1)) r.f(1); // segmentation_update_map, segmentation_temporal_update
      updateData = r.f(1) === 1;
    }
    if (!updateData) return [...this.ref(refFrameIdx[primaryRefFrame]!).altQ]; // load_previous()
    for (let i = 0; i < 8; i++) {
      for (let j = 0; j < 8; j++) {
        if (!r.f(1)) continue;
        const bits = SEG_FEATURE_BITS[j]!;
        const limit = SEG_FEATURE_MAX[j]!;
        const v = SEG_FEATURE_SIGNED[j] ? Math.max(-limit, Math.min(limit, r.su(1 + bits))) : Math.min(limit, r.f(bits));
        if (j === 0) altQ[i] = v;
      }
    }
    return altQ;
  }

  /** skipModeAllowed of skip_mode_params() (5.9.22). */
  private skipModeAllowed(refFrameIdx: number[], orderHint: number): boolean {
    let forward = -1; let forwardHint = 0; let backward = -1; let backwardHint = 0;
    for (let i = 0; i < 7; i++) {
      const h = this.ref(refFrameIdx[i]!).orderHint;
      if (this.relativeDist(h, orderHint) < 0) {
        if (forward < 0 || this.relativeDist(h, forwardHint) > 0) { forward = i; forwardHint = h; }
      } else if (this.relativeDist(h, orderHint) > 0) {
        if (backward < 0 || this.relativeDist(h, backwardHint) < 0) { backward = i; backwardHint = h; }
      }
    }
    if (forward < 0) return false;
    if (backward >= 0) return true;
    for (let i = 0; i < 7; i++) {
      if (this.relativeDist(this.ref(refFrameIdx[i]!).orderHint, forwardHint) < 0) return true;
    }
    return false;
  }

  /** set_frame_refs() (7.8): frame_refs_short_signaling. */
  private setFrameRefs(lastIdx: number, goldIdx: number, orderHint: number): number[] {
    const idx = new Array<number>(7).fill(-1);
    idx[0] = lastIdx; idx[3] = goldIdx;
    const used = new Array<boolean>(8).fill(false);
    used[lastIdx] = true; used[goldIdx] = true;
    const cur = 1 << (this.seq.orderHintBits - 1);
    const shifted = this.refs.map((_, i) => cur + this.relativeDist(this.ref(i).orderHint, orderHint));
    const pick = (backward: boolean, latest: boolean): number => {
      let ref = -1; let best = 0;
      for (let i = 0; i < 8; i++) {
        const h = shifted[i]!;
        if (used[i] || (backward ? h < cur : h >= cur)) continue;
        if (ref < 0 || (latest ? h >= best : h < best)) { ref = i; best = h; }
      }
      if (ref >= 0) used[ref] = true;
      return ref;
    };
    const alt = pick(true, true); if (alt >= 0) idx[6] = alt;
    const bwd = pick(true, false); if (bwd >= 0) idx[4] = bwd;
    const alt2 = pick(true, false); if (alt2 >= 0) idx[5] = alt2;
    for (const refFrame of [2, 3, 5, 6, 7]) {
      if (idx[refFrame - 1]! < 0) { const f = pick(false, true); if (f >= 0) idx[refFrame - 1] = f; }
    }
    let ref = -1; let earliest = 0;
    for (let i = 0; i < 8; i++) if (ref < 0 || shifted[i]! < earliest) { ref = i; earliest = shifted[i]!; }
    return idx.map((v) => (v < 0 ? ref : v));
  }
}
