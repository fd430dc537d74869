/**
 * Per-sample IVs (ISO/IEC 23001-7 9.1: never reuse a keystream under one key).
 *
 * The IV for a sample is the base IV plus a 64-bit counter added to its first 8 bytes:
 *   counter = trackOrdinal * 2^56 + sequence * 2^24 + sampleIndexInSegment
 * (sequence = the fragment's index in a file, or the caller's segment sequence number). It is a
 * pure function of (base, track, sequence, sample), so output does not depend on pool size or
 * completion order, and segments can be encrypted in any order. Adding to the first 8 bytes
 * keeps the low 8 bytes of a 16-byte CTR IV free for the block counter.
 */
const TWO_56 = 1n << 56n;
const TWO_24 = 1n << 24n;
const MASK64 = (1n << 64n) - 1n;

export function sampleCounterStart(trackOrdinal: number, sequence: number): bigint {
  return BigInt(trackOrdinal) * TWO_56 + BigInt(sequence) * TWO_24;
}

/** Write base + counter (mod 2^64 on the first 8 bytes) into `out` (8 or 16 bytes). */
export function writeSampleIv(base: Buffer, counter: bigint, out: Buffer): void {
  const hi = (base.readBigUInt64BE(0) + counter) & MASK64;
  out.writeBigUInt64BE(hi, 0);
  if (out.length === 16) {
    if (base.length === 16) base.copy(out, 8, 8, 16);
    else out.fill(0, 8, 16);
  }
}

/** The 16-byte cipher IV from an 8-byte per-sample IV (zero-padded, 9.5/9.6) or a 16-byte one. */
export function cipherIv(iv: Buffer, out16: Buffer): Buffer {
  // Byte moves, not Buffer.copy/fill: called per sample, where their argument checks cost more
  // than the 16 bytes (and gave the optimizing compiler large graphs to build).
  const n = iv.length;
  for (let k = 0; k < n; k++) out16[k] = iv[k]!;
  for (let k = n; k < 16; k++) out16[k] = 0;
  return out16;
}
