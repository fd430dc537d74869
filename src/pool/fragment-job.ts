import { SegcryptError, type SerializedError } from '../errors.js';
import { encryptFragmentInPlace, encryptMediaSegmentParts, type FragmentTrack } from '../isobmff/index.js';
import { encryptAes128Segment, encryptSampleAesInPlace } from '../ts/index.js';

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
  /** pssh boxes to put in every moof (key rotation: the period's DRM data). */
  pssh?: Buffer[];
}

/** One MPEG-TS segment for HLS: AES-128 (whole segment) or SAMPLE-AES, with its key and IV. */
export interface TsSegmentJob {
  kind: 'ts-segment';
  input: ArrayBuffer;
  inputLength?: number;
  scheme: 'aes-128' | 'sample-aes';
  key: Buffer;
  iv: Buffer;
}

export type MediaJob = FragmentJob | TsSegmentJob;

/** Output bytes as views: [ArrayBuffer, byteOffset, byteLength], each ArrayBuffer owned (transferable). */
export type OutputPart = [buffer: ArrayBuffer, offset: number, length: number];

export type FragmentJobResult = { ok: OutputPart[] } | { error: SerializedError };

/** Structured clone turns Buffers into plain Uint8Arrays: make them Buffers again, no copy. */
function asBuffer(u: Uint8Array): Buffer {
  return Buffer.isBuffer(u) ? u : Buffer.from(u.buffer, u.byteOffset, u.byteLength);
}

/** An output part whose ArrayBuffer can be transferred: small Buffers may sit in Node's shared pool slab. */
function ownedPart(b: Buffer, input: ArrayBuffer): OutputPart {
  if (b.buffer === input || (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength)) return [b.buffer as ArrayBuffer, b.byteOffset, b.length];
  const own = b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  return [own, 0, own.byteLength];
}

export function runFragmentJob(job: MediaJob): FragmentJobResult {
  try {
    const input = Buffer.from(job.input, 0, job.inputLength ?? job.input.byteLength);
    if (job.kind === 'ts-segment') {
      const key = asBuffer(job.key);
      const iv = asBuffer(job.iv);
      // SAMPLE-AES encrypts inside the input (its packets travel back as views of it); AES-128 makes new bytes.
      const parts = job.scheme === 'aes-128' ? [encryptAes128Segment(input, key, iv)] : encryptSampleAesInPlace(input, key, iv).parts;
      return { ok: parts.map((b) => ownedPart(b, job.input)) };
    }
    const tracks = new Map<number, FragmentTrack>();
    for (const t of job.tracks) {
      const nal = t.nal && { ...t.nal, config: t.nal.config && asBuffer(t.nal.config) };
      const frames = t.frames && { ...t.frames, config: t.frames.config && asBuffer(t.frames.config) };
      tracks.set(t.trackId, { ...t, key: asBuffer(t.key), iv: asBuffer(t.iv), nal, frames, ...(t.kid ? { kid: asBuffer(t.kid) } : {}) });
    }
    const sizes = new Map(job.defaultSizes);
    const pssh = (job.pssh ?? []).map(asBuffer);
    if (job.kind === 'fragment') {
      // The media data is encrypted in place and travels back in the input's own ArrayBuffer.
      const { moof, media } = encryptFragmentInPlace(input, tracks, sizes, job.sequence, job.fileOffset, new Map(), pssh);
      return { ok: [[moof.buffer as ArrayBuffer, moof.byteOffset, moof.length], [job.input, media.byteOffset, media.length]] };
    }
    // A segment: new moofs and sidx copies, the media data as views of the input (in place).
    return { ok: encryptMediaSegmentParts(input, tracks, sizes, job.sequence, pssh).map((b) => ownedPart(b, job.input)) };
  } catch (e) {
    if (e instanceof SegcryptError) return { error: e.toJSON() };
    const err = e as Error;
    return { error: { name: 'SegcryptError', code: 'ERR_INTERNAL', message: String(err?.message ?? e), category: 'internal' } };
  }
}
