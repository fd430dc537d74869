import type { FileHandle } from 'node:fs/promises';
import type { AtomicOutput } from './atomic-output.js';
import { BufferRecycler } from './buffer-recycler.js';
import { readInto } from './file-boxes.js';

/** What a pump does with each chunk, in order; `end` gives the last output (padding, held packets). */
export interface ChunkStage {
  /** Output so far, as parts to write in order. */
  push(chunk: Buffer): Buffer[];
  end(): Buffer[];
  /**
   * Whether a chunk's buffer may be reused as soon as `push` returned. False when the output is
   * the input encrypted in place, or when the stage holds on to views of it (packets of a PES
   * that is not complete yet).
   */
  readonly copies: boolean;
  /** With `copies` false: input ArrayBuffers the stage is done with, reusable once the output returned with them is written. */
  released?(): ArrayBuffer[];
}

export interface PumpOptions {
  chunkSize?: number;
  /** Chunks read ahead of the one being processed. */
  ahead?: number;
  /** Output bytes waiting to be written before the pump waits. */
  backlog?: number;
  onProgress?: (done: number, total: number) => void;
  /** Read buffers shared between pumps (a thread streaming many segments), else the pump's own. */
  buffers?: BufferRecycler;
}

/**
 * A file through a stage into an atomic output: the next chunks are read while this one is
 * processed and the previous ones are written, each bounded, so memory stays flat whatever the
 * file size and the disk and the cipher work at once (in place of a stream pipeline, whose
 * per-chunk hops through the event loop serialise the three).
 */
export async function pumpFile(fh: FileHandle, size: number, out: AtomicOutput, stage: ChunkStage, o: PumpOptions = {}): Promise<void> {
  const chunkSize = o.chunkSize ?? 1 << 20;
  const ahead = o.ahead ?? 2;
  const backlog = o.backlog ?? 4 << 20;
  const buffers = o.buffers ?? new BufferRecycler(ahead + 1);
  const reads: Promise<Buffer>[] = [];
  let next = 0;
  let done = 0;
  const fill = () => {
    while (reads.length < ahead && next < size) {
      const len = Math.min(chunkSize, size - next);
      const r = readInto(fh, buffers.take(len), next, `bytes ${next}..${next + len}`);
      r.catch(() => undefined); // surfaced when taken
      reads.push(r);
      next += len;
    }
  };
  fill();
  while (reads.length > 0) {
    const chunk = await reads.shift()!;
    fill();
    const result = stage.push(chunk);
    done += chunk.length;
    if (stage.copies) buffers.give(chunk.buffer as ArrayBuffer);
    const free = stage.released?.() ?? [];
    if (result.length > 0) out.append(result, free.length > 0 ? () => { for (const ab of free) buffers.give(ab); } : undefined);
    o.onProgress?.(done, size);
    await out.drain(backlog);
  }
  const last = stage.end();
  if (last.length > 0) out.append(last);
  await out.drain();
}
