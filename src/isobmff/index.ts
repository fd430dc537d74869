// Door of the ISO BMFF layer: zero-copy box walking, init and fragment rewrite for Common Encryption.
export { readBox, readTopLevelHeader, childBoxes, topLevelBoxes, findChild, requireChild, type Box } from './box.js';
export { parseInit, protectInit, NOT_FRAGMENTED_HINT, type InitInfo, type TrackInfo } from './init.js';
export { writeSinf, parseSinf, type TrackEncryption, type ProtectionInfo } from './sinf.js';
export { parseSenc, findSenc, type SampleEncryptionEntry } from './sample-encryption.js';
export { parseSidx, patchSidx, writeSidx, sidxSize, type SegmentIndex, type NewSegmentIndex, type SubsegmentReference } from './segment-index.js';
export { fragmentTiming, trackDefaults, NON_SYNC_SAMPLE, type TrackDefaults, type TrackFragmentTiming } from './fragment-timing.js';
export { planSegmentIndex, writePlannedSegmentIndex, type IndexedFragment, type SegmentIndexPlan } from './added-segment-index.js';
export { encryptFragment, encryptFragmentInPlace, type FragmentParts, type FragmentTrack } from './encrypt-fragment.js';
export { encryptMediaSegment, encryptMediaSegmentParts, splitPieces, growthIn, type TopLevelPiece } from './media-segment.js';
export { PROTECTED_ENTRIES } from './sample-entry.js';
export { patchMfra } from './fragment-random-access.js';
export { writeSeigGroup, seigGroupSize, FRAGMENT_LOCAL_GROUP_1, type SeigEntry } from './sample-group.js';
export { segmentDecodeTime } from './decode-time.js';
