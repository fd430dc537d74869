/**
 * Stream types and PMT descriptors for SAMPLE-AES (Apple, MPEG-2 Stream Encryption Format for
 * HTTP Live Streaming, §3 Transport Stream Signaling): an encrypted elementary stream gets a new
 * stream_type and a private_data_indicator_descriptor (tag 0x0F) naming the format; audio also
 * gets a registration_descriptor (tag 0x05) 'apad' carrying its audio setup information.
 */
import type { AudioCodec } from './audio-frames.js';

export type EncryptableCodec = 'h264' | AudioCodec;

export interface EncryptedStreamType {
  codec: EncryptableCodec;
  encryptedType: number;
  /** private_data_indicator 4cc. */
  indicator: string;
}

export const SAMPLE_AES_STREAM_TYPES: ReadonlyMap<number, EncryptedStreamType> = new Map([
  [0x1b, { codec: 'h264', encryptedType: 0xdb, indicator: 'zavc' }],
  [0x0f, { codec: 'aac', encryptedType: 0xcf, indicator: 'aacd' }],
  [0x81, { codec: 'ac3', encryptedType: 0xc1, indicator: 'ac3d' }],
  [0x87, { codec: 'eac3', encryptedType: 0xc2, indicator: 'ec3d' }],
]);

export const ENCRYPTED_STREAM_TYPES = new Set([0xdb, 0xcf, 0xc1, 0xc2]);

/** Audio and video stream types SAMPLE-AES cannot protect (anything else, e.g. ID3 or SCTE-35 data, passes clear). */
export const UNSUPPORTED_MEDIA_TYPES: ReadonlyMap<number, string> = new Map([
  [0x01, 'MPEG-1 video'], [0x02, 'MPEG-2 video'], [0x03, 'MPEG-1 audio'], [0x04, 'MPEG-2 audio'],
  [0x10, 'MPEG-4 part 2 video'], [0x11, 'AAC LATM'], [0x1c, 'MPEG-4 audio'], [0x20, 'H.264 MVC'],
  [0x24, 'HEVC'], [0x27, 'HEVC temporal'], [0x42, 'AVS'], [0xd1, 'Dirac'], [0xea, 'VC-1'],
]);

const TAG_REGISTRATION = 0x05;
const TAG_PRIVATE_DATA_INDICATOR = 0x0f;

function descriptor(tag: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag, body.length]), body]);
}

/**
 * ES_info descriptors for an encrypted stream: ours first (indicator, then 'apad' for audio, as
 * Shaka Packager writes them), then the original ones except registration descriptors (an 'AC-3'
 * registration would contradict 'apad') and previous private data indicators.
 */
export function encryptedStreamDescriptors(type: EncryptedStreamType, original: Buffer, audioSetup?: Buffer): Buffer {
  const parts = [descriptor(TAG_PRIVATE_DATA_INDICATOR, Buffer.from(type.indicator, 'latin1'))];
  if (audioSetup) parts.push(descriptor(TAG_REGISTRATION, Buffer.concat([Buffer.from('apad', 'latin1'), audioSetup])));
  for (let p = 0; p + 2 <= original.length;) {
    const tag = original[p];
    const len = original[p + 1];
    if (tag !== TAG_REGISTRATION && tag !== TAG_PRIVATE_DATA_INDICATOR) parts.push(original.subarray(p, p + 2 + len));
    p += 2 + len;
  }
  return Buffer.concat(parts);
}

/** True when a PES private data stream (0x06) is really AC-3/E-AC-3 (DVB descriptors 0x6a/0x7a or registration). */
export function isPrivateDolbyAudio(descriptors: Buffer): boolean {
  for (let p = 0; p + 2 <= descriptors.length;) {
    const tag = descriptors[p];
    const len = descriptors[p + 1];
    if (tag === 0x6a || tag === 0x7a) return true;
    if (tag === TAG_REGISTRATION && len >= 4) {
      const id = descriptors.toString('latin1', p + 2, p + 6);
      if (id === 'AC-3' || id === 'EAC3') return true;
    }
    p += 2 + len;
  }
  return false;
}
