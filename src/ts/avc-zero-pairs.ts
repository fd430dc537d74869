/**
 * One native scan of an H.264 payload (or of the chunk holding its packets, pes-packets.ts
 * addZeroPairs) for its zero byte pairs, from which both the NAL unit
 * boundaries (start codes are 00 00 01 and 00 00 00 01) and, once the blocks are encrypted, the
 * question "does escaping add any byte?" are answered. Escaping (sample-aes-h264.ts escapeInto)
 * inserts 0x03 exactly where 00 00 is followed by a byte <= 3 inside a protected NAL unit; the
 * bytes outside the encrypted blocks are the ones scanned before encryption, so only the few bytes
 * around each encrypted block need looking at afterwards. Same results as avcNalUnits and
 * escapeProtectedNals, without a second scan of every byte.
 */
import { MediaError } from '../errors.js';
import { AVC_CLEAR_LEADER, nalBlockCount, type NalUnit } from './sample-aes-h264.js';

const ZERO_PAIR = Buffer.from([0, 0]);
const BLOCK = 16;
const PERIOD = 160;

/** Offsets of every 00 00 in `es` (overlapping ones too), ascending. */
export function zeroPairs(es: Buffer): number[] {
  const pairs: number[] = [];
  for (let i = 0; ;) {
    const z = es.indexOf(ZERO_PAIR, i);
    if (z < 0) return pairs;
    pairs.push(z);
    i = z + 1;
  }
}

/** avcNalUnits (sample-aes-h264.ts) from the zero pairs instead of a scan for start codes. */
export function avcNalUnitsFromPairs(es: Buffer, pairs: number[], where: string): NalUnit[] {
  return nalUnitsFromPairs(es.length, (i) => es[i], pairs, where);
}

/**
 * The same over a payload read through `at` (undefined past its `length`): the bytes of a PES
 * still in its transport packets. Only the bytes around zero pairs are read.
 */
export function nalUnitsFromPairs(length: number, at: (i: number) => number | undefined, pairs: number[], where: string): NalUnit[] {
  const nals: NalUnit[] = [];
  if (length === 0) return nals;
  let idx = 0;
  // First 00 00 01 at or after `from`, widened to the 4-byte start code inside [from, ...).
  const next = (from: number): number => {
    while (idx < pairs.length && pairs[idx]! < from) idx++;
    for (; idx < pairs.length; idx++) {
      const r = pairs[idx]!;
      if (at(r + 2) === 1) return r - 1 >= from && at(r - 1) === 0 ? r - 1 : r;
    }
    return -1;
  };
  if (next(0) !== 0) {
    throw new MediaError('ERR_TS_NAL_SPLIT', `${where}: H.264 PES payload does not start with a start code (a NAL unit split across PES packets is not supported)`, { where });
  }
  let sc = 0;
  while (sc >= 0 && sc < length) {
    const start = sc + (at(sc + 2) === 1 ? 3 : 4);
    const n = next(start);
    const end = n < 0 ? length : n;
    const type = (at(start) ?? 0) & 0x1f;
    nals.push({ start, end, protect: end - start > AVC_CLEAR_LEADER + BLOCK && (type === 1 || type === 5) });
    sc = n;
  }
  return nals;
}

/**
 * Where escaping the encrypted NAL units inserts its first byte (a 00 00 followed by a byte <= 3
 * inside a protected NAL unit), in two halves. This one needs no ciphertext: the first such pair
 * in the clear bytes, none of its three bytes in an encrypted block (`at` reads the clear
 * payload). Returns its offset (the 0x03 goes two bytes on), or -1.
 */
export function firstClearInsert(nals: NalUnit[], pairs: number[], at: (i: number) => number): number {
  let idx = 0;
  for (const n of nals) {
    if (!n.protect) continue;
    const first = n.start + AVC_CLEAR_LEADER;
    const count = nalBlockCount(n.end - n.start);
    const inBlock = (x: number) => x >= first && (x - first) % PERIOD < BLOCK && (x - first) / PERIOD < count;
    while (idx < pairs.length && pairs[idx]! < n.start) idx++;
    for (; idx < pairs.length && pairs[idx]! <= n.end - 3; idx++) {
      const z = pairs[idx]!;
      if (!inBlock(z) && !inBlock(z + 1) && !inBlock(z + 2) && at(z + 2) <= 3) return z;
    }
  }
  return -1;
}

/**
 * The other half (the bytes outside the blocks are the clear ones already looked at), for one
 * encrypted block at payload offset `b` of NAL unit `n`: `w` holds the bytes b-2 .. b+17 from `o`
 * (two clear, sixteen encrypted, two clear). The first 00 00 followed by a byte <= 3 starting at
 * b-2 .. b+15 (and not past n.end - 3): its payload offset, or -1.
 */
export function blockInsert(n: NalUnit, b: number, w: Uint8Array, o: number): number {
  const hi = Math.min(b + BLOCK - 1, n.end - 3) - (b - 2);
  for (let i = 0; i <= hi; i++) {
    if (w[o + i + 1] === 0 && w[o + i] === 0 && w[o + i + 2]! <= 3) return b - 2 + i;
  }
  return -1;
}
