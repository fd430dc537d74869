import { BitReader } from './bit-reader.js';

/** What the frame header parser needs of an AV1 sequence header OBU (AV1 spec 5.5). */
export interface Av1SequenceHeader {
  reducedStillPictureHeader: boolean;
  decoderModelInfoPresent: boolean;
  equalPictureInterval: boolean;
  bufferRemovalTimeLength: number;
  framePresentationTimeLength: number;
  operatingPointIdc: number[];
  decoderModelPresentForOp: boolean[];
  frameWidthBits: number;
  frameHeightBits: number;
  maxFrameWidth: number;
  maxFrameHeight: number;
  frameIdNumbersPresent: boolean;
  deltaFrameIdLength: number;
  frameIdLength: number;
  use128x128: boolean;
  enableWarpedMotion: boolean;
  enableOrderHint: boolean;
  enableRefFrameMvs: boolean;
  forceScreenContentTools: number; // 2 = SELECT_SCREEN_CONTENT_TOOLS
  forceIntegerMv: number; // 2 = SELECT_INTEGER_MV
  orderHintBits: number;
  enableSuperres: boolean;
  enableCdef: boolean;
  enableRestoration: boolean;
  monoChrome: boolean;
  subsamplingX: number;
  subsamplingY: number;
  separateUvDeltaQ: boolean;
  filmGrainParamsPresent: boolean;
}

/** Parse the payload of a sequence header OBU at buf[start, end). Throws RangeError when truncated. */
export function parseAv1SequenceHeader(buf: Buffer, start: number, end: number): Av1SequenceHeader {
  const r = new BitReader(buf, start, end);
  const seqProfile = r.f(3);
  r.f(1); // still_picture
  const reduced = r.f(1) === 1;
  let decoderModelInfoPresent = false;
  let equalPictureInterval = false;
  let bufferDelayLength = 0;
  let bufferRemovalTimeLength = 0;
  let framePresentationTimeLength = 0;
  const operatingPointIdc: number[] = [];
  const decoderModelPresentForOp: boolean[] = [];
  if (reduced) {
    r.f(5); // seq_level_idx[0]
    operatingPointIdc.push(0);
    decoderModelPresentForOp.push(false);
  } else {
    if (r.f(1)) { // timing_info_present_flag
      r.f(32); r.f(32); // num_units_in_display_tick, time_scale
      equalPictureInterval = r.f(1) === 1;
      if (equalPictureInterval) r.uvlc();
      decoderModelInfoPresent = r.f(1) === 1;
      if (decoderModelInfoPresent) {
        bufferDelayLength = r.f(5) + 1;
        r.f(32); // num_units_in_decoding_tick
        bufferRemovalTimeLength = r.f(5) + 1;
        framePresentationTimeLength = r.f(5) + 1;
      }
    }
    const initialDisplayDelayPresent = r.f(1) === 1;
    const count = r.f(5) + 1;
    for (let i = 0; i < count; i++) {
      operatingPointIdc.push(r.f(12));
      const level = r.f(5);
      if (level > 7) r.f(1); // seq_tier
      let present = false;
      if (decoderModelInfoPresent) {
        present = r.f(1) === 1;
        if (present) { r.f(bufferDelayLength); r.f(bufferDelayLength); r.f(1); }
      }
      decoderModelPresentForOp.push(present);
      if (initialDisplayDelayPresent && r.f(1)) r.f(4);
    }
  }
  const frameWidthBits = r.f(4) + 1;
  const frameHeightBits = r.f(4) + 1;
  const maxFrameWidth = r.f(frameWidthBits) + 1;
  const maxFrameHeight = r.f(frameHeightBits) + 1;
  const frameIdNumbersPresent = reduced ? false : r.f(1) === 1;
  let deltaFrameIdLength = 0;
  let frameIdLength = 0;
  if (frameIdNumbersPresent) {
    deltaFrameIdLength = r.f(4) + 2;
    frameIdLength = r.f(3) + 1 + deltaFrameIdLength;
  }
  const use128x128 = r.f(1) === 1;
  r.f(1); r.f(1); // enable_filter_intra, enable_intra_edge_filter
  let enableWarpedMotion = false;
  let enableOrderHint = false;
  let enableRefFrameMvs = false;
  let forceScreenContentTools = 2;
  let forceIntegerMv = 2;
  let orderHintBits = 0;
  if (!reduced) {
    r.f(1); r.f(1); // enable_interintra_compound, enable_masked_compound
    enableWarpedMotion = r.f(1) === 1;
    r.f(1); // enable_dual_filter
    enableOrderHint = r.f(1) === 1;
    if (enableOrderHint) { r.f(1); enableRefFrameMvs = r.f(1) === 1; }
    forceScreenContentTools = r.f(1) ? 2 : r.f(1);
    if (forceScreenContentTools > 0) forceIntegerMv = r.f(1) ? 2 : r.f(1);
    if (enableOrderHint) orderHintBits = r.f(3) + 1;
  }
  const enableSuperres = r.f(1) === 1;
  const enableCdef = r.f(1) === 1;
  const enableRestoration = r.f(1) === 1;
  // color_config (5.5.2)
  const highBitdepth = r.f(1);
  let bitDepth = highBitdepth ? 10 : 8;
  if (seqProfile === 2 && highBitdepth) bitDepth = r.f(1) ? 12 : 10;
  const monoChrome = seqProfile === 1 ? false : r.f(1) === 1;
  let cp = 2; let tc = 2; let mc = 2;
  if (r.f(1)) { cp = r.f(8); tc = r.f(8); mc = r.f(8); }
  let subsamplingX = 1;
  let subsamplingY = 1;
  let separateUvDeltaQ = false;
  if (monoChrome) {
    r.f(1); // color_range
  } else {
    if (cp === 1 && tc === 13 && mc === 0) {
      subsamplingX = 0; subsamplingY = 0;
    } else {
      r.f(1); // color_range
      if (seqProfile === 0) { subsamplingX = 1; subsamplingY = 1; }
      else if (seqProfile === 1) { subsamplingX = 0; subsamplingY = 0; }
      else if (bitDepth === 12) { subsamplingX = r.f(1); subsamplingY = subsamplingX ? r.f(1) : 0; }
      else { subsamplingX = 1; subsamplingY = 0; }
      if (subsamplingX && subsamplingY) r.f(2); // chroma_sample_position
    }
    separateUvDeltaQ = r.f(1) === 1;
  }
  const filmGrainParamsPresent = r.f(1) === 1;
  return {
    reducedStillPictureHeader: reduced, decoderModelInfoPresent, equalPictureInterval, bufferRemovalTimeLength, framePresentationTimeLength,
    operatingPointIdc, decoderModelPresentForOp, frameWidthBits, frameHeightBits, maxFrameWidth, maxFrameHeight, frameIdNumbersPresent,
    deltaFrameIdLength, frameIdLength, use128x128, enableWarpedMotion, enableOrderHint, enableRefFrameMvs, forceScreenContentTools,
    forceIntegerMv, orderHintBits, enableSuperres, enableCdef, enableRestoration, monoChrome, subsamplingX, subsamplingY, separateUvDeltaQ,
    filmGrainParamsPresent,
  };
}
