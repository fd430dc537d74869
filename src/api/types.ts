import type { DrmSignal, KeyProvider, KeySet, ProtectionScheme, TrackType } from '../keys/content-key.js';

export interface EncryptOptions {
  scheme: ProtectionScheme;
  keys: KeyProvider | KeySet;
  /** Content id sent to a key provider; defaults to the input file name. */
  contentId?: string;
  /**
   * Base per-sample IV (8 or 16 bytes) for cenc/cens/cbc1, or the constant IV (16 bytes) for
   * cbcs. Random when absent. With cenc/cens never reuse a (key, base IV) pair for other content.
   */
  iv?: Buffer;
  /**
   * Keeps IVs apart between runs that share a key and a base IV (e.g. the renditions of one
   * package): the per-sample IV counter's top byte is streamIndex + track index (0..255).
   */
  streamIndex?: number;
  /** Per-sample IV size for cenc/cens/cbc1 (default 8). */
  ivSize?: 8 | 16;
  /** Worker threads; 0 = encrypt in the calling thread. Default: in-thread, or up to 4 workers for inputs of 256 MB and more on machines with more than 2 cores. */
  poolSize?: number;
  /**
   * Seconds at the start left unencrypted: fragments starting before it stay clear and use a
   * clear copy of the sample entry (tfhd sample_description_index), as Shaka Packager does.
   */
  clearLead?: number;
  /**
   * MPEG-TS only: the EXT-X-KEY URI (result.extXKey). An `skd://` URI gets FairPlay's KEYFORMAT.
   * Default: the key server's URI, else `key.bin` (AES-128, a placeholder) or `skd://<KID as UUID>`
   * (SAMPLE-AES).
   */
  keyUri?: string;
  /** MPEG-TS only: the media sequence number, giving the IV when none is set (RFC 8216 §5.2). Default 0. */
  sequenceNumber?: number;
  /**
   * fMP4 only: add a `sidx` after the moov of an input that has none (one reference per fragment,
   * indexing the first video track, else the first track). Default false: the output keeps the
   * input's box layout, as Bento4's mp4encrypt does. ffmpeg 5.1 needs it to decrypt a
   * multi-fragment file it reads directly (README, compatibility matrix). An input's own sidx is
   * always kept and patched.
   */
  sidx?: boolean;
  /** Called after each fragment is written: bytes of input done, total input bytes. */
  onProgress?: (done: number, total: number) => void;
}

export interface EncryptedTrack {
  trackId: number;
  type: TrackType;
  codec: string;
  /** KID, 32 lowercase hex digits. */
  kid: string;
}

/** A track written as it was (its sample entries and samples untouched). */
export interface ClearTrack {
  trackId: number;
  /** hdlr handler_type: `text`, `subt`, `sbtl`, `meta`, `vide`, `soun`... */
  handler: string;
  /** First sample entry 4cc: `wvtt`, `stpp`, `tx3g`... */
  codec: string;
  reason: 'text' | 'not video or audio' | 'encryption contract';
}

export interface EncryptResult {
  container: 'fmp4' | 'ts';
  scheme: ProtectionScheme;
  tracks: EncryptedTrack[];
  kids: string[];
  pssh: Buffer[];
  drm: DrmSignal[];
  bytesIn: number;
  bytesOut: number;
  fragments: number;
  /** fMP4: tracks left clear and copied untouched (text and other non-audio/video tracks, tracks the contract leaves clear). */
  clearTracks?: ClearTrack[];
  /** fMP4: whether a sidx was added (`sidx: true` and the input had none). */
  sidxAdded?: boolean;
  /** Manifest signaling for these keys (signaling/encryptSignaling): DASH ContentProtection XML, HLS key lines. */
  signaling?: { dash: string; hls: { media: string[]; master: string[] } };
}
