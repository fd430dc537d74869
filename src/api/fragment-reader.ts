import type { FileHandle } from 'node:fs/promises';
import type { TopLevelPiece } from '../isobmff/index.js';
import { BufferRecycler } from './buffer-recycler.js';
import { readInto } from './file-boxes.js';

/**
 * Reads the fragments of a file ahead of the encryptor, into ArrayBuffers that come back for
 * reuse once their output is written. Reading the next fragment while this one is encrypted and
 * the last one is written keeps the disk and the cipher busy at once; the buffers are reused
 * (BufferRecycler).
 */
export class FragmentReader {
  private readonly reads = new Map<number, Promise<Buffer>>();
  private readonly buffers: BufferRecycler;
  private next = 0;
  private aheadBytes = 0;

  constructor(
    private readonly fh: FileHandle,
    private readonly pieces: TopLevelPiece[],
    /** Bytes of fragments read ahead of the one being taken (at least one fragment is). */
    private readonly budget: number,
    /** Free buffers kept for reuse. */
    keep = 4,
  ) {
    this.buffers = new BufferRecycler(keep);
  }

  /**
   * The bytes of fragment piece `i` in a buffer whose ArrayBuffer is its own (it may be longer
   * than the fragment: use the Buffer's length), and the reads after it started.
   */
  async take(i: number): Promise<Buffer> {
    this.fill(i);
    const p = this.reads.get(i)!;
    this.reads.delete(i);
    const buf = await p;
    this.aheadBytes -= buf.length;
    this.fill(i + 1);
    return buf;
  }

  /** A buffer whose bytes are written and no longer needed. */
  recycle(ab: ArrayBuffer): void {
    this.buffers.give(ab);
  }

  private fill(from: number): void {
    if (this.next < from) this.next = from;
    while (this.next < this.pieces.length) {
      const piece = this.pieces[this.next]!;
      if (!piece.fragment) { this.next++; continue; } // loose boxes: the caller reads them
      const len = piece.end - piece.start;
      if (this.reads.size > 0 && this.aheadBytes + len > this.budget) return;
      this.aheadBytes += len;
      const read = this.read(piece.start, len);
      read.catch(() => undefined); // surfaced by take
      this.reads.set(this.next++, read);
    }
  }

  private read(position: number, length: number): Promise<Buffer> {
    return readInto(this.fh, this.buffers.take(length), position, `fragment at byte ${position}`);
  }
}
