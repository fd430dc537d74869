// MPEG-TS for HLS: whole-segment AES-128 and SAMPLE-AES (H.264, AAC, AC-3, E-AC-3).
export { sequenceNumberIv, checkAesParams, createAes128SegmentCipher, encryptAes128Segment, decryptAes128Segment } from './aes128.js';
export { encryptSampleAesSegment, encryptSampleAesSegmentDetailed, encryptSampleAesInPlace, type SampleAesStream } from './sample-aes-segment.js';
export { encryptAvcElementaryStream, decryptAvcElementaryStream, avcEncryptedBlockOffsets } from './sample-aes-h264.js';
export { encryptAudioElementaryStream, decryptAudioElementaryStream } from './sample-aes-audio.js';
export { PACKET_SIZE, SYNC_BYTE } from './packet.js';
export { crc32Mpeg2 } from './crc32-mpeg2.js';
export { SampleAesEncryptor, type SampleAesStreamInfo } from './sample-aes-stream.js';
export { parsePat, parsePmt, buildPmtSection, type Pmt, type PmtStream } from './psi.js';
export { ENCRYPTED_STREAM_TYPES, SAMPLE_AES_STREAM_TYPES } from './stream-types.js';
