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
      buf.copy(state.last, 0, start + total - BLOCK, start + total);
      return;
    }
    if (this.scratch.length < total) this.scratch = Buffer.allocUnsafe(Math.max(total, this.scratch.length * 2));
    const scratch = this.scratch;
    const media = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const gathered = new DataView(scratch.buffer, scratch.byteOffset, total);
    moveRuns(media, start, length, cryptBytes, stride, gathered, true);
    startChain(scratch, 0, state.last, iv16);
    cryptInPlace(state.cipher, scratch, 0, total);
    scratch.copy(state.last, 0, total - BLOCK, total);
    moveRuns(media, start, length, cryptBytes, stride, gathered, false);
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

/** XOR the chain's first block with C ^ IV (see CbcsChains). */
function startChain(b: Buffer, at: number, last: Buffer, iv16: Buffer): void {
  for (let j = 0; j < BLOCK; j++) b[at + j] = b[at + j]! ^ last[j]! ^ iv16[j]!;
}

/** Gather (`out` true) the crypt runs of a strided range into `packed`, or scatter them back. */
function moveRuns(media: DataView, start: number, length: number, cryptBytes: number, stride: number, packed: DataView, out: boolean): void {
  let w = 0;
  for (let o = 0; o < length; o += stride) {
    let n = Math.min(cryptBytes, length - o);
    n -= n % BLOCK;
    const at = start + o;
    if (out) for (let k = 0; k < n; k += 4) packed.setInt32(w + k, media.getInt32(at + k));
    else for (let k = 0; k < n; k += 4) media.setInt32(at + k, packed.getInt32(w + k));
    w += n;
  }
}
