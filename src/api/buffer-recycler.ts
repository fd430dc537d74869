/**
 * ArrayBuffers that come back once their bytes are written, for the next read: memory stays
 * flat (a freed 10-30 MB buffer is only returned to the OS at the next GC, so fresh buffers
 * per fragment or segment pile up) and the page faults of touching fresh memory are spared.
 */
export class BufferRecycler {
  private readonly free: ArrayBuffer[] = [];

  /** `keep`: free buffers held at most (the largest are kept). */
  constructor(private readonly keep = 4) {}

  /** A Buffer of `length` bytes at the start of an ArrayBuffer that may be longer (room to grow). */
  take(length: number): Buffer {
    let best = -1;
    for (let k = 0; k < this.free.length; k++) {
      const c = this.free[k]!.byteLength;
      if (c >= length && (best < 0 || c < this.free[best]!.byteLength)) best = k;
    }
    if (best >= 0) return Buffer.from(this.free.splice(best, 1)[0]!, 0, length);
    // The next fragments or segments are rarely exactly this size.
    const cap = Math.ceil((length * 1.25) / 65536) * 65536;
    return Buffer.from(new ArrayBuffer(cap), 0, length);
  }

  /** The buffers under parts whose bytes are written (each ArrayBuffer once). */
  giveAll(parts: Buffer[]): void {
    for (const ab of new Set(parts.map((p) => p.buffer as ArrayBuffer))) this.give(ab);
  }

  /** A buffer whose bytes are no longer needed. */
  give(ab: ArrayBuffer): void {
    if (ab.byteLength === 0) return; // detached (transferred away)
    this.free.push(ab);
    if (this.free.length > this.keep) this.free.sort((a, b) => b.byteLength - a.byteLength).length = this.keep;
  }
}
