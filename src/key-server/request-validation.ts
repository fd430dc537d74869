import type { CpixDocument, CpixDrmSystem } from '../keys/cpix/cpix-model.js';
import { kidToUuid } from '../keys/drm/guid.js';
import { isHlsAes128SystemId, SYSTEM_IDS } from '../keys/drm/system-ids.js';
import { refuse } from './request-rejected.js';

/**
 * The SPEKE v2 request shape (SPEKE API v2 "Customizations and constraints", MediaPackage's
 * SPEKE v2 guide): CPIX@contentId and CPIX@version 2.3, at least one ContentKey, each with the
 * KID the encryptor chose. Messages are the guide's where it has one.
 */
export function checkV2Document(req: CpixDocument): void {
  if (!req.contentId) throw refuse('Missing CPIX@contentId');
  if (!req.version) throw refuse('Missing CPIX@version');
  if (req.version !== '2.3') throw refuse('Unsupported CPIX@version');
  if (req.contentKeys.length === 0) throw refuse('Missing ContentKeyList/ContentKey');
  req.contentKeys.forEach((k, i) => { if (k.kid.length !== 16) throw refuse(`Missing ContentKey@kid (ContentKey[${i}])`); });
}

/** A SPEKE v2 request names its DRM systems (v1 requests without any get the server's defaults). */
export function checkV2DrmSystemList(req: CpixDocument): void {
  if (req.drmSystems.length === 0) throw refuse('Missing DRMSystemList/DRMSystem');
}

/**
 * One DRMSystem against the keys and the scheme: its KID must be a requested key; FairPlay
 * is cbcs only, Irdeto cenc only (MediaPackage's SPEKE v2 support matrix).
 */
export function checkDrmSystem(d: CpixDrmSystem, requestedKids: { has(kidHex: string): boolean }, scheme: string, version: 1 | 2, known: ReadonlySet<string>): void {
  if (!requestedKids.has(d.kid.toString('hex'))) throw refuse(`DRMSystem kid ${kidToUuid(d.kid)} is not in ContentKeyList`);
  if (!known.has(d.systemId) && !isHlsAes128SystemId(d.systemId)) throw refuse(`Unsupported DRMSystem ${d.systemId}`);
  if (version !== 2) return;
  const only = d.systemId === SYSTEM_IDS.fairplay ? 'cbcs' : d.systemId === SYSTEM_IDS.irdeto ? 'cenc' : undefined;
  if (only && scheme !== only) throw refuse(`ContentKey@commonEncryptionScheme non compatible with DRMSystem ${d.systemId}`);
}
