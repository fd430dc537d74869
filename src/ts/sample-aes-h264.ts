/**
 * SAMPLE-AES for H.264 in Annex B byte stream form (Apple, MPEG-2 Stream Encryption Format for
 * HTTP Live Streaming, §2.2, Listing 2-1):
 *   NAL units of type 1 and 5 only; nal_unit_type byte + 31 bytes clear; then one 16-byte block
 *   encrypted and up to 144 bytes clear, repeated, a block being encrypted only while more than 16
 *   bytes remain (so a NAL of 48 bytes or fewer stays clear); AES-128-CBC, IV reset per NAL unit.
 *   "Each NAL unit is formed with start code emulation prevention applied": decryptors (ffmpeg
 *   hls_sample_encryption.c, hls.js sample-aes.ts) strip every 0x000003 first and then decrypt,
 *   so we encrypt the NAL as it is in the stream and escape the result (re-escaping existing
 *   emulation prevention bytes, as Shaka Packager does). Stripping then gives back exactly the
 *   encrypted NAL, and decrypting it gives back the original bytes.
 */
import { createDecipheriv } from 'node:crypto';
import { MediaError } from '../errors.js';
import { type BlockChain, cbcEncryptChains } from './cbc-chains.js';

export const AVC_CLEAR_LEADER = 32;
const BLOCK = 16;
const SKIP = 144;

/** Offsets (within a NAL of `length` bytes) of the 16-byte blocks Listing 2-1 encrypts. */
export function avcEncryptedBlockOffsets(length: number): number[] {
  const blocks: number[] = [];
  let pos = AVC_CLEAR_LEADER;
  while (pos < length) {
    if (length - pos > BLOCK) {
      blocks.push(pos);
      pos += BLOCK;
    }
    pos += Math.min(SKIP, length - pos);
  }
  return blocks;
}

/**
 * Start of the next Annex B start code at or after `from` (its first zero byte), or -1.
 * A 4-byte start code wins over the 3-byte one inside it, matching the NAL splitting of ffmpeg's
 * decryptor: a NAL ends where 00 00 00 01 or 00 00 01 begins.
 */
export function nextStartCode(es: Buffer, from: number): number {
  const r = es.indexOf(START3, from);
  if (r < 0) return -1;
  return r - 1 >= from && es[r - 1] === 0 ? r - 1 : r;
}
const START3 = Buffer.from([0, 0, 1]);

function startCodeLength(es: Buffer, at: number): number {
  return es[at + 2] === 1 ? 3 : 4;
}

const ZERO_PAIR = Buffer.from([0, 0]);

/**
 * Copy src[start, end) to out at `o`, inserting 0x03 after two zeros before any byte <= 3
 * (ISO/IEC 14496-10 §7.4.1). Scans with native indexOf and copies runs, not bytes. Returns the
 * new write offset; with `out` undefined it only counts (returns the escaped length). `inserts`
 * collects the source offsets an 0x03 was inserted before.
 */
export function escapeInto(src: Buffer, start: number, end: number, out: Buffer | undefined, o: number, inserts?: number[]): number {
  let run = start;
  let i = start;
  for (;;) {
    const z = src.indexOf(ZERO_PAIR, i);
    if (z < 0 || z + 2 >= end) break;
    if (src[z + 2] <= 3) {
      if (out) {
        src.copy(out, o, run, z + 2);
        out[o + z + 2 - run] = 3;
        inserts?.push(z + 2);
      }
      o += z + 2 - run + 1;
      run = z + 2;
      i = z + 2; // the byte that needed the escape may start the next zero pair
    } else {
      i = z + 3;
    }
  }
  if (out) src.copy(out, o, run, end);
  return o + end - run;
}

/** Inverse of escapeInto: drop the 0x03 of every 00 00 03 (used by tests and the reference decryptor). */
export function unescapeNal(nal: Buffer): Buffer {
  const out = Buffer.allocUnsafe(nal.length);
  let o = 0;
  let zeros = 0;
  for (let i = 0; i < nal.length; i++) {
    const b = nal[i];
    if (zeros >= 2 && b === 3) {
      zeros = 0;
      continue;
    }
    out[o++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return out.subarray(0, o);
}

/** Decrypt the pattern blocks of one unescaped NAL in place with node's CBC (the reference decryptor's half). */
function decryptNalBlocks(nal: Buffer, key: Buffer, iv: Buffer): void {
  const offsets = avcEncryptedBlockOffsets(nal.length);
  if (offsets.length === 0) return;
  const gathered = Buffer.allocUnsafe(offsets.length * BLOCK);
  for (let i = 0; i < offsets.length; i++) nal.copy(gathered, i * BLOCK, offsets[i], offsets[i] + BLOCK);
  const d = createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  const done = d.update(gathered);
  d.final();
  for (let i = 0; i < offsets.length; i++) done.copy(nal, offsets[i], i * BLOCK, (i + 1) * BLOCK);
}

function isProtectedNalType(type: number): boolean {
  return type === 1 || type === 5;
}

/** A NAL unit inside a PES payload: [start, end) after its start code. */
export interface NalUnit {
  start: number;
  end: number;
  /** Type 1 or 5 and longer than 48 bytes: has blocks to encrypt. */
  protect: boolean;
}

/** The NAL units of one PES payload (whole NAL units, each after a start code). */
export function avcNalUnits(es: Buffer, where: string): NalUnit[] {
  const nals: NalUnit[] = [];
  if (es.length === 0) return nals;
  if (nextStartCode(es, 0) !== 0) {
    throw new MediaError('ERR_TS_NAL_SPLIT', `${where}: H.264 PES payload does not start with a start code (a NAL unit split across PES packets is not supported)`, { where });
  }
  let sc = 0;
  while (sc >= 0 && sc < es.length) {
    const start = sc + startCodeLength(es, sc);
    const next = nextStartCode(es, start);
    const end = next < 0 ? es.length : next;
    nals.push({ start, end, protect: end - start > AVC_CLEAR_LEADER + BLOCK && isProtectedNalType(es[start] & 0x1f) });
    sc = next;
  }
  return nals;
}

/** Blocks of a protected NAL unit of `length` bytes (Listing 2-1: one per 160 while more than 16 bytes remain). */
export function nalBlockCount(length: number): number {
  return Math.floor((length - AVC_CLEAR_LEADER - BLOCK - 1) / (BLOCK + SKIP)) + 1;
}

/** The CBC chain of each protected NAL: blocks at 32 + 160k (Listing 2-1). */
export function avcBlockChains(es: Buffer, nals: NalUnit[]): BlockChain[] {
  const chains: BlockChain[] = [];
  for (const n of nals) {
    if (!n.protect) continue;
    chains.push({ buf: es, start: n.start + AVC_CLEAR_LEADER, stride: BLOCK + SKIP, count: nalBlockCount(n.end - n.start) });
  }
  return chains;
}

/**
 * After the chains ran: the payload with emulation prevention re-applied to every protected NAL
 * unit. Returns `es` itself when nothing needed escaping; `inserts` collects where 0x03 went;
 * `alloc` gives the buffer of a grown result (a pooled one, to spare the garbage).
 */
export function escapeProtectedNals(es: Buffer, nals: NalUnit[], inserts?: number[], alloc: (length: number) => Buffer = Buffer.allocUnsafe): Buffer {
  let length = es.length;
  for (const n of nals) if (n.protect) length += escapeInto(es, n.start, n.end, undefined, 0) - (n.end - n.start);
  if (length === es.length) return es;
  const out = alloc(length);
  let o = 0;
  let from = 0;
  for (const n of nals) {
    if (!n.protect) continue;
    o += es.copy(out, o, from, n.start);
    o = escapeInto(es, n.start, n.end, out, o, inserts);
    from = n.end;
  }
  es.copy(out, o, from);
  return out;
}

/**
 * SAMPLE-AES over the elementary stream bytes of one PES on its own (the segment encryptor batches
 * the chains of a whole segment instead). Returns a new buffer, longer than `es` when escaping
 * the ciphertext needed emulation prevention bytes.
 */
export function encryptAvcElementaryStream(es: Buffer, key: Buffer, iv: Buffer, where: string): Buffer {
  const work = Buffer.from(es);
  const nals = avcNalUnits(work, where);
  cbcEncryptChains(avcBlockChains(work, nals), key, iv);
  return escapeProtectedNals(work, nals);
}

/**
 * Reference decryptor with the exact behaviour of ffmpeg's and hls.js's: strip emulation
 * prevention, decrypt the pattern blocks. Used by tests to check round trips and EPB handling.
 */
export function decryptAvcElementaryStream(es: Buffer, key: Buffer, iv: Buffer): Buffer {
  const parts: Buffer[] = [];
  let sc = nextStartCode(es, 0);
  while (sc >= 0 && sc < es.length) {
    const nalStart = sc + startCodeLength(es, sc);
    let nalEnd = nextStartCode(es, nalStart);
    const next = nalEnd;
    if (nalEnd < 0) nalEnd = es.length;
    parts.push(es.subarray(sc, nalStart));
    const nal = es.subarray(nalStart, nalEnd);
    if (nal.length > AVC_CLEAR_LEADER + BLOCK && isProtectedNalType(nal[0] & 0x1f)) {
      const clear = Buffer.from(unescapeNal(nal));
      decryptNalBlocks(clear, key, iv);
      parts.push(clear);
    } else {
      parts.push(nal);
    }
    sc = next;
  }
  return Buffer.concat(parts);
}
