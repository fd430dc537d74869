/**
 * The SPEKE v2.0 encryption-contract presets AWS Elemental MediaPackage and MediaConvert offer
 * (their "SPEKE v2.0 presets" pages): which keys a preset asks for, by
 * `ContentKeyUsageRule@intendedTrackType`, and the track filter each key carries.
 *
 * Resolution classes split at 1024x576 (SD), 1280x720 (HD1), 1920x1080 (HD / HD2) and 4096x2160
 * (UHD1), counted in pixels (width x height), inclusive upper bounds; audio at 2 channels
 * (stereo), 3..6 and 7 or more. The pixel bounds are the ones AWS's SPEKE v2 verification
 * suite sends.
 */

export interface PixelBounds { minPixels?: number; maxPixels?: number }
export interface ChannelBounds { minChannels?: number; maxChannels?: number }

/** One key of a contract: its name and the filter a track must pass to use it. */
export interface ContractKey {
  intendedTrackType: string;
  /** Set for video keys (an empty object: every video track). */
  video?: PixelBounds;
  /** Set for audio keys (an empty object: every audio track). */
  audio?: ChannelBounds;
}

export type VideoPresetName = `PRESET-VIDEO-${1 | 2 | 3 | 4 | 5 | 6 | 7 | 8}` | 'SHARED' | 'UNENCRYPTED';
export type AudioPresetName = `PRESET-AUDIO-${1 | 2 | 3}` | 'SHARED' | 'UNENCRYPTED';

const SD_MAX = 1024 * 576; // 589 824
const HD1_MAX = 1280 * 720; // 921 600
const HD_MAX = 1920 * 1080; // 2 073 600
const UHD1_MAX = 4096 * 2160; // 8 847 360

const v = (intendedTrackType: string, video: PixelBounds): ContractKey => ({ intendedTrackType, video });
const a = (intendedTrackType: string, audio: ChannelBounds): ContractKey => ({ intendedTrackType, audio });

const SD = v('SD', { maxPixels: SD_MAX });
const HD_UP = v('HD', { minPixels: SD_MAX + 1 });
const HD = v('HD', { minPixels: SD_MAX + 1, maxPixels: HD_MAX });
const HD1 = v('HD1', { minPixels: SD_MAX + 1, maxPixels: HD1_MAX });
const HD2 = v('HD2', { minPixels: HD1_MAX + 1, maxPixels: HD_MAX });
const SD_HD1 = v('SD+HD1', { maxPixels: HD1_MAX });
const UHD = v('UHD', { minPixels: HD_MAX + 1 });
const UHD1 = v('UHD1', { minPixels: HD_MAX + 1, maxPixels: UHD1_MAX });
const UHD2 = v('UHD2', { minPixels: UHD1_MAX + 1 });

export const VIDEO_PRESETS: Readonly<Record<Exclude<VideoPresetName, 'SHARED' | 'UNENCRYPTED'>, readonly ContractKey[]>> = {
  'PRESET-VIDEO-1': [v('VIDEO', {})],
  'PRESET-VIDEO-2': [SD, HD_UP],
  'PRESET-VIDEO-3': [SD, HD, UHD],
  'PRESET-VIDEO-4': [SD, HD, UHD1, UHD2],
  'PRESET-VIDEO-5': [SD, HD1, HD2, UHD1, UHD2],
  'PRESET-VIDEO-6': [SD, HD1, HD2, UHD],
  'PRESET-VIDEO-7': [SD_HD1, HD2, UHD],
  'PRESET-VIDEO-8': [SD_HD1, HD2, UHD1, UHD2],
};

export const AUDIO_PRESETS: Readonly<Record<Exclude<AudioPresetName, 'SHARED' | 'UNENCRYPTED'>, readonly ContractKey[]>> = {
  'PRESET-AUDIO-1': [a('AUDIO', {})],
  'PRESET-AUDIO-2': [a('STEREO_AUDIO', { maxChannels: 2 }), a('MULTICHANNEL_AUDIO', { minChannels: 3 })],
  'PRESET-AUDIO-3': [a('STEREO_AUDIO', { maxChannels: 2 }), a('MULTICHANNEL_AUDIO_3_6', { minChannels: 3, maxChannels: 6 }), a('MULTICHANNEL_AUDIO_7', { minChannels: 7 })],
};

/** SHARED + SHARED: one key for every track, `ALL` with an empty VideoFilter and AudioFilter. */
export const SHARED_KEY: ContractKey = { intendedTrackType: 'ALL', video: {}, audio: {} };

export const VIDEO_TRACK_TYPES: ReadonlySet<string> = new Set(Object.values(VIDEO_PRESETS).flat().map((k) => k.intendedTrackType));
export const AUDIO_TRACK_TYPES: ReadonlySet<string> = new Set(Object.values(AUDIO_PRESETS).flat().map((k) => k.intendedTrackType));

/**
 * The keys a (video, audio) preset pair asks for, or the reason the pair is not allowed: SHARED
 * only with SHARED, never UNENCRYPTED twice, never UNENCRYPTED with SHARED.
 */
export function contractKeys(video: VideoPresetName, audio: AudioPresetName): ContractKey[] | string {
  if (video === 'SHARED' && audio === 'SHARED') return [SHARED_KEY];
  if (video === 'SHARED' || audio === 'SHARED') return 'SHARED must be the preset of both video and audio';
  if (video === 'UNENCRYPTED' && audio === 'UNENCRYPTED') return 'video and audio cannot both be UNENCRYPTED';
  const vk = video === 'UNENCRYPTED' ? [] : VIDEO_PRESETS[video];
  const ak = audio === 'UNENCRYPTED' ? [] : AUDIO_PRESETS[audio];
  if (!vk || !ak) return `unknown preset ${vk ? audio : video}`;
  return [...vk, ...ak];
}

/** The preset whose key names are exactly these (in any order); UNENCRYPTED for none. */
export function videoPresetOf(names: readonly string[]): VideoPresetName | undefined {
  if (names.length === 0) return 'UNENCRYPTED';
  return (Object.keys(VIDEO_PRESETS) as (keyof typeof VIDEO_PRESETS)[]).find((p) => sameNames(VIDEO_PRESETS[p], names));
}

export function audioPresetOf(names: readonly string[]): AudioPresetName | undefined {
  if (names.length === 0) return 'UNENCRYPTED';
  return (Object.keys(AUDIO_PRESETS) as (keyof typeof AUDIO_PRESETS)[]).find((p) => sameNames(AUDIO_PRESETS[p], names));
}

function sameNames(keys: readonly ContractKey[], names: readonly string[]): boolean {
  return keys.length === names.length && keys.every((k) => names.includes(k.intendedTrackType));
}
