import type { DrmSystemName, ProtectionScheme } from '../content-key.js';
import { FAIRPLAY_KEYFORMAT } from './fairplay.js';
import { SYSTEM_IDS } from './system-ids.js';

/** HLS METHOD for a scheme: cbcs -> SAMPLE-AES, cenc -> SAMPLE-AES-CTR (RFC 8216 4.3.2.4). */
export function hlsMethod(scheme: ProtectionScheme): 'AES-128' | 'SAMPLE-AES' | 'SAMPLE-AES-CTR' {
  if (scheme === 'aes-128') return 'AES-128';
  if (scheme === 'cenc' || scheme === 'cens') return 'SAMPLE-AES-CTR';
  return 'SAMPLE-AES';
}

export function hlsKeyFormat(system: DrmSystemName): string {
  switch (system) {
    case 'fairplay': return FAIRPLAY_KEYFORMAT;
    case 'playready': return 'com.microsoft.playready';
    case 'widevine': return `urn:uuid:${SYSTEM_IDS.widevine}`;
    case 'clearkey': case 'common': return `urn:uuid:${SYSTEM_IDS.common}`;
    // Irdeto signals HLS through what its key server returns; its system id is the fallback.
    case 'irdeto': return `urn:uuid:${SYSTEM_IDS.irdeto}`;
  }
}

export interface HlsKeyLineInput {
  method: 'AES-128' | 'SAMPLE-AES' | 'SAMPLE-AES-CTR';
  uri: string;
  keyFormat?: string;
  keyFormatVersions?: string;
  /** KID as hex, written KEYID=0x... */
  kidHex?: string;
  /** IV as hex, written IV=0x... */
  ivHex?: string;
}

/** `#EXT-X-KEY:` (media playlist) and `#EXT-X-SESSION-KEY:` (master playlist) lines. */
export function hlsKeyLines(input: HlsKeyLineInput): { media: string; master: string } {
  const attrs = [`METHOD=${input.method}`, `URI="${input.uri}"`];
  if (input.kidHex) attrs.push(`KEYID=0x${input.kidHex.toUpperCase()}`);
  if (input.ivHex) attrs.push(`IV=0x${input.ivHex.toUpperCase()}`);
  if (input.keyFormat) attrs.push(`KEYFORMAT="${input.keyFormat}"`);
  if (input.keyFormatVersions) attrs.push(`KEYFORMATVERSIONS="${input.keyFormatVersions}"`);
  const list = attrs.join(',');
  return { media: `#EXT-X-KEY:${list}`, master: `#EXT-X-SESSION-KEY:${list}` };
}
