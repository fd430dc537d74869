/**
 * MPEG-2 transport stream packets (ISO/IEC 13818-1 §2.4.3): 188 bytes, sync byte 0x47.
 * Everything here reads one Buffer by offset; no per-packet slices on the hot path.
 */
import { MediaError } from '../errors.js';

export const PACKET_SIZE = 188;
export const SYNC_BYTE = 0x47;
export const PID_PAT = 0x0000;
export const PID_NULL = 0x1fff;

/** The parsed 4-byte header plus where the payload starts, for the packet at `offset`. */
export interface PacketHeader {
  pid: number;
  payloadUnitStart: boolean;
  /** adaptation_field_control: bit 1 = adaptation field present, bit 0 = payload present. */
  hasAdaptation: boolean;
  hasPayload: boolean;
  continuityCounter: number;
  /** Absolute offset of the first payload byte (offset + 188 when there is no payload). */
  payloadOffset: number;
}

export function readPacketHeader(buf: Buffer, offset: number, index: number): PacketHeader {
  const b1 = buf[offset + 1];
  const b3 = buf[offset + 3];
  const pid = ((b1 & 0x1f) << 8) | buf[offset + 2];
  const afc = (b3 >> 4) & 0x3;
  const hasAdaptation = (afc & 0x2) !== 0;
  const hasPayload = (afc & 0x1) !== 0;
  let payloadOffset = offset + 4;
  if (hasAdaptation) {
    const afLength = buf[offset + 4];
    payloadOffset += 1 + afLength;
    if (payloadOffset > offset + PACKET_SIZE || (hasPayload && payloadOffset === offset + PACKET_SIZE && afLength > 183)) {
      throw new MediaError('ERR_TS_ADAPTATION', `packet ${index} (PID ${pid}) at offset ${offset}: adaptation field length ${afLength} overruns the packet`,
        { where: `packet ${index}@${offset}` });
    }
  }
  if (!hasPayload) payloadOffset = offset + PACKET_SIZE;
  return { pid, payloadUnitStart: (b1 & 0x40) !== 0, hasAdaptation, hasPayload, continuityCounter: b3 & 0x0f, payloadOffset };
}

/**
 * The adaptation field of a packet without its trailing stuffing: the flags byte and the optional
 * fields it announces (PCR, OPCR, splice countdown, private data, extension), so a packet can be
 * rebuilt with a different payload size and the same PCR and flags.
 */
export function adaptationFieldCore(buf: Buffer, offset: number): Buffer | undefined {
  const n = adaptationFieldCoreLength(buf, offset);
  return n ? buf.subarray(offset + 5, offset + 5 + n) : undefined;
}

/** adaptationFieldCore's length (it starts at offset + 5), 0 when there is none worth keeping. */
export function adaptationFieldCoreLength(buf: Buffer, offset: number): number {
  const b3 = buf[offset + 3];
  if ((b3 & 0x20) === 0) return 0;
  const afLength = buf[offset + 4];
  if (afLength === 0) return 0;
  const start = offset + 5;
  const flags = buf[start];
  let p = start + 1;
  if (flags & 0x10) p += 6; // PCR
  if (flags & 0x08) p += 6; // OPCR
  if (flags & 0x04) p += 1; // splice_countdown
  if (flags & 0x02) p += 1 + buf[p]; // transport_private_data
  if (flags & 0x01) p += 1 + buf[p]; // adaptation_field_extension
  const end = Math.min(p, start + afLength);
  // Only the flags byte alone carries no information worth keeping unless a flag is set.
  if (end === start + 1 && (flags & 0xe0) === 0) return 0;
  return end - start;
}
