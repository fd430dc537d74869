const MAX_CLEAR = 0xffff; // BytesOfClearData is 16 bits (23001-7 7.2.2)

/**
 * Builds one sample's (clear, protected) pairs into a flat list: clear bytes accumulate until
 * the next protected range; a clear run longer than 65535 bytes becomes (65535, 0) pairs.
 */
export class SubsampleBuilder {
  private pending = 0;
  private pairs = 0;

  constructor(private readonly out: number[]) {}

  clear(n: number): void {
    this.pending += n;
  }

  /** A protected range: its own subsample, however short (n = 0 adds nothing). */
  protect(n: number): void {
    if (n > 0) this.push(this.pending, n);
  }

  /**
   * A range whose protected part must be a whole number of 16-byte blocks ending at its end:
   * the leftover at its start joins the clear bytes (23001-7 10.2-10.3; AV1 and VP9 bindings).
   */
  protectAligned(n: number): void {
    const lead = n % 16;
    this.clear(lead);
    this.protect(n - lead);
  }

  /** Close the sample; returns the number of pairs written (at least one). */
  finish(): number {
    if (this.pending > 0 || this.pairs === 0) this.push(this.pending, 0);
    return this.pairs;
  }

  private push(clear: number, prot: number): void {
    while (clear > MAX_CLEAR) { this.out.push(MAX_CLEAR, 0); this.pairs++; clear -= MAX_CLEAR; }
    this.out.push(clear, prot);
    this.pairs++;
    this.pending = 0;
  }
}
