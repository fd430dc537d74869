import { randomBytes } from 'node:crypto';
import { KeyError, UsageError } from '../errors.js';
import type { KeyProvider, KeySet, ProtectionScheme, TrackClass, TrackType } from '../keys/content-key.js';
import { chooseKey } from '../keys/key-selection.js';
import type { FragmentTrack, TrackEncryption, TrackInfo } from '../isobmff/index.js';
import type { CencScheme } from '../cenc/index.js';
import type { EncryptOptions, EncryptedTrack } from './types.js';

const CENC_SCHEMES = new Set<ProtectionScheme>(['cenc', 'cbcs', 'cens', 'cbc1']);

/**
 * Slice headers are measured from the parameter sets (src/cenc/*-slice-header.ts) and kept
 * clear, as 23001-7 10.4.2 requires for cbcs. Only when a slice header cannot be measured
 * (unknown parameter set, slice groups, multi-layer HEVC) do the pattern schemes fall back to
 * keeping this many bytes after the NAL header clear.
 */
const SLICE_HEADER_ALLOWANCE = 32;

export interface TrackPlan {
  info: TrackInfo;
  encryption: TrackEncryption;
  fragment: FragmentTrack;
  summary: EncryptedTrack;
}

export function checkScheme(scheme: unknown): CencScheme {
  if (typeof scheme !== 'string' || !CENC_SCHEMES.has(scheme as ProtectionScheme)) {
    throw new UsageError('ERR_SCHEME', `scheme must be one of cenc, cbcs, cens, cbc1 for MP4 input, got ${JSON.stringify(scheme)}`, { where: 'scheme' });
  }
  return scheme as CencScheme;
}

export function isKeyProvider(k: KeyProvider | KeySet): k is KeyProvider {
  return typeof (k as KeyProvider).getKeys === 'function';
}

export async function resolveKeys(keys: KeyProvider | KeySet | undefined, contentId: string, trackTypes: TrackType[], scheme: ProtectionScheme): Promise<KeySet> {
  if (!keys) throw new UsageError('ERR_NO_KEYS', 'options.keys is required (a KeyProvider or a KeySet)', { where: 'keys' });
  const set = isKeyProvider(keys) ? await keys.getKeys({ contentId, trackTypes, scheme }) : keys;
  if (!set || !Array.isArray(set.keys)) throw new KeyError('ERR_KEYS_SHAPE', 'the key provider returned no key list', { where: 'keys' });
  return set;
}

/** Decide, per track, key, KID, IVs and pattern. Pure apart from random IVs when none is given. */
export function planTracks(tracks: TrackInfo[], set: KeySet, scheme: CencScheme, options: Pick<EncryptOptions, 'iv' | 'ivSize' | 'clearLead' | 'streamIndex'> & { period?: string }): TrackPlan[] {
  const stream = options.streamIndex ?? 0;
  if (!Number.isInteger(stream) || stream < 0 || stream + tracks.length > 256) {
    throw new UsageError('ERR_STREAM_INDEX', `streamIndex must be an integer from 0 to ${256 - tracks.length}, got ${String(options.streamIndex)}`, { where: 'streamIndex' });
  }
  const clearLead = options.clearLead ?? 0;
  if (typeof clearLead !== 'number' || !Number.isFinite(clearLead) || clearLead < 0) {
    throw new UsageError('ERR_CLEAR_LEAD', `clearLead must be a number of seconds >= 0, got ${String(options.clearLead)}`, { where: 'clearLead' });
  }
  const ivSizeOpt = options.ivSize ?? (options.iv && options.iv.length === 16 && scheme !== 'cbcs' ? 16 : 8);
  if (ivSizeOpt !== 8 && ivSizeOpt !== 16) throw new UsageError('ERR_IV_FORMAT', `ivSize must be 8 or 16, got ${String(ivSizeOpt)}`, { where: 'ivSize' });
  if (options.iv !== undefined) {
    const n = options.iv.length;
    const ok = scheme === 'cbcs' ? n === 16 : n === ivSizeOpt;
    if (!ok) throw new UsageError('ERR_IV_FORMAT', `iv must be ${scheme === 'cbcs' ? 16 : ivSizeOpt} bytes for ${scheme}, got ${n}`, { where: 'iv' });
  }
  const plans: TrackPlan[] = [];
  tracks.forEach((info, ordinal) => {
    const choice = chooseKey(set, trackClassOf(info), options.period);
    // The contract leaves this track type clear (UNENCRYPTED): its sample entries stay as they are.
    if ('clear' in choice) return;
    const key = choice.key;
    if (!Buffer.isBuffer(key.key) || key.key.length !== 16) throw new UsageError('ERR_KEY_LENGTH', `the key for the ${info.type} track must be 16 bytes, got ${key.key?.length ?? 0}`, { where: 'key' });
    if (!Buffer.isBuffer(key.kid) || key.kid.length !== 16) throw new UsageError('ERR_KEY_LENGTH', `the KID for the ${info.type} track must be 16 bytes, got ${key.kid?.length ?? 0}`, { where: 'kid' });
    const video = info.type === 'video';
    const pattern = (scheme === 'cbcs' || scheme === 'cens') && video ? { crypt: 1, skip: 9 } : { crypt: 0, skip: 0 };
    let ivSize: 0 | 8 | 16;
    let iv: Buffer;
    if (scheme === 'cbcs') {
      ivSize = 0;
      iv = options.iv ?? (key.iv?.length === 16 ? key.iv : randomBytes(16));
    } else {
      ivSize = ivSizeOpt;
      iv = options.iv ?? (key.iv?.length === ivSize ? key.iv : randomBytes(ivSize));
    }
    const encryption: TrackEncryption = { scheme, kid: key.kid, ivSize, constantIv: ivSize === 0 ? iv : undefined, cryptByteBlock: pattern.crypt, skipByteBlock: pattern.skip };
    const fragment: FragmentTrack = {
      trackId: info.trackId, type: info.type, nal: info.nal, frames: info.frames, scheme, key: key.key,
      cryptByteBlock: pattern.crypt, skipByteBlock: pattern.skip, ivSize, iv, ordinal: stream + ordinal,
      sliceHeaderClear: scheme === 'cbcs' || scheme === 'cens' ? SLICE_HEADER_ALLOWANCE : 0,
    };
    if (clearLead > 0) {
      // Fragments starting before the lead end stay clear (as Shaka Packager's --clear_lead).
      fragment.clearBefore = Math.round(clearLead * info.timescale);
      fragment.clearEntryOffset = info.sampleEntryCount;
      fragment.defaultSampleDescriptionIndex = info.defaultSampleDescriptionIndex;
    }
    plans.push({ info, encryption, fragment, summary: { trackId: info.trackId, type: info.type, codec: info.codec, kid: key.kid.toString('hex') } });
  });
  if (plans.length === 0) {
    throw new KeyError('ERR_NOTHING_TO_ENCRYPT', `the encryption contract leaves every track of this input clear (${tracks.map((t) => t.type).join(', ')})`, { where: 'tracks' });
  }
  return plans;
}

/** What key selection needs of a track: type, picture size, channel count, and a name for messages. */
export function trackClassOf(info: TrackInfo): TrackClass {
  const c: TrackClass = { type: info.type, name: `track ${info.trackId}` };
  if (info.width && info.height) { c.width = info.width; c.height = info.height; }
  if (info.channels) c.channels = info.channels;
  return c;
}

/**
 * Key rotation: the fragment tracks of one key period, the plans' tracks with the period's key and
 * KID (written into each traf's seig group). IV bases stay the track's: the sequence number in
 * every per-sample IV keeps them apart, and a new key starts a new keystream anyway.
 */
export function periodTracks(plans: TrackPlan[], set: KeySet, periodId: string): FragmentTrack[] {
  return plans.map((p) => {
    const choice = chooseKey(set, trackClassOf(p.info), periodId);
    if ('clear' in choice) {
      throw new KeyError('ERR_NO_KEY_FOR_PERIOD', `track ${p.info.trackId} (${p.info.type}) is encrypted but the key source leaves it clear in key period ${periodId}`, { where: `track ${p.info.trackId} period ${periodId}` });
    }
    const k = choice.key;
    if (!Buffer.isBuffer(k.key) || k.key.length !== 16 || !Buffer.isBuffer(k.kid) || k.kid.length !== 16) {
      throw new UsageError('ERR_KEY_LENGTH', `the key of key period ${periodId} for the ${p.info.type} track must be 16 bytes with a 16-byte KID`, { where: `period ${periodId}` });
    }
    return { ...p.fragment, key: k.key, kid: k.kid };
  });
}
