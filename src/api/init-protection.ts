import { KeyError } from '../errors.js';
import { buildCommonPssh } from '../keys/drm/common-pssh.js';
import { SYSTEM_IDS } from '../keys/drm/system-ids.js';
import type { DrmSignal, KeyProvider, KeySet } from '../keys/content-key.js';
import { parseInit, protectInit, type FragmentTrack, type InitInfo } from '../isobmff/index.js';
import type { CencScheme } from '../cenc/index.js';
import { planTracks, resolveKeys, type TrackPlan } from './track-protection.js';
import type { ClearTrack, EncryptOptions, EncryptedTrack } from './types.js';

/** Everything decided once per presentation from its init segment and keys. */
export interface PreparedProtection {
  info: InitInfo;
  plans: TrackPlan[];
  fragmentTracks: FragmentTrack[];
  defaultSizes: [number, number][];
  pssh: Buffer[];
  drm: DrmSignal[];
  tracks: EncryptedTrack[];
  /** Tracks written as they are. */
  clearTracks: ClearTrack[];
  kids: string[];
  /** The keys used, with the DRM signals actually written (for manifest signaling). */
  keySet: KeySet;
  /** Rewrite a buffer holding the moov (and maybe ftyp) for protection. */
  protect(init: Buffer): Buffer;
}

export async function prepareProtection(init: Buffer, scheme: CencScheme, keys: KeyProvider | KeySet, options: Pick<EncryptOptions, 'iv' | 'ivSize' | 'clearLead' | 'streamIndex'>, contentId: string, initOffset = 0): Promise<PreparedProtection> {
  const info = parseInit(init, initOffset);
  const set = await resolveKeys(keys, contentId, [...new Set(info.tracks.map((t) => t.type))], scheme);
  return prepareWithKeySet(info, set, scheme, options);
}

export function prepareWithKeySet(info: InitInfo, set: KeySet, scheme: CencScheme, options: Pick<EncryptOptions, 'iv' | 'ivSize' | 'clearLead' | 'streamIndex'> & { period?: string }): PreparedProtection {
  const plans = planTracks(info.tracks, set, scheme, options);
  const kids = [...new Set(plans.map((p) => p.summary.kid))];
  // Only the signals of the keys this presentation uses (a ladder's other renditions have theirs),
  // and one pssh box per distinct box: a server may return the same PSSH for several KIDs.
  const used = new Set(kids);
  let drm = (set.drm ?? []).filter((d) => !Buffer.isBuffer(d.kid) || d.kid.length !== 16 || used.has(d.kid.toString('hex')));
  let pssh = distinctBoxes(drm.map((d) => d.pssh).filter((p): p is Buffer => Buffer.isBuffer(p)));
  for (const [i, p] of pssh.entries()) {
    // A pssh goes into moov as is: it must be one whole, well-sized pssh box.
    if (p.length < 32 || p.readUInt32BE(0) !== p.length || p.toString('latin1', 4, 8) !== 'pssh') {
      throw new KeyError('ERR_PSSH_FORMAT', `pssh ${i} from the key provider is not a complete pssh box (${p.length} bytes, type "${p.toString('latin1', 4, 8)}")`, { where: `drm[${i}].pssh` });
    }
  }
  if (pssh.length === 0) {
    // No DRM system data from the provider: signal the KIDs with a W3C common pssh (ClearKey).
    const common = buildCommonPssh(kids.map((k) => Buffer.from(k, 'hex')));
    pssh = [common];
    drm = [...drm, { systemId: SYSTEM_IDS.common, kid: Buffer.from(kids[0]!, 'hex'), pssh: common }];
  }
  const encryption = new Map(plans.map((p) => [p.info.trackId, p.encryption]));
  const clearCopies = new Set(plans.filter((p) => p.fragment.clearBefore !== undefined).map((p) => p.info.trackId));
  return {
    info, plans, pssh, drm, kids, keySet: { ...set, drm },
    fragmentTracks: plans.map((p) => p.fragment),
    defaultSizes: info.tracks.map((t) => [t.trackId, t.defaultSampleSize]),
    tracks: plans.map((p) => p.summary),
    clearTracks: clearTracksOf(info, new Set(plans.map((p) => p.info.trackId))),
    protect: (buf: Buffer) => protectInit(buf, encryption, pssh, clearCopies),
  };
}

/** Handlers and sample entries of timed text (14496-12 12.5, 14496-30, 3GPP TS 26.245). */
const TEXT_HANDLERS = new Set(['text', 'subt', 'sbtl', 'clcp']);
const TEXT_ENTRIES = new Set(['wvtt', 'stpp', 'tx3g', 'sbtt', 'stxt', 'c608', 'c708']);

function clearTracksOf(info: InitInfo, planned: Set<number>): ClearTrack[] {
  return [
    ...info.otherTracks.map((t): ClearTrack => ({ ...t, reason: TEXT_HANDLERS.has(t.handler) || TEXT_ENTRIES.has(t.codec) ? 'text' : 'not video or audio' })),
    ...info.tracks.filter((t) => !planned.has(t.trackId)).map((t): ClearTrack => ({ trackId: t.trackId, handler: t.type === 'video' ? 'vide' : 'soun', codec: t.codec, reason: 'encryption contract' })),
  ].sort((a, b) => a.trackId - b.trackId);
}

function distinctBoxes(boxes: Buffer[]): Buffer[] {
  const seen = new Set<string>();
  return boxes.filter((b) => { const h = b.toString('base64'); if (seen.has(h)) return false; seen.add(h); return true; });
}
