/**
 * Find the PAT and every PMT of a segment and decide, per elementary stream, what SAMPLE-AES does
 * with it: encrypt (H.264, AAC, AC-3, E-AC-3), pass clear (metadata and data streams), or refuse
 * (audio/video it cannot protect, or already SAMPLE-AES).
 */
import { MediaError } from '../errors.js';
import { PACKET_SIZE, PID_PAT, readPacketHeader } from './packet.js';
import { parsePat, parsePmt, type Pmt } from './psi.js';
import {
  ENCRYPTED_STREAM_TYPES, type EncryptedStreamType, isPrivateDolbyAudio, SAMPLE_AES_STREAM_TYPES, UNSUPPORTED_MEDIA_TYPES,
} from './stream-types.js';

export interface ProgramTables {
  /** PMT packet indices and their parsed tables. */
  pmtPackets: { index: number; section: Buffer; pmt: Pmt }[];
  /** Encrypted elementary streams by PID. */
  streams: Map<number, EncryptedStreamType>;
}

export const hex = (pid: number) => `0x${pid.toString(16)}`;

export function findProgramTables(buf: Buffer, count: number): ProgramTables {
  let pmtPids: Set<number> | undefined;
  const pmtPackets: { index: number; section: Buffer; pmt: Pmt }[] = [];
  for (let i = 0; i < count; i++) {
    const o = i * PACKET_SIZE;
    const h = readPacketHeader(buf, o, i);
    if (!h.payloadUnitStart || !h.hasPayload) continue;
    if (h.pid === PID_PAT && !pmtPids) {
      pmtPids = new Set(parsePat(buf, h.payloadOffset, o, `PAT packet ${i}`).values());
    } else if (pmtPids?.has(h.pid)) {
      // The PMT repeats every few packets, usually unchanged: parse each distinct section once.
      const section = buf.subarray(h.payloadOffset, o + PACKET_SIZE);
      const previous = pmtPackets[pmtPackets.length - 1];
      const same = previous && previous.section.equals(section);
      pmtPackets.push({ index: i, section, pmt: same ? previous.pmt : parsePmt(buf, h.payloadOffset, o, `PMT PID ${hex(h.pid)} packet ${i}`) });
    }
  }
  if (!pmtPids) throw new MediaError('ERR_TS_NO_PMT', `no PAT in ${count} packets, so no PMT to find`, { where: 'PID 0x0' });
  if (pmtPackets.length === 0) {
    throw new MediaError('ERR_TS_NO_PMT', `no PMT on PID ${[...pmtPids].map(hex).join(', ')} in ${count} packets`, { where: `PID ${[...pmtPids].map(hex).join(',')}` });
  }
  const streams = new Map<number, EncryptedStreamType>();
  for (const { index, pmt } of pmtPackets) {
    for (const s of pmt.streams) {
      const where = `PMT packet ${index}, PID ${hex(s.pid)}`;
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
  }
  return { pmtPackets, streams };
}
