/**
 * The key model shared by providers, the engines and signaling. Plain data, no behaviour.
 * `keys` knows nothing of media: track types are the only media word it uses.
 */
export type TrackType = 'video' | 'audio';

/** Common Encryption schemes (ISO/IEC 23001-7) and the two HLS TS methods. */
export type ProtectionScheme = 'cenc' | 'cbcs' | 'cens' | 'cbc1' | 'aes-128' | 'sample-aes';

export type DrmSystemName = 'widevine' | 'playready' | 'fairplay' | 'clearkey' | 'common' | 'irdeto';

export interface ContentKey {
  /** 16-byte key ID. */
  kid: Buffer;
  /** 16-byte AES-128 content key. Never logged. */
  key: Buffer;
  /** Explicit IV (8 or 16 bytes) when the key server or caller fixed one. */
  iv?: Buffer;
  /** Track types this key protects; undefined = every track. */
  trackTypes?: TrackType[];
  /** Key period id (rotation); undefined = the whole presentation. */
  period?: string;
  /**
   * Which tracks of its types the key is for (SPEKE v2 / CPIX usage rules as the server returned
   * them): a track matches when one filter of its type bounds it; no filter of a type = every
   * track of that type (see key-selection.ts).
   */
  filters?: TrackFilter[];
  /** ContentKeyUsageRule@intendedTrackType as returned (SD, HD, STEREO_AUDIO, ...), for messages and reports. */
  intendedTrackType?: string;
}

/**
 * A usage-rule filter (CPIX 2.3 VideoFilter / AudioFilter): inclusive bounds on a video track's
 * pixel count (width x height) or an audio track's channel count; absent bound = unbounded.
 */
export interface TrackFilter {
  type: TrackType;
  minPixels?: number;
  maxPixels?: number;
  minChannels?: number;
  maxChannels?: number;
}

/**
 * What key selection knows of a track: its type, and the size or channel count the usage rules
 * choose by. `name` says which track in messages ("track 2", "video/720p/init.mp4").
 */
export interface TrackClass {
  type: TrackType;
  width?: number;
  height?: number;
  channels?: number;
  name?: string;
}

/**
 * What a key server returned for one DRM system and one KID; handed to the engine (pssh) and
 * to signaling (everything else) unchanged.
 */
export interface DrmSignal {
  /** DRM system id, lowercase UUID with dashes. */
  systemId: string;
  kid: Buffer;
  /** A complete `pssh` box, ready to place in `moov`. */
  pssh?: Buffer;
  /** DASH ContentProtection child elements as XML text, as the server returned them. */
  contentProtectionData?: string;
  /** HLS EXT-X-KEY URI. */
  uriExtXKey?: string;
  keyFormat?: string;
  keyFormatVersions?: string;
  /** Full EXT-X-SESSION-KEY line(s) for the master playlist. */
  hlsSignalingDataMaster?: string;
  /** Full EXT-X-KEY line(s) for the media playlist. */
  hlsSignalingDataMedia?: string;
  smoothStreamingProtectionHeaderData?: string;
}

export interface KeyPeriod {
  id: string;
  index?: number;
  start?: string;
  end?: string;
}

export interface KeySet {
  keys: ContentKey[];
  drm: DrmSignal[];
  periods?: KeyPeriod[];
  /**
   * Track types the encryption contract leaves clear (SPEKE v2 UNENCRYPTED preset): their tracks
   * stay unencrypted, sample entries untouched, instead of failing for want of a key.
   */
  clearTrackTypes?: TrackType[];
}

export interface KeyRequest {
  contentId: string;
  trackTypes: TrackType[];
  scheme: ProtectionScheme;
  drmSystems?: DrmSystemName[];
  /** KIDs to ask for (hex); when absent the provider/server chooses. */
  kids?: string[];
  /** Key period (rotation); absent = the whole presentation. */
  period?: KeyPeriod;
}

/** One interface for static keys, CPIX files and SPEKE servers. */
export interface KeyProvider {
  getKeys(request: KeyRequest): Promise<KeySet>;
}

/** The key for a track type: an exact match first, then a key for every track. */
export function keyForTrack(set: KeySet, trackType: TrackType, period?: string): ContentKey | undefined {
  const inPeriod = set.keys.filter((k) => k.period === period || (period === undefined) || k.period === undefined);
  return inPeriod.find((k) => k.trackTypes?.includes(trackType)) ?? inPeriod.find((k) => !k.trackTypes || k.trackTypes.length === 0);
}
