/**
 * Many independent AES-128-CBC chains, each restarting from the same IV (SAMPLE-AES resets the
 * IV per NAL unit and per audio frame), through one CBC cipher: before each chain a block
 * X = D(IV) xor C_last is fed, whose ciphertext is IV again, so the chain starts from the IV
 * (X's ciphertext is discarded). A contiguous chain (audio frame) is encrypted where it lies; a
 * strided one (H.264: 1 block in 10) is gathered into one run of blocks, encrypted in one call
 * and scattered back, with 32-bit moves. (An earlier version ran strided chains in rounds, block
 * r of every chain per ECB call: with one long NAL per frame that is a cipher call per block;
 * measured 290 ms of cipher calls on the bench TS, against one call per chain now.)
 */
import { type Cipher, createCipheriv, createDecipheriv } from 'node:crypto';

/** Blocks of one chain: `count` 16-byte blocks in `buf` at start, start + stride, ... */
export interface BlockChain {
  buf: Buffer;
  start: number;
  stride: number;
  count: number;
}

export function cbcEncryptChains(chains: BlockChain[], key: Buffer, iv: Buffer): void {
  new CbcChainCipher(key, iv).encrypt(chains);
}

/**
 * The same, kept from call to call (a stream encrypts what became ready at each push): one
 * cipher and one D(IV) for the whole stream instead of two cipher objects per call. Never
 * finalised (no padding to flush); the next call's first chain is reset to the IV like any other.
 */
export class CbcChainCipher {
  private readonly resetToIv: Buffer;
  private readonly cbc: Cipher;
  private readonly x = Buffer.allocUnsafe(16);
  private scratch = Buffer.allocUnsafe(0);
  /** The last ciphertext block so far (the chaining value), none before the first chain. */
  private last: Buffer | undefined;

  constructor(key: Buffer, iv: Buffer) {
    this.resetToIv = createDecipheriv('aes-128-ecb', key, null).setAutoPadding(false).update(iv);
    this.cbc = createCipheriv('aes-128-cbc', key, iv).setAutoPadding(false);
  }

  encrypt(chains: BlockChain[]): void {
    const { cbc, x, resetToIv } = this;
    let last = this.last;
    for (const c of chains) {
      if (c.count <= 0) continue;
      if (last) {
        for (let j = 0; j < 16; j++) x[j] = resetToIv[j]! ^ last[j]!;
        cbc.update(x);
      }
      let out: Buffer;
      if (c.stride === 16 || c.count === 1) {
        out = cbc.update(c.buf.subarray(c.start, c.start + c.count * 16));
        out.copy(c.buf, c.start);
      } else {
        const n = c.count * 16;
        if (this.scratch.length < n) this.scratch = Buffer.allocUnsafe(Math.max(n, this.scratch.length * 2));
        const mem = new DataView(c.buf.buffer, c.buf.byteOffset, c.buf.byteLength);
        const gathered = new DataView(this.scratch.buffer, this.scratch.byteOffset, n);
        for (let k = 0, at = c.start; k < n; k += 16, at += c.stride) {
          for (let j = 0; j < 16; j += 4) gathered.setInt32(k + j, mem.getInt32(at + j));
        }
        out = cbc.update(this.scratch.subarray(0, n));
        const enc = new DataView(out.buffer, out.byteOffset, out.byteLength);
        for (let k = 0, at = c.start; k < n; k += 16, at += c.stride) {
          for (let j = 0; j < 16; j += 4) mem.setInt32(at + j, enc.getInt32(k + j));
        }
      }
      last = out.subarray(out.length - 16);
    }
    this.last = last;
  }
}
