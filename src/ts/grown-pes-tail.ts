/**
 * An H.264 PES left in its packets that escaping grows: only the bytes from the packet holding
 * its first escaped pair on are gathered, escaped and packetized again (video-pes-in-packets.ts
 * firstInsert finds that pair from the zero pairs and the encrypted blocks). The packets before
 * it would come out of the packetizer as they are, and the escape scan started at the first pair
 * that gets an 0x03 finds what a scan from the start finds after it. Same bytes as gathering the
 * whole PES (resolvePes), without copying the part that stays.
 */
import type { PesLayout } from './pes.js';
import { gatherRange, type PesBufferPool, type PesPackets, replaceFrom } from './pes-packets.js';
import { packetizePesFrom, packetizePesInPlace, roomPrefix } from './pes-packetizer.js';
import { escapeInto, type NalUnit } from './sample-aes-h264.js';

/** Applies when the header stays as it is (PES_packet_length 0, unbounded video) and nothing follows the payload. */
export function tailRepacketizable(p: PesPackets, layout: PesLayout): boolean {
  return layout.packetLength === 0 && layout.esEnd === p.size;
}

/** `first`: payload offset of the first pair escaping follows with 0x03 (its 0x03 goes at first + 2). */
export function repacketizeGrownTail(p: PesPackets, layout: PesLayout, nals: NalUnit[], first: number,
  replace: (g: number, buf: Buffer, off: number, len: number) => void, pool: PesBufferPool): void {
  const esStart = layout.esStart;
  const keep = roomPrefix(p, esStart + first);
  const tail = pool.take(p.size - keep.pos);
  gatherRange(p, keep.pos, p.size, tail, 0);
  const escaped = escapeFrom(tail, esStart - keep.pos, first, nals, (length) => pool.take(length));
  pool.give(tail);
  // Usually one new packet per original one: written where the old ones were, only the last replaced.
  const rest = packetizePesInPlace(p, escaped, keep.packets);
  if (rest) replace(p.indices[p.n - 1]!, rest, 0, rest.length);
  else replaceFrom(p, keep.packets, packetizePesFrom(p, escaped, keep.packets, 0), replace);
  pool.give(escaped);
}

/**
 * escapeProtectedNals over part of a payload: `src[base + x]` is payload byte x, from `base + x`
 * >= 0 on; the escape scan starts at payload offset `from` (no pair before it gets an 0x03).
 */
export function escapeFrom(src: Buffer, base: number, from: number, nals: NalUnit[], alloc: (length: number) => Buffer): Buffer {
  let length = src.length;
  for (const n of nals) {
    if (!n.protect || n.end <= from) continue;
    const start = Math.max(n.start, from);
    length += escapeInto(src, base + start, base + n.end, undefined, 0) - (n.end - start);
  }
  const out = alloc(length);
  let o = 0;
  let prev = 0;
  for (const n of nals) {
    if (!n.protect || n.end <= from) continue;
    const start = base + Math.max(n.start, from);
    o += src.copy(out, o, prev, start);
    o = escapeInto(src, start, base + n.end, out, o);
    prev = base + n.end;
  }
  src.copy(out, o, prev);
  return out;
}

