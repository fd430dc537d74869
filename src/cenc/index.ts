// Door of the Common Encryption sample cryptors: pure functions over buffers, node:crypto only.
export { ctrCryptor, cbcCryptor } from './ciphers.js';
export { BLOCK, SpanList, patternCryptBytes, patternSpans } from './pattern.js';
export { videoSubsamples, isVclNal, type NalCodec, type SubsampleRules, type SliceHeaderMeter } from './subsamples.js';
export { AvcSliceHeaderParser } from './avc-slice-header.js';
export { HevcSliceHeaderParser } from './hevc-slice-header.js';
export { RbspReader } from './rbsp-reader.js';
export { SampleEncryptor, type CencScheme, type SampleCryptoParams } from './sample-cryptor.js';
export { sampleCounterStart, writeSampleIv, cipherIv } from './iv.js';
export { frameSubsampler, type FrameCodec, type FrameSubsampler } from './frame-subsamples.js';
