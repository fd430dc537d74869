// Public surface of segcrypt. Only re-exports live here.
export * from './errors.js';
export * from './keys/index.js';
export * from './key-server/index.js';
export * from './api/index.js';
export { encryptPackage, type PackageOptions, type PackageResult } from './api/encrypt-package.js';
// The queue worker: bullmq and ioredis (optional peers) load on its first start, not with this module.
export { startQueueWorker, type QueueWorker, type QueueWorkerOptions } from './queue/queue-worker.js';
export type { PackageQueueOptions } from './queue/queue-options.js';
export {
  encryptSignaling, contentProtectionElements, renderContentProtection, hlsKeyTags, rewriteMpd, parseMpd,
  addKeysToMediaPlaylist, addSessionKeysToMaster, type EncryptSignaling, type HlsKeyTags,
} from './signaling/index.js';
