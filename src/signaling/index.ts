// signaling/: DASH ContentProtection and MPD rewrite, HLS key tags and playlist rewrite. Pure.
export { contentProtectionElements, renderContentProtection, DASH_NAMESPACES, type ContentProtectionElement, type DashProtectionInput } from './dash-content-protection.js';
export { hlsKeyTags, type HlsKeyTags, type HlsSignalingInput } from './hls-key-tags.js';
export { parseMpd, parseIsoDuration, type MpdModel, type MpdAdaptationSet, type MpdRepresentation, type SegmentTemplateModel } from './mpd-model.js';
export { templateFiles, fillTemplate, templatePattern, type RepresentationFiles, type TemplateSegment } from './mpd-segments.js';
export { rewriteMpd, type AttributeEdit, type SetProtection } from './mpd-rewrite.js';
export { parsePlaylist, parseByteRange, tagAttribute, type ByteRange, type MediaPlaylistModel, type MasterPlaylistModel, type MediaSegmentRef } from './hls-playlist.js';
export { addKeysToMediaPlaylist, addSessionKeysToMaster, rewriteByteRanges, remapByteRange } from './playlist-rewrite.js';
export { encryptSignaling, type EncryptSignaling, type SignalingOptions } from './result-signaling.js';
export { planDash, planHls, packagePath, checkSchemeFits, mergeJobs, CENC_SCHEMES, type PackageJob, type DashPlan, type HlsPlan } from './package-plan.js';
export { addPeriodKeysToMediaPlaylist, segmentStartTimes } from './playlist-key-periods.js';
