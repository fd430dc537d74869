import { randomBytes } from 'node:crypto';
import type { DrmSystemName, KeyPeriod, KeyRequest, ProtectionScheme, TrackType } from '../content-key.js';
import type { CpixDocument, CpixDrmSystem, CpixUsageRule } from '../cpix/cpix-model.js';
import { hlsAes128SystemId, SYSTEM_IDS } from '../drm/system-ids.js';
import { UsageError } from '../../errors.js';
import { parseHex16 } from '../static-keys.js';

export type SpekeVersion = 1 | 2;

/** HLS AES-128 "system" of the SPEKE v1 examples (implementation specific; the de-facto value). */
export const HLS_AES128_SYSTEM_ID = '81376844-f976-481e-a84e-cc25d39b0b33';

/**
 * SPEKE v2 encryption-contract presets (encryption-contract-v2): PRESET-VIDEO-1 = one key for
 * every video track, PRESET-AUDIO-1 = one key for every audio track, SHARED = the same key
 * as the other track type, UNENCRYPTED = no key for that track type.
 */
export type VideoPreset = 'PRESET-VIDEO-1' | 'SHARED' | 'UNENCRYPTED';
export type AudioPreset = 'PRESET-AUDIO-1' | 'SHARED' | 'UNENCRYPTED';

export interface RequestPlan {
  document: CpixDocument;
  /** What each requested key is for, by KID hex. */
  tracksByKid: Map<string, TrackType[]>;
}

export interface RequestShape {
  version: SpekeVersion;
  drmSystems: DrmSystemName[];
  videoPreset?: VideoPreset;
  audioPreset?: AudioPreset;
  /** DER certificate for encrypted key delivery. */
  deliveryCertificate?: Buffer;
}

/** CPIX commonEncryptionScheme for an engine scheme (HLS TS SAMPLE-AES and AES-128 use CBC keys). */
export function cpixScheme(s: ProtectionScheme): 'cenc' | 'cbcs' | 'cens' | 'cbc1' {
  return s === 'aes-128' || s === 'sample-aes' ? 'cbcs' : s;
}

/** The request document: keys (with the encryptor's KIDs), per-system placeholders, contract, period. */
export function buildSpekeRequest(req: KeyRequest, shape: RequestShape): RequestPlan {
  const groups = keyGroups(req, shape);
  if (groups.length === 0) throw new UsageError('ERR_SPEKE_NOTHING', 'the encryption contract leaves every track unencrypted: nothing to request', { where: 'preset' });
  const kids = groups.map((_g, i) => (req.kids && req.kids[i] ? parseHex16(req.kids[i]!, 'KID') : randomBytes(16)));
  const scheme = cpixScheme(req.scheme);
  const doc: CpixDocument = { deliveryData: [], contentKeys: [], drmSystems: [], periods: [], usageRules: [] };
  if (shape.version === 2) { doc.contentId = req.contentId; doc.version = '2.3'; } else doc.id = req.contentId;
  if (shape.deliveryCertificate) doc.deliveryData.push({ id: 'segcrypt', certificate: shape.deliveryCertificate });
  const period: KeyPeriod | undefined = req.period;
  if (period) doc.periods.push({ id: period.id, index: period.index ?? 0 });
  const tracksByKid = new Map<string, TrackType[]>();
  groups.forEach((tracks, i) => {
    const kid = kids[i]!;
    tracksByKid.set(kid.toString('hex'), tracks);
    doc.contentKeys.push(shape.version === 2 ? { kid, commonEncryptionScheme: scheme } : { kid });
    for (const name of req.drmSystems ?? shape.drmSystems) doc.drmSystems.push(placeholder(kid, name, shape.version));
    if (req.scheme === 'aes-128') doc.drmSystems.push(aes128Placeholder(kid, shape.version));
    if (shape.version === 2 || period) doc.usageRules.push(usageRule(kid, tracks, period, shape.version));
  });
  return { document: doc, tracksByKid };
}

function keyGroups(req: KeyRequest, shape: RequestShape): TrackType[][] {
  if (shape.version === 1) return [req.trackTypes.length > 0 ? req.trackTypes : ['video', 'audio']];
  const video = req.trackTypes.includes('video') ? shape.videoPreset ?? 'PRESET-VIDEO-1' : 'UNENCRYPTED';
  const audio = req.trackTypes.includes('audio') ? shape.audioPreset ?? 'PRESET-AUDIO-1' : 'UNENCRYPTED';
  if (video === 'SHARED' || audio === 'SHARED') {
    const shared: TrackType[] = [];
    if (video !== 'UNENCRYPTED') shared.push('video');
    if (audio !== 'UNENCRYPTED') shared.push('audio');
    return shared.length > 0 ? [shared] : [];
  }
  const out: TrackType[][] = [];
  if (video === 'PRESET-VIDEO-1') out.push(['video']);
  if (audio === 'PRESET-AUDIO-1') out.push(['audio']);
  return out;
}

function usageRule(kid: Buffer, tracks: TrackType[], period: KeyPeriod | undefined, version: SpekeVersion): CpixUsageRule {
  const both = tracks.includes('video') && tracks.includes('audio');
  const rule: CpixUsageRule = { kid, periodIds: period ? [period.id] : [], videoFilters: [], audioFilters: [] };
  if (version === 2) {
    rule.intendedTrackType = both ? 'ALL' : tracks[0] === 'video' ? 'VIDEO' : 'AUDIO';
    if (tracks.includes('video')) rule.videoFilters.push({});
    if (tracks.includes('audio')) rule.audioFilters.push({});
  }
  return rule;
}

/** Empty elements asking the key server for each system's signaling (SPEKE v1 or v2 vocabulary). */
function placeholder(kid: Buffer, name: DrmSystemName, version: SpekeVersion): CpixDrmSystem {
  const d: CpixDrmSystem = { kid, systemId: SYSTEM_IDS[name] };
  if (version === 1) {
    if (name === 'fairplay') { d.uriExtXKey = ''; d.keyFormat = ''; d.keyFormatVersions = ''; return d; }
    d.pssh = '';
    if (name === 'playready') d.protectionHeader = '';
    return d;
  }
  if (name !== 'fairplay') { d.pssh = ''; d.contentProtectionData = ''; }
  d.hlsSignalingDataMedia = '';
  d.hlsSignalingDataMaster = '';
  if (name === 'playready') d.smoothStreamingProtectionHeaderData = '';
  return d;
}

function aes128Placeholder(kid: Buffer, version: SpekeVersion): CpixDrmSystem {
  // SPEKE v2 names ClearKey AES-128 3ea8778f-...; 81376844-... is v1's (AWS's reference server refuses it in v2).
  const d: CpixDrmSystem = { kid, systemId: hlsAes128SystemId(version) };
  if (version === 1) { d.uriExtXKey = ''; d.keyFormat = ''; d.keyFormatVersions = ''; } else { d.hlsSignalingDataMedia = ''; d.hlsSignalingDataMaster = ''; }
  return d;
}
