/**
 * Spread a PES over transport packets again after its size changed. Each original packet keeps
 * its header and its adaptation field minus stuffing (so PCR, random_access_indicator and friends
 * stay on the same packet); payload fills the packets in order, extra packets follow the last one,
 * and the final packet is padded with adaptation-field stuffing. Continuity counters are
 * renumbered per PID as packets leave (see slot-output.ts).
 */
import { adaptationFieldCoreLength, PACKET_SIZE } from './packet.js';

/** The original packets: packet k at offs[k] in bufs[k]. */
export interface SourcePackets { bufs: ArrayLike<Buffer | undefined>; offs: ArrayLike<number>; n: number }

export function packetizePes(src: Buffer, packetOffsets: number[], pes: Buffer): Buffer[] {
  const all = packetizePesFrom({ bufs: packetOffsets.map(() => src), offs: packetOffsets, n: packetOffsets.length }, pes);
  const out: Buffer[] = [];
  for (let o = 0; o < all.length; o += PACKET_SIZE) out.push(all.subarray(o, o + PACKET_SIZE));
  return out;
}

/**
 * The new packets, one after the other in one buffer (no packet copied out of its chunk first).
 * From original packet `from` on, `pes` bytes from `pos` on (see unchangedPrefix): the packets
 * before it would come out as they are.
 */
export function packetizePesFrom(src: SourcePackets, pes: Buffer, from = 0, pos0 = 0): Buffer {
  const { count } = countPackets(src, pes, from, pos0);
  const out = Buffer.allocUnsafe(count * PACKET_SIZE);
  writePackets(src, pes, from, pos0, out, false);
  return out;
}

/**
 * The same where each original packet from `from` up to the last but one gets exactly one new
 * packet (the usual case when a PES grew): those are written over the original packets in their
 * buffers (their bytes are no longer needed: `pes` holds the payload), and the returned buffer
 * holds what replaces the last one (it and the packets added). Undefined when the payload would
 * run out before the last original packet (then use packetizePesFrom).
 */
export function packetizePesInPlace(src: SourcePackets, pes: Buffer, from: number): Buffer | undefined {
  const { count, ranOut } = countPackets(src, pes, from, 0);
  if (ranOut < src.n - 1) return undefined;
  const out = Buffer.allocUnsafe((count - (src.n - 1 - from)) * PACKET_SIZE);
  writePackets(src, pes, from, 0, out, true);
  return out;
}

/** Packets packetizePesFrom writes, and the first original packet reached with no payload left (n if none). */
function countPackets(src: SourcePackets, pes: Buffer, from: number, pos0: number): { count: number; ranOut: number } {
  const n = src.n;
  let count = 0;
  let ranOut = n;
  for (let pos = pos0, i = from; pos < pes.length || i < n; i++) {
    const core = i < n ? adaptationFieldCoreLength(src.bufs[i]!, src.offs[i]!) : 0;
    if (pos >= pes.length) {
      if (i < ranOut) ranOut = i;
      if (core) count++;
      continue;
    }
    pos += Math.min(PACKET_SIZE - 4 - (core ? 1 + core : 0), pes.length - pos);
    count++;
  }
  return { count, ranOut };
}

/** With `slots`, original packets before the last are rewritten where they are (see packetizePesInPlace). */
function writePackets(src: SourcePackets, pes: Buffer, from: number, pos0: number, out: Buffer, slots: boolean): void {
  const n = src.n;
  let at = 0;
  let pos = pos0;
  let i = from;
  while (pos < pes.length || i < n) {
    const b = i < n ? src.bufs[i]! : undefined;
    const original = i < n ? src.offs[i]! : -1;
    const core = b ? adaptationFieldCoreLength(b, original) : 0;
    if (pos >= pes.length) {
      // Payload ran out before the original packets did: keep only those carrying timing (PCR etc.).
      if (core) {
        adaptationOnlyPacket(b!, original, core, out, at);
        at += PACKET_SIZE;
      }
      i++;
      continue;
    }
    const inSlot = slots && i < n - 1;
    const dst = inSlot ? b! : out;
    const pkt = inSlot ? original : at;
    const hb = b ?? src.bufs[n - 1]!;
    const headerFrom = b ? original : src.offs[n - 1]!;
    for (let j = 0; j < 4; j++) dst[pkt + j] = hb[headerFrom + j]!;
    if (i > 0) dst[pkt + 1] &= ~0x40; // payload_unit_start only on the first
    const afBase = core ? 1 + core : 0;
    const capacity = PACKET_SIZE - 4 - afBase;
    const take = Math.min(capacity, pes.length - pos);
    const stuffing = capacity - take;
    let p = pkt + 4;
    if (core || stuffing > 0) {
      dst[pkt + 3] = (dst[pkt + 3]! & 0x0f) | 0x30;
      if (core) {
        dst[pkt + 4] = core + stuffing;
        for (let j = 0; j < core; j++) dst[pkt + 5 + j] = b![original + 5 + j]!;
        p = pkt + 5 + core;
        dst.fill(0xff, p, p + stuffing);
        p += stuffing;
      } else {
        dst[pkt + 4] = stuffing - 1;
        p = pkt + 5;
        if (stuffing > 1) {
          dst[pkt + 5] = 0x00; // no flags
          dst.fill(0xff, pkt + 6, pkt + 4 + stuffing);
          p = pkt + 4 + stuffing;
        }
      }
    } else {
      dst[pkt + 3] = (dst[pkt + 3]! & 0x0f) | 0x10;
    }
    pes.copy(dst, p, pos, pos + take);
    pos += take;
    if (!inSlot) at += PACKET_SIZE;
    i++;
  }
}

/**
 * How many of the original packets packetizePesFrom would write again byte for byte (the
 * continuity counter aside) when `old` (their payloads, in order) becomes `pes`: each while its
 * payload fills the room the packetizer gives it (no stuffing beyond the kept adaptation field,
 * no scrambling bits) and its bytes did not change. Escaping inserts bytes somewhere inside a
 * PES; the packets before the first insert stay. Returns that count and the PES offset after them.
 */
export function unchangedPrefix(src: SourcePackets & { payloads: ArrayLike<number> }, old: Buffer, pes: Buffer): { packets: number; pos: number } {
  return roomPrefix(src, equalPrefix(old, pes, Math.min(old.length, pes.length)));
}

/**
 * The packets from the first that end at or before PES offset `limit` and whose payload fills
 * the room packetizePesFrom gives it (no stuffing beyond the kept adaptation field, no scrambling
 * bits), never the last one (it carries the packets added after it); and the offset after them.
 */
export function roomPrefix(src: SourcePackets & { payloads: ArrayLike<number> }, limit: number): { packets: number; pos: number } {
  let pos = 0;
  let i = 0;
  for (; i < src.n - 1; i++) {
    const b = src.bufs[i]!;
    const off = src.offs[i]!;
    const length = off + PACKET_SIZE - src.payloads[i]!;
    if (pos + length > limit || (b[off + 3]! & 0xc0) !== 0) break;
    // Most packets have no adaptation field: the whole 184 bytes are payload.
    if (length !== PACKET_SIZE - 4) {
      const core = adaptationFieldCoreLength(b, off);
      if (core === 0 || length !== PACKET_SIZE - 5 - core) break;
    }
    pos += length;
  }
  return { packets: i, pos };
}

/** Length of the common prefix of a and b within [0, end): native compares over halving ranges, no byte loop over all of it. */
function equalPrefix(a: Buffer, b: Buffer, end: number): number {
  let lo = 0;
  let hi = end;
  if (a.compare(b, 0, end, 0, end) === 0) return end;
  // [0, lo) is equal, a difference lies in [lo, hi).
  while (hi - lo > 64) {
    const mid = (lo + hi) >>> 1;
    if (a.compare(b, lo, mid, lo, mid) === 0) lo = mid;
    else hi = mid;
  }
  while (a[lo] === b[lo]) lo++;
  return lo;
}

function adaptationOnlyPacket(src: Buffer, original: number, core: number, out: Buffer, at: number): void {
  out.fill(0xff, at, at + PACKET_SIZE);
  for (let j = 0; j < 4; j++) out[at + j] = src[original + j]!;
  out[at + 1] &= ~0x40;
  out[at + 3] = (out[at + 3]! & 0x0f) | 0x20;
  out[at + 4] = 183;
  for (let j = 0; j < core; j++) out[at + 5 + j] = src[original + 5 + j]!;
}
