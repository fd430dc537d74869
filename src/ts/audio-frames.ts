/**
 * Audio frame boundaries inside a PES payload: AAC ADTS (ISO/IEC 14496-3 §1.A.2) and AC-3 /
 * E-AC-3 syncframes (ETSI TS 102 366 §4.4.1, §E.1.2). Pure readers over one Buffer.
 */
import { MediaError } from '../errors.js';

export type AudioCodec = 'aac' | 'ac3' | 'eac3';

export interface AudioFrame {
  offset: number;
  length: number;
  /** Bytes of header before the frame's protected data: 7 or 9 for ADTS, 0 for AC-3/E-AC-3. */
  headerLength: number;
}

export function readAdtsFrame(es: Buffer, p: number, where: string): AudioFrame {
  if (p + 7 > es.length) throw new MediaError('ERR_ADTS_TRUNCATED', `${where}: ADTS header at byte ${p} truncated`, { where });
  if (es[p] !== 0xff || (es[p + 1] & 0xf0) !== 0xf0) {
    throw new MediaError('ERR_ADTS_SYNC', `${where}: no ADTS sync word at byte ${p}`, { where });
  }
  const headerLength = es[p + 1] & 1 ? 7 : 9;
  const length = ((es[p + 3] & 0x03) << 11) | (es[p + 4] << 3) | (es[p + 5] >> 5);
  if (length < headerLength || p + length > es.length) {
    throw new MediaError('ERR_ADTS_TRUNCATED', `${where}: ADTS frame at byte ${p} of ${length} bytes overruns the PES payload (${es.length - p} left)`, { where });
  }
  return { offset: p, length, headerLength };
}

/** AC-3 frame size in bytes for fscod and frmsizecod (ETSI TS 102 366 Table 4.13). */
export function ac3FrameBytes(fscod: number, frmsizecod: number): number {
  const kbps = AC3_BITRATES[frmsizecod >> 1];
  const rate = [48000, 44100, 32000][fscod];
  if (kbps === undefined || rate === undefined) return 0;
  // words per frame = 1536 samples * bitrate / rate / 16 bits; 44.1 kHz odd codes carry one padding word.
  const words = Math.floor((kbps * 1000 * 96) / rate) + (rate === 44100 ? frmsizecod & 1 : 0);
  return words * 2;
}
const AC3_BITRATES = [32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384, 448, 512, 576, 640];

export function readAc3Frame(es: Buffer, p: number, where: string): AudioFrame {
  if (p + 6 > es.length) throw new MediaError('ERR_AC3_TRUNCATED', `${where}: AC-3 syncinfo at byte ${p} truncated`, { where });
  if (es[p] !== 0x0b || es[p + 1] !== 0x77) throw new MediaError('ERR_AC3_SYNC', `${where}: no AC-3 sync word at byte ${p}`, { where });
  const bsid = es[p + 5] >> 3;
  let length: number;
  if (bsid <= 10) {
    length = ac3FrameBytes(es[p + 4] >> 6, es[p + 4] & 0x3f);
  } else if (bsid <= 16) {
    length = ((((es[p + 2] & 0x07) << 8) | es[p + 3]) + 1) * 2;
  } else {
    throw new MediaError('ERR_AC3_BSID', `${where}: AC-3 bsid ${bsid} at byte ${p} is not AC-3 or E-AC-3`, { where });
  }
  if (length === 0 || p + length > es.length) {
    throw new MediaError('ERR_AC3_TRUNCATED', `${where}: AC-3 syncframe at byte ${p} of ${length} bytes overruns the PES payload (${es.length - p} left)`, { where });
  }
  return { offset: p, length, headerLength: 0 };
}

export function readAudioFrame(codec: AudioCodec, es: Buffer, p: number, where: string): AudioFrame {
  return codec === 'aac' ? readAdtsFrame(es, p, where) : readAc3Frame(es, p, where);
}

/**
 * Length of the frame starting at `p`, or undefined when its header is not all there yet; a bad
 * sync word still throws. For deciding whether a stream so far ends on a frame boundary.
 */
export function audioFrameLength(codec: AudioCodec, es: Buffer, p: number, where: string): number | undefined {
  if (p + 7 > es.length) return undefined;
  if (codec === 'aac') {
    if (es[p] !== 0xff || (es[p + 1] & 0xf0) !== 0xf0) throw new MediaError('ERR_ADTS_SYNC', `${where}: no ADTS sync word at byte ${p}`, { where });
    return ((es[p + 3] & 0x03) << 11) | (es[p + 4] << 3) | (es[p + 5] >> 5);
  }
  if (es[p] !== 0x0b || es[p + 1] !== 0x77) throw new MediaError('ERR_AC3_SYNC', `${where}: no AC-3 sync word at byte ${p}`, { where });
  const bsid = es[p + 5] >> 3;
  return bsid <= 10 ? ac3FrameBytes(es[p + 4] >> 6, es[p + 4] & 0x3f) : ((((es[p + 2] & 0x07) << 8) | es[p + 3]) + 1) * 2;
}
