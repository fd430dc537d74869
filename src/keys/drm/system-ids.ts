import type { DrmSystemName } from '../content-key.js';

/** DRM system ids (DASH-IF registry). Lowercase, dashed. */
export const SYSTEM_IDS: Record<DrmSystemName, string> = {
  widevine: 'edef8ba9-79d6-4ace-a3c8-27dcd51d21ed',
  playready: '9a04f079-9840-4286-ab92-e65be0885f95',
  fairplay: '94ce86fb-07ff-4f43-adb8-93d2fa968ca2',
  // W3C "common" system id; ClearKey players accept it as the clearkey pssh.
  common: '1077efec-c0b2-4d02-ace3-3c1e52e2fb4b',
  clearkey: 'e2719d58-a985-b3c9-781a-b030af78d30e',
  irdeto: '80a6be7e-1448-4c37-9e70-d5aebe04c8d2',
};

/**
 * HLS AES-128 (whole-segment ClearKey) as a SPEKE "DRM system": v1's examples use 81376844-...,
 * SPEKE v2 names ClearKey AES-128 3ea8778f-... . Neither goes in a pssh.
 */
export const HLS_AES128_SYSTEM_ID_V1 = '81376844-f976-481e-a84e-cc25d39b0b33';
export const CLEARKEY_AES128_SYSTEM_ID_V2 = '3ea8778f-7742-4bf9-b18b-e834b2acbd47';

export function isHlsAes128SystemId(id: string): boolean {
  const l = id.toLowerCase();
  return l === HLS_AES128_SYSTEM_ID_V1 || l === CLEARKEY_AES128_SYSTEM_ID_V2;
}

/** The AES-128 system id a SPEKE request of this version names. */
export function hlsAes128SystemId(version: 1 | 2): string {
  return version === 2 ? CLEARKEY_AES128_SYSTEM_ID_V2 : HLS_AES128_SYSTEM_ID_V1;
}

export function systemIdBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

export function systemIdString(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
