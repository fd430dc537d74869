/**
 * Spread a PES over transport packets again after its size changed. Each original packet keeps
 * its header and its adaptation field minus stuffing (so PCR, random_access_indicator and friends
 * stay on the same packet); payload fills the packets in order, extra packets follow the last one,
 * and the final packet is padded with adaptation-field stuffing. Continuity counters are
 * renumbered per PID as packets leave (see slot-output.ts).
 */
import { adaptationFieldCore, PACKET_SIZE } from './packet.js';

export function packetizePes(src: Buffer, packetOffsets: number[], pes: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let pos = 0;
  let i = 0;
  while (pos < pes.length || i < packetOffsets.length) {
    const original = i < packetOffsets.length ? packetOffsets[i] : -1;
    const core = original >= 0 ? adaptationFieldCore(src, original) : undefined;
    if (pos >= pes.length) {
      // Payload ran out before the original packets did: keep only those carrying timing (PCR etc.).
      if (core) out.push(adaptationOnlyPacket(src, original, core));
      i++;
      continue;
    }
    const headerFrom = original >= 0 ? original : packetOffsets[packetOffsets.length - 1];
    const pkt = Buffer.allocUnsafe(PACKET_SIZE);
    src.copy(pkt, 0, headerFrom, headerFrom + 4);
    if (i > 0) pkt[1] &= ~0x40; // payload_unit_start only on the first
    const afBase = core ? 1 + core.length : 0;
    const capacity = PACKET_SIZE - 4 - afBase;
    const take = Math.min(capacity, pes.length - pos);
    const stuffing = capacity - take;
    let p = 4;
    if (core || stuffing > 0) {
      pkt[3] = (pkt[3] & 0x0f) | 0x30;
      if (core) {
        pkt[4] = core.length + stuffing;
        core.copy(pkt, 5);
        p = 5 + core.length;
        pkt.fill(0xff, p, p + stuffing);
        p += stuffing;
      } else {
        pkt[4] = stuffing - 1;
        p = 5;
        if (stuffing > 1) {
          pkt[5] = 0x00; // no flags
          pkt.fill(0xff, 6, 4 + stuffing);
          p = 4 + stuffing;
        }
      }
    } else {
      pkt[3] = (pkt[3] & 0x0f) | 0x10;
    }
    pes.copy(pkt, p, pos, pos + take);
    pos += take;
    out.push(pkt);
    i++;
  }
  return out;
}

function adaptationOnlyPacket(src: Buffer, original: number, core: Buffer): Buffer {
  const pkt = Buffer.alloc(PACKET_SIZE, 0xff);
  src.copy(pkt, 0, original, original + 4);
  pkt[1] &= ~0x40;
  pkt[3] = (pkt[3] & 0x0f) | 0x20;
  pkt[4] = 183;
  core.copy(pkt, 5);
  return pkt;
}
