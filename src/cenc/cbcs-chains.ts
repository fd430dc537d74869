import type { Cipher } from 'node:crypto';
import { cbcCryptor } from './ciphers.js';
import { BLOCK, patternCryptBytes } from './pattern.js';
import { cryptInPlace } from './cipher-pieces.js';

/**
 * cbcs (ISO/IEC 23001-7 10.4): each protected range is a CBC chain of its own, from the IV, over
 * the pattern's crypt blocks. One CBC cipher per key serves every chain of a fragment: the cipher
 * carries on from the last ciphertext block C, so the first block P0 of a chain is fed as
 * P0 ^ C ^ IV, whose ciphertext E(P0 ^ IV) is what a fresh cipher from the IV gives. That spares a
 * cipher object per subsample, and the span list: the crypt blocks are gathered straight from the
 * pattern's stride, encrypted in one call per chain and scattered back with 32-bit moves.
 */
export class CbcsChains {
  private readonly ciphers = new Map<Buffer, { cipher: Cipher; last: Buffer }>();
  private scratch = Buffer.allocUnsafe(64 * 1024);

  /** Encrypt buf[start, start+length) in place as one chain from `iv16`, pattern crypt:skip (0:0 = all whole blocks). */
  chain(buf: Buffer, start: number, length: number, crypt: number, skip: number, key: Buffer, iv16: Buffer): void {
    const whole = crypt === 0 && skip === 0;
    const cryptBytes = whole ? length - (length % BLOCK) : crypt * BLOCK;
    const stride = whole ? length : (crypt + skip) * BLOCK;
    // Bytes the chain encrypts: a crypt run cut short at the range's end keeps its whole blocks only (9.7).
    const total = patternCryptBytes(length, crypt, skip);
    if (total === 0) return;
    const state = this.cipherFor(key, iv16);
    if (length <= stride || stride === cryptBytes) {
      // One contiguous run: encrypted where it lies.
      startChain(buf, start, state.last, iv16);
      cryptInPlace(state.cipher, buf, start, total);
      keepLastBlock(buf, start + total, state.last);
      return;
    }
    if (this.scratch.length < total) this.scratch = Buffer.allocUnsafe(Math.max(total, this.scratch.length * 2));
    const scratch = this.scratch;
    moveRuns(buf, start, length, cryptBytes, stride, scratch, true);
    startChain(scratch, 0, state.last, iv16);
    cryptInPlace(state.cipher, scratch, 0, total);
    keepLastBlock(scratch, total, state.last);
    moveRuns(buf, start, length, cryptBytes, stride, scratch, false);
  }

  private cipherFor(key: Buffer, iv16: Buffer): { cipher: Cipher; last: Buffer } {
    let s = this.ciphers.get(key);
    if (!s) {
      s = { cipher: cbcCryptor(key, iv16), last: Buffer.from(iv16) };
      this.ciphers.set(key, s);
    }
    return s;
  }
}

/** The chain's last ciphertext block, b[end-16, end), into `last` (byte moves: a Buffer.copy per chain cost more in its argument checks). */
function keepLastBlock(b: Buffer, end: number, last: Buffer): void {
  for (let j = 0; j < BLOCK; j++) last[j] = b[end - BLOCK + j]!;
}

/** XOR the chain's first block with C ^ IV (see CbcsChains). */
function startChain(b: Buffer, at: number, last: Buffer, iv16: Buffer): void {
  for (let j = 0; j < BLOCK; j++) b[at + j] = b[at + j]! ^ last[j]! ^ iv16[j]!;
}

/**
 * Gather (`out` true) the crypt runs of the strided range buf[start, start+length) into `packed`,
 * or scatter them back: whole strides first, then the last run cut short by the range's end (its
 * whole blocks only, 9.7). When the range starts on a 4-byte boundary of its ArrayBuffer (then so
 * does every run: strides are whole blocks), the moves are Int32Array element copies, else
 * little-endian DataView moves; one block per stride (1:9) unrolled. Measured over 1:9 runs:
 * 2x (Int32Array) and 1.3x (DataView, unrolled) faster than the big-endian DataView word loop.
 */
function moveRuns(buf: Buffer, start: number, length: number, cryptBytes: number, stride: number, packed: Buffer, out: boolean): void {
  const full = Math.floor(length / stride);
  const at = buf.byteOffset + start;
  let w: number;
  if ((at & 3) === 0 && (packed.byteOffset & 3) === 0) {
    const m = new Int32Array(buf.buffer, at, (full * stride) >> 2);
    const p = new Int32Array(packed.buffer, packed.byteOffset, (full * cryptBytes) >> 2);
    w = cryptBytes === BLOCK ? moveBlocks32(m, p, full, stride >> 2, out) : moveRuns32(m, p, full, cryptBytes >> 2, stride >> 2, out);
  } else {
    const m = new DataView(buf.buffer, at, full * stride);
    const p = new DataView(packed.buffer, packed.byteOffset, full * cryptBytes);
    w = cryptBytes === BLOCK ? moveBlocksView(m, p, full, stride, out) : moveRunsView(m, p, full, cryptBytes, stride, out);
  }
  const o = full * stride;
  let n = Math.min(cryptBytes, length - o);
  n -= n % BLOCK;
  if (n > 0) {
    if (out) buf.copy(packed, w, start + o, start + o + n);
    else packed.copy(buf, start + o, w, w + n);
  }
}

/** One 16-byte block per stride (the 1:9 of cbcs video), `count` strides, in 32-bit words. */
function moveBlocks32(m: Int32Array, p: Int32Array, count: number, stride: number, out: boolean): number {
  let a = 0;
  const end = count * 4;
  if (out) for (let w = 0; w < end; w += 4, a += stride) { p[w] = m[a]!; p[w + 1] = m[a + 1]!; p[w + 2] = m[a + 2]!; p[w + 3] = m[a + 3]!; }
  else for (let w = 0; w < end; w += 4, a += stride) { m[a] = p[w]!; m[a + 1] = p[w + 1]!; m[a + 2] = p[w + 2]!; m[a + 3] = p[w + 3]!; }
  return end * 4;
}

function moveRuns32(m: Int32Array, p: Int32Array, count: number, run: number, stride: number, out: boolean): number {
  let w = 0;
  for (let i = 0, a = 0; i < count; i++, a += stride) {
    if (out) for (let k = 0; k < run; k++) p[w + k] = m[a + k]!;
    else for (let k = 0; k < run; k++) m[a + k] = p[w + k]!;
    w += run;
  }
  return w * 4;
}

function moveBlocksView(m: DataView, p: DataView, count: number, stride: number, out: boolean): number {
  let a = 0;
  const end = count * BLOCK;
  if (out) {
    for (let w = 0; w < end; w += BLOCK, a += stride) {
      p.setInt32(w, m.getInt32(a, true), true); p.setInt32(w + 4, m.getInt32(a + 4, true), true);
      p.setInt32(w + 8, m.getInt32(a + 8, true), true); p.setInt32(w + 12, m.getInt32(a + 12, true), true);
    }
  } else {
    for (let w = 0; w < end; w += BLOCK, a += stride) {
      m.setInt32(a, p.getInt32(w, true), true); m.setInt32(a + 4, p.getInt32(w + 4, true), true);
      m.setInt32(a + 8, p.getInt32(w + 8, true), true); m.setInt32(a + 12, p.getInt32(w + 12, true), true);
    }
  }
  return end;
}

function moveRunsView(m: DataView, p: DataView, count: number, run: number, stride: number, out: boolean): number {
  let w = 0;
  for (let i = 0, a = 0; i < count; i++, a += stride) {
    if (out) for (let k = 0; k < run; k += 4) p.setInt32(w + k, m.getInt32(a + k, true), true);
    else for (let k = 0; k < run; k += 4) m.setInt32(a + k, p.getInt32(w + k, true), true);
    w += run;
  }
  return w;
}
