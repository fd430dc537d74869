import { SegcryptError, type SerializedError } from '../errors.js';
import { encryptFragmentInPlace, encryptMediaSegment, type FragmentTrack } from '../isobmff/index.js';

/**
 * A self-contained unit of work: input bytes + track crypto params + sequence number ->
 * output bytes. The same function runs in a worker and in the calling thread, so output is
 * byte-identical either way.
 */
export interface FragmentJob {
  /** 'fragment': one moof + its mdat; 'segment': a whole media segment (styp/sidx/moofs...). */
  kind: 'fragment' | 'segment';
  /** The input bytes, in an ArrayBuffer of their own (transferred to the worker). */
  input: ArrayBuffer;
  /** Bytes of `input` that hold the job (a reused buffer may be longer); all of it when absent. */
  inputLength?: number;
  tracks: FragmentTrack[];
  defaultSizes: [trackId: number, size: number][];
  sequence: number;
  /** File offset of input[0] (for absolute tfhd base offsets). */
  fileOffset: number;
}

/** Output bytes as views: [ArrayBuffer, byteOffset, byteLength], each ArrayBuffer owned (transferable). */
export type OutputPart = [buffer: ArrayBuffer, offset: number, length: number];

export type FragmentJobResult = { ok: OutputPart[] } | { error: SerializedError };

/** Structured clone turns Buffers into plain Uint8Arrays: make them Buffers again, no copy. */
function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

export function runFragmentJob(job: FragmentJob): FragmentJobResult {
  try {
    const tracks = new Map<number, FragmentTrack>();
    for (const t of job.tracks) {
      const nal = t.nal && { ...t.nal, config: t.nal.config && asBuffer(t.nal.config) };
      tracks.set(t.trackId, { ...t, key: asBuffer(t.key), iv: asBuffer(t.iv), nal });
    }
    const sizes = new Map(job.defaultSizes);
    const input = Buffer.from(job.input, 0, job.inputLength ?? job.input.byteLength);
    if (job.kind === 'fragment') {
      // The media data is encrypted in place and travels back in the input's own ArrayBuffer.
      const { moof, media } = encryptFragmentInPlace(input, tracks, sizes, job.sequence, job.fileOffset, new Map());
      return { ok: [[moof.buffer as ArrayBuffer, moof.byteOffset, moof.length], [job.input, media.byteOffset, media.length]] };
    }
    const out = encryptMediaSegment(input, tracks, sizes, job.sequence);
    // A segment's concat may share Node's 8 KiB pool slab when small: copy exactly the output's
    // bytes into an ArrayBuffer of their own before it is transferred.
    const whole = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
    const own = (whole ? out.buffer : out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength)) as ArrayBuffer;
    return { ok: [[own, 0, own.byteLength]] };
  } catch (e) {
    if (e instanceof SegcryptError) return { error: e.toJSON() };
    const err = e as Error;
    return { error: { name: 'SegcryptError', code: 'ERR_INTERNAL', message: String(err?.message ?? e), category: 'internal' } };
  }
}
