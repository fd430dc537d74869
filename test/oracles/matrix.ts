/**
 * Which oracle decrypts which scheme x codec correctly on this machine (Debian ffmpeg 5.1,
 * Shaka Packager 3.4.2), as established by test/oracles/oracle-matrix.test.ts on Shaka's own
 * encrypted output. Golden tests use this to pick their decryptors; the matrix test fails if an
 * entry stops being true (either way), so the README table cannot drift from the tools.
 */
import path from 'node:path';
import { SAMPLES } from './run-tool.js';
import type { CencScheme } from './shaka.js';

export const SCHEMES: readonly CencScheme[] = ['cenc', 'cbcs', 'cens', 'cbc1'];

export type Codec = 'avc' | 'hevc' | 'aac' | 'ac3' | 'eac3' | 'av1' | 'vp9';

export interface SampleMedia {
  /** Name of the file under samples/media without `.mp4`. */
  name: string;
  file: string;
  /** One entry per track, in track order. */
  tracks: Array<{ type: 'video' | 'audio'; codec: Codec }>;
}

export const SAMPLES_MEDIA_DIR = path.join(SAMPLES, 'media');

const media = (name: string, tracks: SampleMedia['tracks']): SampleMedia =>
  ({ name, file: path.join(SAMPLES_MEDIA_DIR, `${name}.mp4`), tracks });

export const SAMPLE_MEDIA: readonly SampleMedia[] = [
  media('avc', [{ type: 'video', codec: 'avc' }]),
  media('avc-slices', [{ type: 'video', codec: 'avc' }]),
  media('hevc', [{ type: 'video', codec: 'hevc' }]),
  media('aac', [{ type: 'audio', codec: 'aac' }]),
  media('ac3', [{ type: 'audio', codec: 'ac3' }]),
  media('eac3', [{ type: 'audio', codec: 'eac3' }]),
  media('muxed', [{ type: 'video', codec: 'avc' }, { type: 'audio', codec: 'aac' }]),
];

/**
 * ffmpeg 5.1's mov demuxer decrypts cenc, cbcs, cens and cbc1 — except cens on AAC, where it
 * gets the trailing partial block of a full-sample-encrypted frame wrong (decoded audio differs
 * from the source). AC-3/E-AC-3 frames here are 384 bytes, a whole number of AES blocks, so the
 * bug does not show on them.
 */
export function ffmpegDecrypts(scheme: CencScheme, codec: Codec): boolean {
  return !(scheme === 'cens' && codec === 'aac');
}

/** Shaka Packager's raw-key decryption handles every scheme and codec we make. */
export function shakaDecrypts(_scheme: CencScheme, _codec: Codec): boolean {
  return true;
}

/** A fixed test key pair and a wrong key with the same KID (for the negative twins). */
export const TEST_KEYS = {
  video: { kid: Buffer.from('00112233445566778899aabbccddeeff', 'hex'), key: Buffer.from('0123456789abcdef0123456789abcdef', 'hex') },
  audio: { kid: Buffer.from('a0a1a2a3a4a5a6a7a8a9aaabacadaeaf', 'hex'), key: Buffer.from('fedcba9876543210fedcba9876543210', 'hex') },
  wrong: Buffer.from('ffeeddccbbaa99887766554433221100', 'hex'),
} as const;

/** IVs that suit each scheme: 8 bytes for the CTR schemes, 16 for the CBC ones. */
export function testIv(scheme: CencScheme): Buffer {
  return scheme === 'cenc' || scheme === 'cens'
    ? Buffer.from('0102030405060708', 'hex')
    : Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
}
