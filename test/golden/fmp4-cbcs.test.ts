/**
 * Golden decryption tests, scheme cbcs: every sample in samples/media encrypted by encryptFile,
 * checked by mp4box.js, against Shaka Packager's reference layout, and decrypted by ffmpeg and
 * Shaka Packager to the exact clear frames (see fmp4-golden.ts and the README matrix).
 */
import t from 'tap';
import { SAMPLE_MEDIA } from '../oracles/matrix.js';
import { goldenFmp4Case } from './fmp4-golden.js';

for (const media of SAMPLE_MEDIA) {
  t.test(`cbcs ${media.name}`, (t) => goldenFmp4Case(t, media, 'cbcs'));
}
