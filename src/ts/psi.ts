/**
 * Program-specific information: PAT and PMT sections (ISO/IEC 13818-1 §2.4.4). Parse and build
 * side by side; sections are read from a single packet (HLS segments carry one small PAT/PMT).
 */
import { MediaError } from '../errors.js';
import { crc32Mpeg2 } from './crc32-mpeg2.js';
import { PACKET_SIZE } from './packet.js';

export interface PmtStream {
  streamType: number;
  pid: number;
  /** Raw ES_info descriptors loop. */
  descriptors: Buffer;
}

export interface Pmt {
  programNumber: number;
  version: number;
  currentNext: boolean;
  pcrPid: number;
  /** Raw program_info descriptors loop. */
  programInfo: Buffer;
  streams: PmtStream[];
}

/** A PSI section found in a packet payload: bounds checked, CRC verified. */
function sectionIn(buf: Buffer, payloadOffset: number, packetEnd: number, where: string): { start: number; end: number } {
  const pointer = buf[payloadOffset];
  const start = payloadOffset + 1 + pointer;
  if (start + 3 > packetEnd) throw new MediaError('ERR_TS_PSI', `${where}: pointer_field ${pointer} runs past the packet`, { where });
  const sectionLength = ((buf[start + 1] & 0x0f) << 8) | buf[start + 2];
  const end = start + 3 + sectionLength;
  if (end > packetEnd) {
    throw new MediaError('ERR_TS_PSI', `${where}: section_length ${sectionLength} spans more than one packet (not supported)`, { where });
  }
  if (sectionLength < 9) throw new MediaError('ERR_TS_PSI', `${where}: section_length ${sectionLength} too short`, { where });
  if (crc32Mpeg2(buf, start, end) !== 0) throw new MediaError('ERR_TS_PSI_CRC', `${where}: CRC32 mismatch`, { where });
  return { start, end };
}

/** PAT: program_number -> PMT PID (program 0, the network PID, is skipped). */
export function parsePat(buf: Buffer, payloadOffset: number, packetOffset: number, where: string): Map<number, number> {
  const { start, end } = sectionIn(buf, payloadOffset, packetOffset + PACKET_SIZE, where);
  if (buf[start] !== 0x00) throw new MediaError('ERR_TS_PSI', `${where}: table_id 0x${buf[start].toString(16)} on PID 0 is not a PAT`, { where });
  const programs = new Map<number, number>();
  for (let p = start + 8; p + 4 <= end - 4; p += 4) {
    const programNumber = buf.readUInt16BE(p);
    const pid = ((buf[p + 2] & 0x1f) << 8) | buf[p + 3];
    if (programNumber !== 0) programs.set(programNumber, pid);
  }
  return programs;
}

export function parsePmt(buf: Buffer, payloadOffset: number, packetOffset: number, where: string): Pmt {
  const { start, end } = sectionIn(buf, payloadOffset, packetOffset + PACKET_SIZE, where);
  if (buf[start] !== 0x02) throw new MediaError('ERR_TS_PSI', `${where}: table_id 0x${buf[start].toString(16)} is not a PMT`, { where });
  const programNumber = buf.readUInt16BE(start + 3);
  const version = (buf[start + 5] >> 1) & 0x1f;
  const currentNext = (buf[start + 5] & 1) === 1;
  const pcrPid = ((buf[start + 8] & 0x1f) << 8) | buf[start + 9];
  const programInfoLength = ((buf[start + 10] & 0x0f) << 8) | buf[start + 11];
  let p = start + 12;
  const programInfo = Buffer.from(buf.subarray(p, p + programInfoLength));
  p += programInfoLength;
  const streams: PmtStream[] = [];
  while (p + 5 <= end - 4) {
    const streamType = buf[p];
    const pid = ((buf[p + 1] & 0x1f) << 8) | buf[p + 2];
    const esInfoLength = ((buf[p + 3] & 0x0f) << 8) | buf[p + 4];
    if (p + 5 + esInfoLength > end - 4) throw new MediaError('ERR_TS_PSI', `${where}: ES_info_length ${esInfoLength} of PID ${pid} overruns the PMT`, { where });
    streams.push({ streamType, pid, descriptors: Buffer.from(buf.subarray(p + 5, p + 5 + esInfoLength)) });
    p += 5 + esInfoLength;
  }
  return { programNumber, version, currentNext, pcrPid, programInfo, streams };
}

/** The PMT section bytes (table_id .. CRC32). */
export function buildPmtSection(pmt: Pmt): Buffer {
  const esLength = pmt.streams.reduce((n, s) => n + 5 + s.descriptors.length, 0);
  const sectionLength = 9 + pmt.programInfo.length + esLength + 4;
  const out = Buffer.alloc(3 + sectionLength);
  out[0] = 0x02;
  out.writeUInt16BE(0xb000 | sectionLength, 1);
  out.writeUInt16BE(pmt.programNumber, 3);
  out[5] = 0xc0 | ((pmt.version & 0x1f) << 1) | (pmt.currentNext ? 1 : 0);
  out[6] = 0; out[7] = 0;
  out.writeUInt16BE(0xe000 | pmt.pcrPid, 8);
  out.writeUInt16BE(0xf000 | pmt.programInfo.length, 10);
  let p = 12;
  p += pmt.programInfo.copy(out, p);
  for (const s of pmt.streams) {
    out[p] = s.streamType;
    out.writeUInt16BE(0xe000 | s.pid, p + 1);
    out.writeUInt16BE(0xf000 | s.descriptors.length, p + 3);
    p += 5;
    p += s.descriptors.copy(out, p);
  }
  out.writeUInt32BE(crc32Mpeg2(out, 0, p), p);
  return out;
}

/**
 * Rewrite the packet at `packetOffset` (in `out`) to carry `section`: header kept (PID, PUSI, CC),
 * pointer_field 0, section, 0xFF stuffing. The adaptation field, if any, is dropped.
 */
export function writeSectionPacket(out: Buffer, packetOffset: number, section: Buffer, where: string): void {
  if (section.length > PACKET_SIZE - 5) {
    throw new MediaError('ERR_TS_PSI', `${where}: rewritten section of ${section.length} bytes does not fit one packet`, { where });
  }
  out[packetOffset + 1] |= 0x40;
  out[packetOffset + 3] = (out[packetOffset + 3] & 0x0f) | 0x10;
  out[packetOffset + 4] = 0;
  section.copy(out, packetOffset + 5);
  out.fill(0xff, packetOffset + 5 + section.length, packetOffset + PACKET_SIZE);
}
