/**
 * Exp-Golomb bit reader over an escaped NAL unit (ISO/IEC 14496-10 7.2, 9.1): skips emulation
 * prevention bytes (0x000003) and counts position in the *escaped* bytes, because subsample
 * ranges are measured in the bytes that are stored.
 */
export class RbspReader {
  private pos: number; // next escaped byte to load
  private cur = 0;
  private bitsLeft = 0;
  private zeros = 0;

  constructor(private readonly buf: Buffer, start: number, private readonly end: number) {
    this.pos = start;
  }

  private load(): void {
    if (this.pos >= this.end) throw new RangeError('read past the end of the NAL unit');
    let b = this.buf[this.pos++]!;
    if (this.zeros >= 2 && b === 3) {
      if (this.pos >= this.end) throw new RangeError('read past the end of the NAL unit');
      b = this.buf[this.pos++]!;
      this.zeros = 0;
    }
    this.zeros = b === 0 ? this.zeros + 1 : 0;
    this.cur = b;
    this.bitsLeft = 8;
  }

  u1(): number {
    if (this.bitsLeft === 0) this.load();
    this.bitsLeft--;
    return (this.cur >> this.bitsLeft) & 1;
  }

  u(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = v * 2 + this.u1();
    return v;
  }

  ue(): number {
    let zeros = 0;
    while (this.u1() === 0) {
      if (++zeros > 31) throw new RangeError('exp-Golomb code longer than 32 bits');
    }
    return zeros === 0 ? 0 : 2 ** zeros - 1 + this.u(zeros);
  }

  se(): number {
    const k = this.ue();
    return k & 1 ? (k + 1) / 2 : -(k / 2);
  }

  /** Escaped bytes consumed so far, counting a partly read byte as consumed. */
  get bytePosition(): number {
    return this.pos;
  }
}
