import { MediaError } from '../errors.js';
import type { TrackType } from '../keys/content-key.js';
import type { FrameCodec, NalCodec } from '../cenc/index.js';
import { boxPlace, childBoxes, type Box } from './box.js';
import { audioChannels } from './audio-channels.js';

/** Sample entry 4ccs we know how to protect, and what their samples look like. */
const VIDEO: Record<string, { nal: NalCodec; config: string }> = {
  avc1: { nal: 'avc', config: 'avcC' },
  avc3: { nal: 'avc', config: 'avcC' },
  hvc1: { nal: 'hevc', config: 'hvcC' },
  hev1: { nal: 'hevc', config: 'hvcC' },
  // Dolby Vision over AVC/HEVC (ETSI TS 103 572 / Dolby's ISOBMFF spec): the base layer config box.
  dva1: { nal: 'avc', config: 'avcC' },
  dvav: { nal: 'avc', config: 'avcC' },
  dvh1: { nal: 'hevc', config: 'hvcC' },
  dvhe: { nal: 'hevc', config: 'hvcC' },
};
/** Video whose samples are frames rather than NAL units: AV1 (OBUs) and VP9, with their config box. */
const FRAME_VIDEO: Record<string, { codec: FrameCodec; config: string }> = {
  av01: { codec: 'av1', config: 'av1C' },
  vp09: { codec: 'vp9', config: 'vpcC' },
};
/** Full-sample audio (23001-7 10.x: no subsamples): AAC, AC-3, E-AC-3, Opus, FLAC. */
const AUDIO = new Set(['mp4a', 'ac-3', 'ec-3', 'Opus', 'fLaC']);
export const PROTECTED_ENTRIES = new Set(['encv', 'enca', 'encs', 'enct']);

export interface SampleEntryInfo {
  box: Box;
  codec: string;
  /** For NAL-structured video: codec, NAL length size and the avcC/hvcC body (parameter sets). */
  nal?: { codec: NalCodec; lengthSize: number; config: Buffer };
  /** For AV1 / VP9: the codec, its av1C / vpcC body and the picture size (subsample maps read frame headers). */
  frames?: FrameVideo;
  /** VisualSampleEntry width x height (ISO/IEC 14496-12 12.1.3). */
  width?: number;
  height?: number;
  /** Audio channels: the codec configuration's count where it has one, else AudioSampleEntry channelcount. */
  channels?: number;
}

export interface FrameVideo { codec: FrameCodec; config: Buffer; width: number; height: number }

/** Where the child boxes of a sample entry start (ISO/IEC 14496-12 12.1.3, 12.2.3). */
export function sampleEntryChildrenStart(buf: Buffer, entry: Box, type: TrackType): number {
  if (type === 'video') return entry.bodyStart + 78;
  // AudioSampleEntry; QuickTime sound description versions 1 and 2 carry 16 / 36 more bytes.
  const version = buf.readUInt16BE(entry.bodyStart + 8);
  return entry.bodyStart + 28 + (version === 1 ? 16 : version === 2 ? 36 : 0);
}

/** Read one sample entry of a `vide`/`soun` track; rejects protected and unknown codecs. */
export function readSampleEntry(buf: Buffer, entry: Box, type: TrackType): SampleEntryInfo {
  const where = boxPlace(entry);
  if (PROTECTED_ENTRIES.has(entry.type)) {
    throw new MediaError('ERR_ALREADY_ENCRYPTED', `the input is already encrypted: sample entry ${where} is ${entry.type}`, { where });
  }
  if (type === 'video') {
    const v = VIDEO[entry.type];
    const fv = FRAME_VIDEO[entry.type];
    const config = v?.config ?? fv?.config;
    if (!config) throw new MediaError('ERR_UNSUPPORTED_CODEC', `unsupported video codec "${entry.type}" (${where}); supported: ${[...Object.keys(VIDEO), ...Object.keys(FRAME_VIDEO)].join(', ')}`, { where });
    const children = childBoxes(buf, entry, sampleEntryChildrenStart(buf, entry, type));
    const cfg = children.find((c) => c.type === config);
    if (!cfg) throw new MediaError('ERR_BOX_MISSING', `sample entry ${where} has no ${config} box`, { where });
    const width = buf.readUInt16BE(entry.bodyStart + 24);
    const height = buf.readUInt16BE(entry.bodyStart + 26);
    const body = Buffer.from(buf.subarray(cfg.bodyStart, cfg.end));
    if (!v) return { box: entry, codec: entry.type, frames: { codec: fv!.codec, config: body, width, height }, width, height };
    // avcC: lengthSizeMinusOne in byte 4; hvcC: in byte 21 (ISO/IEC 14496-15 5.3.3, 8.3.3).
    const at = cfg.bodyStart + (v.nal === 'avc' ? 4 : 21);
    if (at >= cfg.end) throw new MediaError('ERR_BOX_TRUNCATED', `${boxPlace(cfg)} is too short`, { where: cfg.path });
    return {
      box: entry, codec: entry.type, nal: { codec: v.nal, lengthSize: (buf[at]! & 3) + 1, config: body },
      width, height,
    };
  }
  if (!AUDIO.has(entry.type)) {
    throw new MediaError('ERR_UNSUPPORTED_CODEC', `unsupported audio codec "${entry.type}" (${where}); supported: ${[...AUDIO].join(', ')}`, { where });
  }
  const info: SampleEntryInfo = { box: entry, codec: entry.type };
  const channels = audioChannels(buf, entry);
  if (channels) info.channels = channels;
  return info;
}
