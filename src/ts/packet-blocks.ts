/**
 * The 16-byte blocks Listing 2-1 encrypts in an H.264 PES, moved straight between its transport
 * packets and one run of blocks for the cipher: no PES gathered, one pass over the packets per PES
 * each way. Gathering also takes the two clear bytes on either side of each block, for the
 * "does escaping grow?" check after encryption (avc-zero-pairs.ts blockInsert).
 */
import { PACKET_SIZE } from './packet.js';
import type { PesPackets } from './pes-packets.js';
import { AVC_CLEAR_LEADER, nalBlockCount, type NalUnit } from './sample-aes-h264.js';

const BLOCK = 16;
const PERIOD = 160;
/** Bytes taken around each block: two before, two after. */
export const BLOCK_CONTEXT = 4;

/** Forward-only position in a PES's payload bytes: packet k holds PES offsets [start, end). */
class PayloadCursor {
  k = -1;
  start = 0;
  end = 0;
  buf: Buffer | undefined;
  view: DataView | undefined;
  /** Offset in buf of PES offset x: d + x. */
  d = 0;
  constructor(private readonly p: PesPackets) {}
  seek(x: number): void {
    const p = this.p;
    while (x >= this.end && this.k + 1 < p.n) {
      const k = ++this.k;
      this.start = p.starts[k]!;
      this.end = this.start + p.offs[k]! + PACKET_SIZE - p.payloads[k]!;
      this.buf = p.bufs[k];
      this.view = p.views[k];
      this.d = p.payloads[k]! - this.start;
    }
  }
  /** The byte at x (x increasing from call to call), 0xff past the PES. */
  byte(x: number): number {
    this.seek(x);
    return x < this.end ? this.buf![this.d + x]! : 0xff;
  }
}

/**
 * Copy the blocks of every protected NAL unit (payload offsets; the payload starts at PES offset
 * `esStart`) into `blocks` from block `j`, and the bytes around each into `ctx`. Returns the next j.
 */
export function gatherNalBlocks(p: PesPackets, esStart: number, nals: NalUnit[], blocks: Buffer, ctx: Uint8Array, j: number): number {
  const c = new PayloadCursor(p);
  const out = new DataView(blocks.buffer, blocks.byteOffset, blocks.length);
  for (const n of nals) {
    if (!n.protect) continue;
    const count = nalBlockCount(n.end - n.start);
    for (let i = 0, q = esStart + n.start + AVC_CLEAR_LEADER; i < count; i++, q += PERIOD, j++) {
      const lo = q - 2;
      const o = j * BLOCK;
      const x = j * BLOCK_CONTEXT;
      c.seek(lo);
      if (q + BLOCK + 2 <= c.end) {
        const buf = c.buf!;
        const view = c.view!;
        const s = c.d + lo;
        ctx[x] = buf[s]!;
        ctx[x + 1] = buf[s + 1]!;
        out.setInt32(o, view.getInt32(s + 2));
        out.setInt32(o + 4, view.getInt32(s + 6));
        out.setInt32(o + 8, view.getInt32(s + 10));
        out.setInt32(o + 12, view.getInt32(s + 14));
        ctx[x + 2] = buf[s + 18]!;
        ctx[x + 3] = buf[s + 19]!;
      } else {
        ctx[x] = c.byte(lo);
        ctx[x + 1] = c.byte(lo + 1);
        for (let t = 0; t < BLOCK; t++) blocks[o + t] = c.byte(q + t);
        ctx[x + 2] = c.byte(q + BLOCK);
        ctx[x + 3] = c.byte(q + BLOCK + 1);
      }
    }
  }
  return j;
}

/** The inverse for the blocks only: `blocks` from block `j` back into the packets. Returns the next j. */
export function scatterNalBlocks(p: PesPackets, esStart: number, nals: NalUnit[], blocks: Buffer, j: number): number {
  const c = new PayloadCursor(p);
  const from = new DataView(blocks.buffer, blocks.byteOffset, blocks.length);
  for (const n of nals) {
    if (!n.protect) continue;
    const count = nalBlockCount(n.end - n.start);
    for (let i = 0, q = esStart + n.start + AVC_CLEAR_LEADER; i < count; i++, q += PERIOD, j++) {
      const o = j * BLOCK;
      c.seek(q);
      if (q + BLOCK <= c.end) {
        const view = c.view!;
        const s = c.d + q;
        view.setInt32(s, from.getInt32(o));
        view.setInt32(s + 4, from.getInt32(o + 4));
        view.setInt32(s + 8, from.getInt32(o + 8));
        view.setInt32(s + 12, from.getInt32(o + 12));
      } else {
        for (let t = 0; t < BLOCK; t++) {
          c.seek(q + t);
          c.buf![c.d + q + t] = blocks[o + t]!;
        }
      }
    }
  }
  return j;
}
