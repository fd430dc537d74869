import { kidToUuid } from './guid.js';

/** KEYFORMAT of FairPlay Streaming in HLS (Apple HLS authoring spec). */
export const FAIRPLAY_KEYFORMAT = 'com.apple.streamingkeydelivery';

/**
 * The `skd://` URI an HLS playlist hands to the FairPlay key session. Its content after the
 * scheme is opaque to the player; the license server reads it back, so we put the KID there.
 */
export function fairPlaySkdUri(kid: Buffer, assetId?: string): string {
  return assetId ? `skd://${encodeURIComponent(assetId)}:${kidToUuid(kid)}` : `skd://${kidToUuid(kid)}`;
}
