/**
 * SPEKE v2 encryption contracts: the video and audio presets AWS Elemental services send (AWS
 * MediaPackage / MediaConvert "SPEKE v2.0 presets"). Each preset is a list of keys, each named
 * by ContentKeyUsageRule@intendedTrackType with the VideoFilter / AudioFilter bounds below.
 * Resolution classes split at 1024x576 (SD), 1280x720 (HD1), 1920x1080 (HD) and 4096x2160
 * (UHD1), counted in pixels; audio at 2 channels (stereo) and 6 (3-6 multichannel).
 */
import { UsageError } from '../../errors.js';
import type { TrackType } from '../content-key.js';

export const VIDEO_PRESETS = ['PRESET-VIDEO-1', 'PRESET-VIDEO-2', 'PRESET-VIDEO-3', 'PRESET-VIDEO-4', 'PRESET-VIDEO-5', 'PRESET-VIDEO-6', 'PRESET-VIDEO-7', 'PRESET-VIDEO-8', 'SHARED', 'UNENCRYPTED'] as const;
export const AUDIO_PRESETS = ['PRESET-AUDIO-1', 'PRESET-AUDIO-2', 'PRESET-AUDIO-3', 'SHARED', 'UNENCRYPTED'] as const;
export type VideoPreset = typeof VIDEO_PRESETS[number];
export type AudioPreset = typeof AUDIO_PRESETS[number];

/** One key a contract asks for. */
export interface ContractKey {
  intendedTrackType: string;
  tracks: TrackType[];
  video?: { minPixels?: number; maxPixels?: number };
  audio?: { minChannels?: number; maxChannels?: number };
}

const SD_MAX = 1024 * 576;
const HD1_MAX = 1280 * 720;
const HD_MAX = 1920 * 1080;
const UHD1_MAX = 4096 * 2160;

const v = (name: string, minPixels?: number, maxPixels?: number): ContractKey => ({
  intendedTrackType: name, tracks: ['video'],
  video: { ...(minPixels !== undefined ? { minPixels } : {}), ...(maxPixels !== undefined ? { maxPixels } : {}) },
});
const a = (name: string, minChannels?: number, maxChannels?: number): ContractKey => ({
  intendedTrackType: name, tracks: ['audio'],
  audio: { ...(minChannels !== undefined ? { minChannels } : {}), ...(maxChannels !== undefined ? { maxChannels } : {}) },
});

const SD = v('SD', undefined, SD_MAX);
const HD = v('HD', SD_MAX + 1, HD_MAX);
const HD1 = v('HD1', SD_MAX + 1, HD1_MAX);
const HD2 = v('HD2', HD1_MAX + 1, HD_MAX);
const UHD = v('UHD', HD_MAX + 1);
const UHD1 = v('UHD1', HD_MAX + 1, UHD1_MAX);
const UHD2 = v('UHD2', UHD1_MAX + 1);
const SD_HD1 = v('SD+HD1', undefined, HD1_MAX);

const VIDEO_KEYS: Record<Exclude<VideoPreset, 'SHARED' | 'UNENCRYPTED'>, ContractKey[]> = {
  'PRESET-VIDEO-1': [v('VIDEO')],
  'PRESET-VIDEO-2': [SD, v('HD', SD_MAX + 1)],
  'PRESET-VIDEO-3': [SD, HD, UHD],
  'PRESET-VIDEO-4': [SD, HD, UHD1, UHD2],
  'PRESET-VIDEO-5': [SD, HD1, HD2, UHD1, UHD2],
  'PRESET-VIDEO-6': [SD, HD1, HD2, UHD],
  'PRESET-VIDEO-7': [SD_HD1, HD2, UHD],
  'PRESET-VIDEO-8': [SD_HD1, HD2, UHD1, UHD2],
};
const AUDIO_KEYS: Record<Exclude<AudioPreset, 'SHARED' | 'UNENCRYPTED'>, ContractKey[]> = {
  'PRESET-AUDIO-1': [a('AUDIO')],
  'PRESET-AUDIO-2': [a('STEREO_AUDIO', undefined, 2), a('MULTICHANNEL_AUDIO', 3)],
  'PRESET-AUDIO-3': [a('STEREO_AUDIO', undefined, 2), a('MULTICHANNEL_AUDIO_3_6', 3, 6), a('MULTICHANNEL_AUDIO_7', 7)],
};

export function parseVideoPreset(s: string, where = '--preset-video'): VideoPreset {
  const u = s.trim().toUpperCase().replace(/_/g, '-');
  if ((VIDEO_PRESETS as readonly string[]).includes(u)) return u as VideoPreset;
  throw new UsageError('ERR_PRESET', `unknown video preset "${s.slice(0, 30)}": use ${VIDEO_PRESETS.join(', ')}`, { where });
}

export function parseAudioPreset(s: string, where = '--preset-audio'): AudioPreset {
  const u = s.trim().toUpperCase().replace(/_/g, '-');
  if ((AUDIO_PRESETS as readonly string[]).includes(u)) return u as AudioPreset;
  throw new UsageError('ERR_PRESET', `unknown audio preset "${s.slice(0, 30)}": use ${AUDIO_PRESETS.join(', ')}`, { where });
}

/** The combinations AWS rules out: SHARED only with SHARED; not UNENCRYPTED twice; not UNENCRYPTED with SHARED. */
export function checkContract(video: VideoPreset, audio: AudioPreset): void {
  if ((video === 'SHARED') !== (audio === 'SHARED')) {
    throw new UsageError('ERR_PRESET_COMBINATION', `the SHARED preset must be chosen for both video and audio (got video ${video}, audio ${audio})`, { where: '--preset-video/--preset-audio' });
  }
  if (video === 'UNENCRYPTED' && audio === 'UNENCRYPTED') {
    throw new UsageError('ERR_PRESET_COMBINATION', 'UNENCRYPTED for both video and audio leaves nothing to encrypt', { where: '--preset-video/--preset-audio' });
  }
}

/**
 * The keys a contract asks for, given which track types the content has (a type it lacks asks
 * for no key). SHARED: one key, intendedTrackType ALL, for both types.
 */
export function contractKeys(video: VideoPreset, audio: AudioPreset, present: TrackType[]): ContractKey[] {
  checkContract(video, audio);
  const hasVideo = present.includes('video');
  const hasAudio = present.includes('audio');
  if (video === 'SHARED') {
    const tracks: TrackType[] = [];
    if (hasVideo) tracks.push('video');
    if (hasAudio) tracks.push('audio');
    return tracks.length === 0 ? [] : [{ intendedTrackType: 'ALL', tracks: ['video', 'audio'], video: {}, audio: {} }];
  }
  const out: ContractKey[] = [];
  if (hasVideo && video !== 'UNENCRYPTED') out.push(...VIDEO_KEYS[video]);
  if (hasAudio && audio !== 'UNENCRYPTED' && audio !== 'SHARED') out.push(...AUDIO_KEYS[audio]);
  return out;
}

/** Track types a contract leaves clear. */
export function clearTypes(video: VideoPreset, audio: AudioPreset): TrackType[] {
  const out: TrackType[] = [];
  if (video === 'UNENCRYPTED') out.push('video');
  if (audio === 'UNENCRYPTED') out.push('audio');
  return out;
}
