export type { ContentKey, DrmSignal, KeyPeriod, KeySet, KeyRequest, KeyProvider, TrackType, ProtectionScheme, DrmSystemName } from './content-key.js';
export { keyForTrack } from './content-key.js';
export { StaticKeys, parseKeySpec, parseHex16 } from './static-keys.js';
export { buildPssh } from './drm/pssh-box.js';
export { buildCommonPssh } from './drm/common-pssh.js';
export { SYSTEM_IDS, systemIdBytes, systemIdString } from './drm/system-ids.js';
