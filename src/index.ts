// Public surface of segcrypt. Only re-exports live here.
export * from './errors.js';
export * from './keys/index.js';
export * from './key-server/index.js';
export * from './api/index.js';
export { encryptPackage, type PackageOptions, type PackageResult } from './api/encrypt-package.js';
export {
  encryptSignaling, contentProtectionElements, renderContentProtection, hlsKeyTags, rewriteMpd, parseMpd,
  addKeysToMediaPlaylist, addSessionKeysToMaster, type EncryptSignaling, type HlsKeyTags,
} from './signaling/index.js';
