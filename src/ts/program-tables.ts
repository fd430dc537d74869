/**
 * Per elementary stream of a PMT, what SAMPLE-AES does with it: encrypt (H.264, AAC, AC-3,
 * E-AC-3), pass clear (metadata and data streams), or refuse (audio/video it cannot protect, or
 * already SAMPLE-AES).
 */
import { MediaError } from '../errors.js';
import type { Pmt } from './psi.js';
import {
  ENCRYPTED_STREAM_TYPES, type EncryptedStreamType, isPrivateDolbyAudio, SAMPLE_AES_STREAM_TYPES, UNSUPPORTED_MEDIA_TYPES,
} from './stream-types.js';

export const hex = (pid: number) => `0x${pid.toString(16)}`;

/**
 * What SAMPLE-AES does with each stream of a PMT: the encrypted type for H.264/AAC/AC-3/E-AC-3;
 * metadata and data streams are left out (they pass clear); audio/video it cannot protect and
 * already encrypted streams are refused.
 */
export function classifyPmtStreams(pmt: Pmt, packetIndex: number): Map<number, EncryptedStreamType> {
  const streams = new Map<number, EncryptedStreamType>();
  for (const s of pmt.streams) {
    const where = `PMT packet ${packetIndex}, PID ${hex(s.pid)}`;
    if (ENCRYPTED_STREAM_TYPES.has(s.streamType)) {
      throw new MediaError('ERR_TS_ALREADY_ENCRYPTED', `${where}: stream_type 0x${s.streamType.toString(16)} is already SAMPLE-AES`, { where });
    }
    const type = SAMPLE_AES_STREAM_TYPES.get(s.streamType);
    if (type) {
      streams.set(s.pid, type);
      continue;
    }
    const unsupported = UNSUPPORTED_MEDIA_TYPES.get(s.streamType) ?? (s.streamType === 0x06 && isPrivateDolbyAudio(s.descriptors) ? 'AC-3 in private PES (0x06)' : undefined);
    if (unsupported) {
      throw new MediaError('ERR_UNSUPPORTED_STREAM',
        `${where}: stream_type 0x${s.streamType.toString(16)} (${unsupported}) cannot be SAMPLE-AES encrypted (H.264, AAC ADTS, AC-3, E-AC-3 only)`, { where });
    }
  }
  return streams;
}
