/**
 * What a re-run of a queued package can keep: the segment jobs an earlier run of the same plan
 * finished (same job id: see segmentJobId) whose output is still in the package's staging folder.
 * Everything else of the earlier run (jobs waiting, failed, or whose output is gone) is taken off
 * the queue so that it can be enqueued again under the same id.
 */
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Job, Queue } from 'bullmq';
import type { JobPlace, SegmentJob, SegmentJobResult } from '../api/package-jobs.js';
import type { PackageJobData, SegmentJobData } from './job-data.js';

/** How often the parent's state is read: a poll survives reconnects that event streams may miss; short, as the package's end waits on it. */
export const POLL_MS = 50;
/** Longest wait for jobs still running on workers (after a failure, or left by an earlier run). */
export const SETTLE_MS = 60_000;

/** Size and modification time of a job's input (and of its stream's init): a changed input changes the job's id. */
export async function inputStamp(src: string, job: SegmentJob): Promise<string> {
  const files = job.kind === 'fmp4-segment' ? [job.path, job.init] : [job.path];
  const stamps = await Promise.all(files.map(async (f) => {
    const st = await stat(path.join(src, f)).catch(() => undefined);
    return st ? `${st.size}/${st.mtimeMs}` : 'missing';
  }));
  return stamps.join(',');
}

/** A job's state once no worker holds it (bounded wait); undefined: no such job. */
async function settledState(job: Job | undefined, deadline: number): Promise<string | undefined> {
  if (!job) return undefined;
  for (;;) {
    const state = await job.getState();
    if (state !== 'active' || Date.now() > deadline) return state;
    await sleep(POLL_MS);
  }
}

/**
 * The results of the planned jobs an earlier run finished, by path; every other job of that run
 * under a planned id is removed (it is enqueued again), as is that run's parent.
 */
export async function takeFinished(jobs: SegmentJob[], ids: string[], place: JobPlace, packageId: string, segments: Queue<SegmentJobData>, parents: Queue<PackageJobData>): Promise<Map<string, SegmentJobResult>> {
  const finished = new Map<string, SegmentJobResult>();
  const deadline = Date.now() + SETTLE_MS;
  // An earlier coordinator's parent: removed alone, its finished children stay for this run.
  await (await parents.getJob(packageId))?.remove({ removeChildren: false }).catch(() => undefined);
  // One round trip's worth of waiting for all the look-ups (ioredis pipelines concurrent commands).
  const olds = await Promise.all(ids.map((id) => segments.getJob(id)));
  for (const [i, j] of jobs.entries()) {
    const old = olds[i];
    const state = await settledState(old, deadline);
    if (!old || state === undefined) continue;
    const staged = await stat(path.join(place.out, j.path)).then((s) => s.isFile(), () => false);
    if (state === 'completed' && staged && old.returnvalue) { finished.set(j.path, old.returnvalue as SegmentJobResult); continue; }
    await old.remove().catch(() => undefined);
  }
  return finished;
}

/**
 * After a failure: the jobs still running are waited for (bounded), the ones not started and the
 * failed ones removed, the parent removed; finished ones stay (their output is in the staging
 * folder) for a re-run to take.
 */
export async function withdrawKeepingFinished(packageId: string, ids: string[], segments: Queue<SegmentJobData>, parents: Queue<PackageJobData>): Promise<void> {
  const deadline = Date.now() + SETTLE_MS;
  try {
    for (;;) {
      let active = 0;
      for (const job of await Promise.all(ids.map((id) => segments.getJob(id)))) {
        if (!job) continue;
        const state = await job.getState();
        if (state === 'active') { active++; continue; }
        if (state !== 'completed') await job.remove().catch(() => undefined);
      }
      if (active === 0 || Date.now() > deadline) break;
      await sleep(POLL_MS);
    }
    await (await parents.getJob(packageId))?.remove({ removeChildren: false }).catch(() => undefined);
  } catch {
    // Redis gone: the caller's error is the one to report.
  }
}

/** Every job of a finished package off the queue: the parent with its children, and the jobs taken over from an earlier run. */
export async function removeAll(parent: Job | undefined, ids: string[], segments: Queue<SegmentJobData>): Promise<void> {
  await parent?.remove({ removeChildren: true }).catch(() => undefined);
  await Promise.all(ids.map(async (id) => (await segments.getJob(id))?.remove().catch(() => undefined)));
}
