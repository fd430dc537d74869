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
import { createCipheriv, createDecipheriv } from 'node:crypto';
import { MediaError } from '../errors.js';

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

/** Copy src[start, end) to out at `o`, inserting 0x03 after two zeros before any byte <= 3 (ISO/IEC 14496-10 §7.4.1). */
export function escapeInto(src: Buffer, start: number, end: number, out: Buffer, o: number): number {
  let zeros = 0;
  for (let i = start; i < end; i++) {
    const b = src[i];
    if (zeros >= 2 && b <= 3) {
      out[o++] = 3;
      zeros = 0;
    }
    out[o++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  return o;
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

/** Encrypt (or decrypt) the pattern blocks of one NAL in place: one CBC chain per NAL, IV reset. */
export function cryptNalBlocks(nal: Buffer, key: Buffer, iv: Buffer, decrypt = false): number {
  const offsets = avcEncryptedBlockOffsets(nal.length);
  if (offsets.length === 0) return 0;
  const gathered = Buffer.allocUnsafe(offsets.length * BLOCK);
  for (let i = 0; i < offsets.length; i++) nal.copy(gathered, i * BLOCK, offsets[i], offsets[i] + BLOCK);
  const c = decrypt ? createDecipherivCbc(key, iv) : createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  const done = c.update(gathered);
  c.final();
  for (let i = 0; i < offsets.length; i++) done.copy(nal, offsets[i], i * BLOCK, (i + 1) * BLOCK);
  return offsets.length;
}

function createDecipherivCbc(key: Buffer, iv: Buffer) {
  return createDecipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
}

function isProtectedNalType(type: number): boolean {
  return type === 1 || type === 5;
}

/**
 * SAMPLE-AES over the elementary stream bytes of one PES (whole NAL units, each after a start
 * code). Returns a new buffer; it is longer than `es` when escaping the ciphertext needed
 * emulation prevention bytes.
 */
export function encryptAvcElementaryStream(es: Buffer, key: Buffer, iv: Buffer, where: string): Buffer {
  if (es.length === 0) return es;
  const first = nextStartCode(es, 0);
  if (first !== 0) {
    throw new MediaError('ERR_TS_NAL_SPLIT', `${where}: H.264 PES payload does not start with a start code (a NAL unit split across PES packets is not supported)`, { where });
  }
  const work = Buffer.from(es);
  // Worst case every byte pair gains an escape byte; real growth is a handful of bytes.
  const out = Buffer.allocUnsafe(es.length + (es.length >> 1) + 16);
  let o = 0;
  let sc = 0;
  while (sc >= 0 && sc < es.length) {
    const nalStart = sc + startCodeLength(es, sc);
    let nalEnd = nextStartCode(es, nalStart);
    const next = nalEnd;
    if (nalEnd < 0) nalEnd = es.length;
    o += es.copy(out, o, sc, nalStart);
    const nal = work.subarray(nalStart, nalEnd);
    if (nal.length > AVC_CLEAR_LEADER + BLOCK && isProtectedNalType(nal[0] & 0x1f)) {
      cryptNalBlocks(nal, key, iv);
      o = escapeInto(work, nalStart, nalEnd, out, o);
    } else {
      o += es.copy(out, o, nalStart, nalEnd);
    }
    sc = next;
  }
  return out.subarray(0, o);
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
      cryptNalBlocks(clear, key, iv, true);
      parts.push(clear);
    } else {
      parts.push(nal);
    }
    sc = next;
  }
  return Buffer.concat(parts);
}
