// Door of the orchestration layer: file and segment encryption.
export { encryptFile } from './encrypt-file.js';
export { createSegmentEncryptor, type SegmentEncryptor, type SegmentEncryptorOptions } from './segment-encryptor.js';
export type { ClearTrack, EncryptOptions, EncryptResult, EncryptedTrack } from './types.js';
export { encryptTsFile, encryptTsSegment, AES128_PLACEHOLDER_KEY_URI, type TsEncryptOptions, type TsEncryptResult, type TsScheme, type TsSegmentOptions } from './encrypt-ts.js';
export { removeTempOutputsSync } from './atomic-output.js';
export { inspectFile, type InspectReport, type InspectedTrack, type InspectedSample, type InspectedTsStream } from './inspect.js';
