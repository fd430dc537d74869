/**
 * MSB-first bit reader over buf[start, end) with no emulation prevention (AV1 OBUs, VP9 frame
 * headers). Reading past the end throws a RangeError; callers turn it into a MediaError naming
 * the sample.
 */
export class BitReader {
  private bit: number; // absolute bit position

  constructor(private readonly buf: Buffer, start: number, private readonly end: number) {
    this.bit = start * 8;
  }

  f(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.bit >> 3;
      if (byte >= this.end) throw new RangeError('read past the end of the header');
      v = v * 2 + ((this.buf[byte]! >> (7 - (this.bit & 7))) & 1);
      this.bit++;
    }
    return v;
  }

  /** Signed: n bits, the top one the sign (AV1 su(n), 4.10.6). */
  su(n: number): number {
    const v = this.f(n);
    const signMask = 2 ** (n - 1);
    return v >= signMask ? v - 2 * signMask : v;
  }

  /** AV1 ns(n) (4.10.7): a non-symmetric unsigned value below n. */
  ns(n: number): number {
    let w = 0;
    for (let x = n; x !== 0; x >>= 1) w++;
    const m = (1 << w) - n;
    const v = this.f(w - 1);
    return v < m ? v : (v << 1) - m + this.f(1);
  }

  /** AV1 uvlc() (4.10.3). */
  uvlc(): number {
    let zeros = 0;
    while (this.f(1) === 0) {
      if (++zeros >= 32) return 2 ** 32 - 1;
    }
    return 2 ** zeros - 1 + this.f(zeros);
  }

  /** Skip to the next byte boundary (AV1 byte_alignment, VP9 trailing_bits). */
  byteAlign(): void {
    this.bit = (this.bit + 7) & ~7;
  }

  /** Bytes from buf[0] up to the current position, a partly read byte counting as read. */
  get bytePosition(): number {
    return (this.bit + 7) >> 3;
  }

  get bitPosition(): number {
    return this.bit;
  }
}

/** AV1 leb128() (4.10.5) at buf[at]: the value and its length in bytes; null if it runs past `end`. */
export function readLeb128(buf: Buffer, at: number, end: number): { value: number; length: number } | null {
  let value = 0;
  for (let i = 0; i < 8; i++) {
    if (at + i >= end) return null;
    const b = buf[at + i]!;
    value += (b & 0x7f) * 2 ** (7 * i);
    if ((b & 0x80) === 0) return { value, length: i + 1 };
  }
  return null;
}
