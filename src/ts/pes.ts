/** PES packet header (ISO/IEC 13818-1 §2.4.3.6): where the elementary stream bytes start and end. */
import { MediaError } from '../errors.js';

export interface PesLayout {
  streamId: number;
  /** PES_packet_length as written (0 = unbounded, video only). */
  packetLength: number;
  /** Offset of the first elementary stream byte in the PES. */
  esStart: number;
  /** End of the elementary stream bytes (6 + PES_packet_length, or the whole PES when unbounded). */
  esEnd: number;
}

/** `length`: the whole PES's when `pes` holds only its first bytes (at least the header's). */
export function readPesLayout(pes: Buffer, where: string, length = pes.length): PesLayout {
  if (length < 9 || pes[0] !== 0 || pes[1] !== 0 || pes[2] !== 1) {
    throw new MediaError('ERR_PES_START', `${where}: payload_unit_start packet does not begin a PES (no 00 00 01 prefix)`, { where });
  }
  const streamId = pes[3];
  const packetLength = pes.readUInt16BE(4);
  if (packetLength !== 0 && 6 + packetLength > length) {
    throw new MediaError('ERR_PES_LENGTH', `${where}: PES_packet_length ${packetLength} is larger than the ${length - 6} bytes the PES carries`, { where });
  }
  const esStart = 9 + pes[8];
  const esEnd = packetLength === 0 ? length : 6 + packetLength;
  if (esStart > esEnd) {
    throw new MediaError('ERR_PES_LENGTH', `${where}: PES_header_data_length ${pes[8]} runs past the end of the PES`, { where });
  }
  return { streamId, packetLength, esStart, esEnd };
}

/** The PES with its elementary stream replaced: header copied, PES_packet_length updated; `alloc` gives its buffer. */
export function rebuildPes(pes: Buffer, layout: PesLayout, es: Buffer, where: string, alloc: (length: number) => Buffer = Buffer.allocUnsafe): Buffer {
  const tail = pes.length - layout.esEnd;
  const out = alloc(layout.esStart + es.length + tail);
  pes.copy(out, 0, 0, layout.esStart);
  es.copy(out, layout.esStart);
  pes.copy(out, layout.esStart + es.length, layout.esEnd);
  if (layout.packetLength !== 0) {
    const length = layout.esStart - 6 + es.length;
    if (length <= 0xffff) out.writeUInt16BE(length, 4);
    else if ((layout.streamId & 0xf0) === 0xe0) out.writeUInt16BE(0, 4); // video may be unbounded
    else throw new MediaError('ERR_PES_LENGTH', `${where}: PES grew to ${length} bytes, past PES_packet_length`, { where });
  }
  return out;
}
