import type { KeySet, ProtectionScheme, TrackType } from '../keys/content-key.js';
import { keyForTrack } from '../keys/content-key.js';
import { contentProtectionElements, renderContentProtection } from './dash-content-protection.js';
import { hlsKeyTags } from './hls-key-tags.js';

/** The signaling text an EncryptResult carries (DESIGN: KIDs, pssh, DASH and HLS signaling). */
export interface EncryptSignaling {
  /** ContentProtection elements, for an AdaptationSet. */
  dash: string;
  hls: { media: string[]; master: string[] };
}

export interface SignalingOptions {
  scheme: ProtectionScheme;
  keys: KeySet;
  /** Track types present; the KID of each is signaled (once per distinct KID). */
  trackTypes: TrackType[];
  keyUri?: string;
  clearKeyLicenseUrl?: string;
}

/** DASH and HLS signaling for the keys used by one encryption, for callers writing their own manifests. */
export function encryptSignaling(o: SignalingOptions): EncryptSignaling {
  const kids = new Map<string, { kid: Buffer; iv?: Buffer }>();
  for (const t of o.trackTypes) {
    const k = keyForTrack(o.keys, t);
    if (k && !kids.has(k.kid.toString('hex'))) kids.set(k.kid.toString('hex'), k.iv ? { kid: k.kid, iv: k.iv } : { kid: k.kid });
  }
  const dash: string[] = [];
  const media: string[] = [];
  const master: string[] = [];
  for (const { kid, iv } of kids.values()) {
    const drm = o.keys.drm.filter((d) => d.kid.equals(kid));
    if (o.scheme !== 'aes-128' && o.scheme !== 'sample-aes') {
      dash.push(renderContentProtection(contentProtectionElements({
        scheme: o.scheme, defaultKid: kid, drm, ...(o.clearKeyLicenseUrl ? { clearKeyLicenseUrl: o.clearKeyLicenseUrl } : {}),
      })));
    }
    const tags = hlsKeyTags({ scheme: o.scheme, kid, drm, ...(iv ? { iv } : {}), ...(o.keyUri !== undefined ? { keyUri: o.keyUri } : {}) });
    media.push(...tags.media);
    master.push(...tags.master);
  }
  return { dash: dash.join('\n'), hls: { media, master } };
}
