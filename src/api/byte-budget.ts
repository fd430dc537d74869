/**
 * A bound on the bytes a package holds in memory across all its lanes (segments read whole,
 * being encrypted, waiting to be written), instead of a bound per lane: a lane waits for room
 * before it reads. One job is always let through, however large, so nothing waits forever.
 */
export class ByteBudget {
  private used = 0;
  private holders = 0;
  private readonly waiting: { bytes: number; go: () => void }[] = [];

  constructor(readonly limit: number) {}

  async acquire(bytes: number): Promise<void> {
    if (this.fits(bytes) && this.waiting.length === 0) {
      this.take(bytes);
      return;
    }
    await new Promise<void>((go) => this.waiting.push({ bytes, go }));
  }

  release(bytes: number): void {
    this.used -= bytes;
    this.holders--;
    while (this.waiting.length > 0 && this.fits(this.waiting[0]!.bytes)) {
      const w = this.waiting.shift()!;
      this.take(w.bytes);
      w.go();
    }
  }

  private fits(bytes: number): boolean {
    return this.holders === 0 || this.used + bytes <= this.limit;
  }

  private take(bytes: number): void {
    this.used += bytes;
    this.holders++;
  }
}
