/**
 * Keystream reuse check for the CTR schemes (cenc, cens) with 16-byte IVs: the IV is the
 * whole initial counter block, so sample n uses counter blocks [IV_n, IV_n + blocks_n); two
 * samples under one key must never share a block. (With 8-byte IVs the low 64 bits start at
 * 0 per sample, so unique IVs are enough.)
 */
import type { SencSample } from '../oracles/mp4box-js.js';

/**
 * AES blocks of keystream one sample consumes.
 * cenc: the counter runs over all protected bytes of the sample, across subsamples (§10.1).
 * cens: only encrypted pattern blocks consume it; the pattern restarts in each protected range
 * and a trailing partial block stays clear (§9.6, §9.7).
 */
export function counterBlocks(sample: SencSample, sampleSize: number, scheme: 'cenc' | 'cens', pattern: { crypt: number; skip: number }): number {
  const ranges = sample.subsamples.length ? sample.subsamples.map(([, p]) => p) : [sampleSize];
  if (scheme === 'cenc') return Math.ceil(ranges.reduce((a, b) => a + b, 0) / 16);
  const period = pattern.crypt + pattern.skip;
  return ranges.reduce((sum, bytes) => {
    const whole = Math.floor(bytes / 16);
    if (period === 0 || pattern.skip === 0) return sum + whole;
    const full = Math.floor(whole / period) * pattern.crypt;
    return sum + full + Math.min(whole % period, pattern.crypt);
  }, 0);
}

/** Samples whose counter range overlaps another's, as readable strings (empty = no reuse). */
export function overlappingCounterRanges(samples: SencSample[], sizes: number[], scheme: 'cenc' | 'cens', pattern: { crypt: number; skip: number }): string[] {
  const ranges = samples.map((s, i) => {
    const start = BigInt(`0x${s.iv}`);
    return { i, start, end: start + BigInt(counterBlocks(s, sizes[i] ?? 0, scheme, pattern)) };
  }).filter((r) => r.end > r.start).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  const out: string[] = [];
  for (let k = 1; k < ranges.length; k++) {
    const prev = ranges[k - 1]!;
    const cur = ranges[k]!;
    if (cur.start < prev.end) out.push(`samples ${prev.i} and ${cur.i} share counter blocks`);
  }
  return out;
}
