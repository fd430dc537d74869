/**
 * The encryption pattern (ISO/IEC 23001-7 9.7): inside a protected range, `crypt` 16-byte blocks
 * are encrypted, then `skip` blocks are left clear, repeating. 0:0 means "no pattern": the whole
 * range. A trailing partial block is left clear when `wholeBlocksOnly` (CBC schemes); CTR may
 * encrypt it (cenc/cens full-sample audio).
 *
 * The pattern is a wrapper around any cryptor: it only lists the byte spans the cryptor sees, in
 * order, so the cipher can run once over their concatenation.
 */
export const BLOCK = 16;

/** A growable list of [offset, length] spans, reused across samples to avoid allocations. */
export class SpanList {
  offsets: Int32Array;
  lengths: Int32Array;
  count = 0;
  total = 0;
  constructor(capacity = 256) {
    this.offsets = new Int32Array(capacity);
    this.lengths = new Int32Array(capacity);
  }
  reset(): void { this.count = 0; this.total = 0; }
  push(offset: number, length: number): void {
    if (length <= 0) return;
    const n = this.count;
    // Merge with the previous span when adjacent (a 0:0 pattern over touching ranges).
    if (n > 0 && this.offsets[n - 1]! + this.lengths[n - 1]! === offset) {
      this.lengths[n - 1]! += length;
      this.total += length;
      return;
    }
    if (n === this.offsets.length) {
      const o = new Int32Array(n * 2); o.set(this.offsets); this.offsets = o;
      const l = new Int32Array(n * 2); l.set(this.lengths); this.lengths = l;
    }
    this.offsets[n] = offset;
    this.lengths[n] = length;
    this.count = n + 1;
    this.total += length;
  }
}

/** Append the spans a pattern selects inside the protected range [start, start+length). */
export function patternSpans(out: SpanList, start: number, length: number, crypt: number, skip: number, wholeBlocksOnly: boolean): void {
  if (crypt === 0 && skip === 0) {
    out.push(start, wholeBlocksOnly ? length - (length % BLOCK) : length);
    return;
  }
  const cryptBytes = crypt * BLOCK;
  const stride = (crypt + skip) * BLOCK;
  for (let o = 0; o < length; o += stride) {
    let n = Math.min(cryptBytes, length - o);
    n -= n % BLOCK; // a partial block inside the crypt part stays clear (9.7)
    if (n > 0) out.push(start + o, n);
  }
}

/**
 * How many bytes patternSpans selects with `wholeBlocksOnly` (the length of a cbcs chain), without
 * walking the strides: whole crypt runs, then the last one cut to the range's end and to whole blocks.
 */
export function patternCryptBytes(length: number, crypt: number, skip: number): number {
  if (crypt === 0 && skip === 0) return length - (length % BLOCK);
  const cryptBytes = crypt * BLOCK;
  const stride = (crypt + skip) * BLOCK;
  const full = Math.floor(length / stride);
  const tail = Math.min(cryptBytes, length - full * stride);
  return full * cryptBytes + tail - (tail % BLOCK);
}
