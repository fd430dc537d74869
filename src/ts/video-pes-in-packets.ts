/**
 * SAMPLE-AES of one H.264 PES (a whole access unit, the usual muxing) without gathering it: the
 * NAL units are found from the zero pairs the packet walk recorded (pes-packets.ts addZeroPairs)
 * and the few bytes around them, the blocks to encrypt are copied out of the packets into one run
 * shared by every PES of a push (packet-blocks.ts), encrypted there with the other chains, and
 * copied back. Whether escaping the ciphertext would add emulation prevention bytes, and where
 * the first goes, is answered from the clear zero pairs and the bytes around each block; only
 * then is the PES gathered from there and re-packetized (grown-pes-tail.ts). Same output as the
 * gathered path (avc-zero-pairs.ts).
 */
import type { BlockChain } from './cbc-chains.js';
import { blockInsert, firstClearInsert, nalUnitsFromPairs } from './avc-zero-pairs.js';
import { BLOCK_CONTEXT, gatherNalBlocks, scatterNalBlocks } from './packet-blocks.js';
import type { PesLayout } from './pes.js';
import { type PesPackets, pesByteAt } from './pes-packets.js';
import { AVC_CLEAR_LEADER, nalBlockCount, type NalUnit } from './sample-aes-h264.js';

const BLOCK = 16;
const PERIOD = 160;

export interface VideoPesInPackets {
  packets: PesPackets;
  layout: PesLayout;
  nals: NalUnit[];
  /** Its blocks in the scratch run: [from, from + blocks). */
  from: number;
  blocks: number;
  /** The first clear 00 00 0x in a protected NAL unit (escaping grows whatever the ciphertext): its payload offset, -1 without. */
  clearInsert: number;
}

/** The run of blocks of one push and the bytes around them, kept from push to push. */
export class VideoBlockScratch {
  blocks = Buffer.alloc(0);
  context = Buffer.alloc(0);
  private readonly window = Buffer.alloc(BLOCK + BLOCK_CONTEXT);
  ensure(count: number): void {
    if (this.blocks.length >= count * BLOCK) return;
    const room = Math.max(count, Math.ceil(this.blocks.length / BLOCK) * 2);
    this.blocks = Buffer.allocUnsafeSlow(room * BLOCK);
    this.context = Buffer.allocUnsafeSlow(room * BLOCK_CONTEXT);
  }
  /** Bytes b-2 .. b+17 of block j: two clear, the sixteen of the block, two clear. */
  windowOf(j: number): Buffer {
    const w = this.window;
    const x = j * BLOCK_CONTEXT;
    w[0] = this.context[x]!;
    w[1] = this.context[x + 1]!;
    for (let t = 0, o = j * BLOCK; t < BLOCK; t++) w[2 + t] = this.blocks[o + t]!;
    w[18] = this.context[x + 2]!;
    w[19] = this.context[x + 3]!;
    return w;
  }
}

/** NAL units, block count and the clear half of the growth check, reading only bytes around zero pairs. */
export function planVideoPes(m: { packets: PesPackets; layout: PesLayout; where: string }, from: number): VideoPesInPackets {
  const p = m.packets;
  const { esStart, esEnd } = m.layout;
  const length = esEnd - esStart;
  const pairs: number[] = [];
  for (const z of p.pairs) if (z >= esStart && z + 1 < esEnd) pairs.push(z - esStart);
  const at = (i: number) => (i >= 0 && i < length ? pesByteAt(p, esStart + i) : undefined);
  const nals = nalUnitsFromPairs(length, at, pairs, m.where);
  let blocks = 0;
  for (const n of nals) if (n.protect) blocks += nalBlockCount(n.end - n.start);
  const clearInsert = firstClearInsert(nals, pairs, (i) => at(i) ?? 0xff);
  return { packets: p, layout: m.layout, nals, from, blocks, clearInsert };
}

/** Copy the blocks of every PES into the scratch run and register one CBC chain per protected NAL unit. */
export function gatherVideoBlocks(list: VideoPesInPackets[], count: number, scratch: VideoBlockScratch, chains: BlockChain[]): void {
  scratch.ensure(count);
  for (const v of list) {
    gatherNalBlocks(v.packets, v.layout.esStart, v.nals, scratch.blocks, scratch.context, v.from);
    let j = v.from;
    for (const n of v.nals) {
      if (!n.protect) continue;
      const c = nalBlockCount(n.end - n.start);
      chains.push({ buf: scratch.blocks, start: j * BLOCK, stride: BLOCK, count: c });
      j += c;
    }
  }
}

/**
 * After the chains ran: the payload offset of the first 00 00 that escaping follows with 0x03
 * (bytes before its 0x03 stay as they are), -1 when escaping adds nothing.
 */
export function firstInsert(v: VideoPesInPackets, scratch: VideoBlockScratch): number {
  const clear = v.clearInsert;
  if (v.blocks === 0) return clear;
  // Only blocks with a zero byte among the twenty can grow: find those natively.
  const end = v.from + v.blocks;
  const candidates: number[] = [];
  for (let z = scratch.blocks.indexOf(0, v.from * BLOCK); z >= 0 && z < end * BLOCK; z = scratch.blocks.indexOf(0, (Math.floor(z / BLOCK) + 1) * BLOCK)) {
    candidates.push(Math.floor(z / BLOCK));
  }
  for (let z = scratch.context.indexOf(0, v.from * BLOCK_CONTEXT); z >= 0 && z < end * BLOCK_CONTEXT; z = scratch.context.indexOf(0, (Math.floor(z / BLOCK_CONTEXT) + 1) * BLOCK_CONTEXT)) {
    candidates.push(Math.floor(z / BLOCK_CONTEXT));
  }
  if (candidates.length === 0) return clear;
  candidates.sort((a, b) => a - b);
  let c = 0;
  let j = v.from;
  for (const n of v.nals) {
    if (!n.protect) continue;
    const count = nalBlockCount(n.end - n.start);
    for (let i = 0, b = n.start + AVC_CLEAR_LEADER; i < count; i++, b += PERIOD, j++) {
      // Blocks in payload order: one past the clear pair cannot come first.
      if (clear >= 0 && b - 2 > clear) return clear;
      while (c < candidates.length && candidates[c]! < j) c++;
      if (c === candidates.length) return clear;
      if (candidates[c] !== j) continue;
      const z = blockInsert(n, b, scratch.windowOf(j), 0);
      if (z >= 0) return clear >= 0 && clear < z ? clear : z;
    }
  }
  return clear;
}

/** The encrypted blocks back into the packets (size unchanged). */
export function scatterVideoBlocks(v: VideoPesInPackets, scratch: VideoBlockScratch): void {
  scatterNalBlocks(v.packets, v.layout.esStart, v.nals, scratch.blocks, v.from);
}
