export type { ContentKey, DrmSignal, KeyPeriod, KeySet, KeyRequest, KeyProvider, TrackType, ProtectionScheme, DrmSystemName, TrackClass, TrackFilter } from './content-key.js';
export { selectKey, chooseKey, describeTrack, type KeyChoice } from './key-selection.js';
export { keyForTrack } from './content-key.js';
export { StaticKeys, parseKeySpec, parseHex16 } from './static-keys.js';
export * from './drm/index.js';
export * from './cpix/index.js';
export * from './speke/index.js';
export { keyProviderFromOptions, parseDrmSystems, parseSpekeVersion, type KeyProviderOptions } from './provider-from-options.js';
export { decodePredefinedEntities as decodeXmlEntities } from './cpix/xml-guard.js';
