export { buildPssh } from './pssh-box.js';
export { buildCommonPssh } from './common-pssh.js';
export { SYSTEM_IDS, systemIdBytes, systemIdString, HLS_AES128_SYSTEM_ID_V1, CLEARKEY_AES128_SYSTEM_ID_V2, isHlsAes128SystemId, hlsAes128SystemId } from './system-ids.js';
export { kidToGuidLittleEndian, guidLittleEndianToKid, kidToUuid } from './guid.js';
export { buildWidevinePssh, encodeWidevinePsshData, decodeWidevinePsshData, type WidevinePsshData } from './widevine-pssh.js';
export { buildWrmHeader, buildPlayReadyObject, parsePlayReadyObject, buildPlayReadyPssh, type PlayReadyHeaderInput } from './playready-header.js';
export { fairPlaySkdUri, FAIRPLAY_KEYFORMAT } from './fairplay.js';
export { hlsKeyLines, hlsMethod, hlsKeyFormat, type HlsKeyLineInput } from './hls-key-lines.js';
