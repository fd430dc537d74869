/**
 * One MPEG-TS segment file encrypted to another, streamed in chunks where it runs (a worker or
 * the calling thread): a package's lanes then hold a few MB each instead of whole segments, and
 * only paths travel to the worker, never the segment bytes.
 */
import { SegcryptError, type SerializedError } from '../errors.js';
import { BufferRecycler } from '../api/buffer-recycler.js';
import { encryptTsStream } from '../api/encrypt-ts.js';

export interface TsFileJob {
  kind: 'ts-file';
  input: string;
  output: string;
  size: number;
  scheme: 'aes-128' | 'sample-aes';
  key: Buffer;
  iv: Buffer;
}

export type TsFileJobResult = { ok: true } | { error: SerializedError };

const asBuffer = (u: Uint8Array) => (Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength));

/** Read buffers of this thread, reused from segment to segment (fresh ones per segment wait for a GC to be freed). */
const buffers = new BufferRecycler(4);

export async function runTsFileJob(job: TsFileJob): Promise<TsFileJobResult> {
  try {
    await encryptTsStream(job.input, job.output, job.size, job.scheme, asBuffer(job.key), asBuffer(job.iv), { buffers, backlog: 2 << 20 });
    return { ok: true };
  } catch (e) {
    if (e instanceof SegcryptError) return { error: e.toJSON() };
    return { error: { name: 'SegcryptError', code: 'ERR_INTERNAL', message: String((e as Error)?.message ?? e), category: 'internal' } };
  }
}
