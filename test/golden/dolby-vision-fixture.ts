/**
 * Test fixture builder: a Dolby Vision-*signaled* fragmented MP4 made from a clear HEVC (or AVC)
 * one, since no encoder here writes Dolby Vision. The first sample entry is renamed to
 * dvh1/dvhe (HEVC base layer) or dva1/dvav (AVC base layer) and gets a `dvcC`
 * DOVIDecoderConfigurationRecord (Dolby Vision Streams Within the ISO Base Media File Format,
 * v2.x, 3.1-3.2) for a single-layer profile with an SDR-compatible base layer (profile 8 over HEVC,
 * 9 over AVC, compatibility id 2); every enclosing box grows by its size. The samples are the
 * source's (no RPU NAL units), so a decoder that maps dvh1/dva1 to HEVC/AVC (ffmpeg 5.1) decodes
 * the same frames (test/golden/sample-entry-fixture.ts grows the enclosing boxes).
 */
import { rewriteFirstSampleEntry } from './sample-entry-fixture.js';

export type DolbyVisionEntry = 'dvh1' | 'dvhe' | 'dva1' | 'dvav';

/** DOVIDecoderConfigurationRecord (24 bytes) in a `dvcC` box. */
export function dvcCBox(profile: number, level: number, compatibilityId: number): Buffer {
  const box = Buffer.alloc(8 + 24);
  box.writeUInt32BE(box.length, 0);
  box.write('dvcC', 4, 'latin1');
  box[8] = 1; // dv_version_major
  box[9] = 0; // dv_version_minor
  // dv_profile (7) | dv_level (6) | rpu_present (1) | el_present (1) | bl_present (1)
  box.writeUInt16BE((profile << 9) | (level << 3) | (1 << 2) | (0 << 1) | 1, 10);
  box[12] = compatibilityId << 4; // dv_bl_signal_compatibility_id (4) + reserved
  return box;
}

export function dolbyVisionFixture(src: Buffer, type: DolbyVisionEntry): { bytes: Buffer; dvcC: Buffer } {
  const hevc = type === 'dvh1' || type === 'dvhe';
  // 720p at 25 fps is level 2 (Dolby Vision Profiles and Levels, Table 3).
  const dvcC = dvcCBox(hevc ? 8 : 9, 2, 2);
  const bytes = rewriteFirstSampleEntry(src, (entry) => {
    const was = entry.toString('latin1', 4, 8);
    if (hevc !== (was === 'hvc1' || was === 'hev1')) throw new Error(`dolbyVisionFixture: ${type} needs an ${hevc ? 'HEVC' : 'AVC'} source, got ${was}`);
    const out = Buffer.concat([entry, dvcC]);
    out.write(type, 4, 'latin1');
    return out;
  });
  return { bytes, dvcC };
}
