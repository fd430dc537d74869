/**
 * What travels through Redis: plain JSON, no key bytes. A segment job names its file, how to
 * encrypt it (IVs are not secret) and a reference to the keys; a failure comes back as the
 * typed error's JSON (code, category, message, where) in the job's failedReason.
 */
import { createHash } from 'node:crypto';
import { SegcryptError, reviveError, type SerializedError } from '../errors.js';
import type { JobPlace, KeyReference, SegmentJob } from '../api/package-jobs.js';

/** Version of the payload: a worker refuses jobs it does not know how to read. */
export const JOB_DATA_VERSION = 1;

export interface SegmentJobData {
  v: typeof JOB_DATA_VERSION;
  packageId: string;
  job: SegmentJob;
  place: JobPlace;
  keys: KeyReference;
}

export interface PackageJobData {
  v: typeof JOB_DATA_VERSION;
  packageId: string;
  src: string;
  out: string;
  files: number;
}

/** The text of a failure as stored in Redis: the typed error as JSON (never key bytes: messages carry none). */
export function failureText(e: unknown): string {
  const s: SerializedError = e instanceof SegcryptError
    ? e.toJSON()
    : { name: 'SegcryptError', code: 'ERR_INTERNAL', category: 'internal', message: String((e as Error)?.message ?? e) };
  return JSON.stringify(s);
}

/** The typed error back from a job's failedReason; a failure BullMQ itself wrote (a job stalled too often) becomes ERR_QUEUE_JOB_FAILED. */
export function errorFromFailure(reason: string | undefined, file: string): Error {
  try {
    const parsed = JSON.parse(reason ?? '') as unknown;
    if (parsed && typeof parsed === 'object' && typeof (parsed as SerializedError).code === 'string') return reviveError(parsed);
  } catch { /* not ours */ }
  return new SegcryptError('ERR_QUEUE_JOB_FAILED', `${file}: the queue job failed: ${String(reason ?? 'no reason given').slice(0, 300)}`, { category: 'internal', where: file });
}

/**
 * A segment job's id: the same for the same package plan (`packageId`), the same job (file,
 * IVs, stream) and the same input bytes as far as size and modification time tell (`input`), so
 * that a re-run finds the jobs an earlier run finished. BullMQ job ids may not contain ':'; the
 * path is kept readable.
 */
export function segmentJobId(packageId: string, job: SegmentJob, input: string): string {
  const digest = createHash('sha256').update(JSON.stringify([job, input])).digest('hex').slice(0, 16);
  return `${packageId}.${digest}.${encodeURIComponent(job.path)}`;
}
