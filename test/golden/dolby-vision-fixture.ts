/**
 * Test fixture builder: a Dolby Vision-*signaled* fragmented MP4 made from a clear HEVC (or AVC)
 * one, since no encoder here writes Dolby Vision. The first sample entry is renamed to
 * dvh1/dvhe (HEVC base layer) or dva1/dvav (AVC base layer) and gets a `dvcC`
 * DOVIDecoderConfigurationRecord (Dolby Vision Streams Within the ISO Base Media File Format,
 * v2.x, 3.1-3.2) for a single-layer profile with an SDR-compatible base layer (profile 8 over HEVC,
 * 9 over AVC, compatibility id 2); every enclosing box grows by its size. The samples are the
 * source's (no RPU NAL units), so a decoder that maps dvh1/dva1 to HEVC/AVC (ffmpeg 5.1) decodes
 * the same frames. The trailing mfra is dropped: its tfra offsets would be stale.
 * Boxes are located with mp4box.js, not with segcrypt's own parser.
 */
import { createFile, MP4BoxBuffer } from 'mp4box';

export type DolbyVisionEntry = 'dvh1' | 'dvhe' | 'dva1' | 'dvav';

interface RawBox { type: string; start: number; size: number; boxes?: RawBox[]; entries?: RawBox[] }

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
  const ab = src.buffer.slice(src.byteOffset, src.byteOffset + src.byteLength) as ArrayBuffer;
  const file = createFile(true);
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(ab, 0));
  file.flush();
  const top = file.boxes as unknown as RawBox[];
  const find = (b: RawBox | undefined, t: string) => b?.boxes?.find((c) => c.type === t);
  const moov = top.find((b) => b.type === 'moov');
  const trak = find(moov, 'trak');
  const mdia = find(trak, 'mdia');
  const minf = find(mdia, 'minf');
  const stbl = find(minf, 'stbl');
  const stsd = find(stbl, 'stsd');
  const entry = stsd?.entries?.[0];
  if (!moov || !trak || !mdia || !minf || !stbl || !stsd || !entry) throw new Error('dolbyVisionFixture: no moov/trak/.../stsd sample entry');
  const hevc = type === 'dvh1' || type === 'dvhe';
  if (hevc !== (entry.type === 'hvc1' || entry.type === 'hev1')) throw new Error(`dolbyVisionFixture: ${type} needs an ${hevc ? 'HEVC' : 'AVC'} source, got ${entry.type}`);
  // 720p at 25 fps is level 2 (Dolby Vision Profiles and Levels, Table 3).
  const dvcC = dvcCBox(hevc ? 8 : 9, 2, 2);
  const mfra = top.find((b) => b.type === 'mfra');
  const body = mfra ? src.subarray(0, mfra.start) : src;
  const at = entry.start + entry.size;
  const out = Buffer.concat([body.subarray(0, at), dvcC, body.subarray(at)]);
  for (const b of [moov, trak, mdia, minf, stbl, stsd, entry]) out.writeUInt32BE(b.size + dvcC.length, b.start);
  out.write(type, entry.start + 4, 'latin1');
  return { bytes: out, dvcC };
}
