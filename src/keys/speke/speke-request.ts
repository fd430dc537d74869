import { randomBytes } from 'node:crypto';
import type { DrmSystemName, KeyPeriod, KeyRequest, ProtectionScheme, TrackType } from '../content-key.js';
import type { CpixDocument, CpixDrmSystem, CpixUsageRule } from '../cpix/cpix-model.js';
import { HLS_AES128_SYSTEM_ID_V1, hlsAes128SystemId, SYSTEM_IDS } from '../drm/system-ids.js';
import { clearTypes, contractKeys, type AudioPreset, type ContractKey, type VideoPreset } from './presets.js';
import { UsageError } from '../../errors.js';
import { parseHex16 } from '../static-keys.js';

export type SpekeVersion = 1 | 2;

/** HLS AES-128 "system" of the SPEKE v1 examples (v2 names ClearKey AES-128 3ea8778f-...; see drm/system-ids). */
export const HLS_AES128_SYSTEM_ID = HLS_AES128_SYSTEM_ID_V1;

export type { VideoPreset, AudioPreset } from './presets.js';

export interface RequestPlan {
  document: CpixDocument;
  /** What each requested key is for, by KID hex. */
  tracksByKid: Map<string, TrackType[]>;
  /** The contract key each KID was asked as (SPEKE v2), by KID hex. */
  contractByKid: Map<string, ContractKey>;
  /** Track types the contract leaves clear. */
  clearTrackTypes: TrackType[];
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
  const contractByKid = new Map<string, ContractKey>();
  groups.forEach((group, i) => {
    const kid = kids[i]!;
    tracksByKid.set(kid.toString('hex'), group.tracks);
    contractByKid.set(kid.toString('hex'), group);
    doc.contentKeys.push(shape.version === 2 ? { kid, commonEncryptionScheme: scheme } : { kid });
    for (const name of req.drmSystems ?? shape.drmSystems) doc.drmSystems.push(placeholder(kid, name, shape.version));
    if (req.scheme === 'aes-128') doc.drmSystems.push(aes128Placeholder(kid, shape.version));
    if (shape.version === 2 || period) doc.usageRules.push(usageRule(kid, group, period, shape.version));
  });
  const clearTrackTypes = shape.version === 2 ? clearTypes(shape.videoPreset ?? 'PRESET-VIDEO-1', shape.audioPreset ?? 'PRESET-AUDIO-1') : [];
  return { document: doc, tracksByKid, contractByKid, clearTrackTypes };
}

/** v1: one key for every track. v2: exactly the contract's keys for the track types present. */
function keyGroups(req: KeyRequest, shape: RequestShape): ContractKey[] {
  const present: TrackType[] = req.trackTypes.length > 0 ? req.trackTypes : ['video', 'audio'];
  if (shape.version === 1) return [{ intendedTrackType: 'ALL', tracks: present }];
  return contractKeys(shape.videoPreset ?? 'PRESET-VIDEO-1', shape.audioPreset ?? 'PRESET-AUDIO-1', present);
}

function usageRule(kid: Buffer, group: ContractKey, period: KeyPeriod | undefined, version: SpekeVersion): CpixUsageRule {
  const rule: CpixUsageRule = { kid, periodIds: period ? [period.id] : [], videoFilters: [], audioFilters: [] };
  if (version === 2) {
    rule.intendedTrackType = group.intendedTrackType;
    if (group.video) rule.videoFilters.push({ ...group.video });
    if (group.audio) rule.audioFilters.push({ ...group.audio });
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
  const d: CpixDrmSystem = { kid, systemId: hlsAes128SystemId(version) };
  if (version === 1) { d.uriExtXKey = ''; d.keyFormat = ''; d.keyFormatVersions = ''; } else { d.hlsSignalingDataMedia = ''; d.hlsSignalingDataMaster = ''; }
  return d;
}
