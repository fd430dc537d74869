/**
 * Many independent AES-128-CBC chains, each restarting from the same IV (SAMPLE-AES resets the
 * IV per NAL unit and per audio frame), encrypted with one ECB cipher: round r encrypts block r of
 * every chain still running in a single cipher call. A segment then costs as many cipher calls as
 * its longest chain has blocks, instead of one cipher object per NAL unit or frame.
 */
import { createCipheriv } from 'node:crypto';

/** Blocks of one chain: `count` 16-byte blocks in `buf` at start, start + stride, ... */
export interface BlockChain {
  buf: Buffer;
  start: number;
  stride: number;
  count: number;
}

export function cbcEncryptChains(chains: BlockChain[], key: Buffer, iv: Buffer): void {
  const live = chains.filter((c) => c.count > 0).sort((a, b) => b.count - a.count);
  const n = live.length;
  if (n === 0) return;
  // Flat views: a byte array over each chain's ArrayBuffer (one shared array when the chains live
  // in one arena) and absolute offsets, so the inner loops stay monomorphic.
  const mems: Uint8Array[] = new Array(n);
  const pos = new Float64Array(n);
  const stride = new Int32Array(n);
  let shared: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const c = live[i];
    const ab = c.buf.buffer;
    mems[i] = shared && shared.buffer === ab ? shared : (shared = new Uint8Array(ab));
    pos[i] = c.buf.byteOffset + c.start;
    stride[i] = c.stride;
  }
  const ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  // Previous ciphertext block of every chain, and the gathered input of one round.
  const prev = new Uint8Array(n * 16);
  for (let i = 0; i < n; i++) prev.set(iv, i * 16);
  const round = Buffer.allocUnsafe(n * 16);
  let active = n;
  const rounds = live[0].count;
  for (let r = 0; r < rounds; r++) {
    while (live[active - 1].count <= r) active--;
    for (let i = 0; i < active; i++) {
      const m = mems[i];
      const src = pos[i];
      const o = i * 16;
      for (let j = 0; j < 16; j++) round[o + j] = m[src + j] ^ prev[o + j];
    }
    const out = ecb.update(round.subarray(0, active * 16));
    for (let i = 0; i < active; i++) {
      const m = mems[i];
      const dst = pos[i];
      const o = i * 16;
      for (let j = 0; j < 16; j++) {
        const b = out[o + j];
        m[dst + j] = b;
        prev[o + j] = b;
      }
      pos[i] = dst + stride[i];
    }
  }
  ecb.final();
}
