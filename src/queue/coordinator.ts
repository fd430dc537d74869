/**
 * The coordinator's side of a queued package: the planned jobs go to Redis as one BullMQ flow
 * (the package as parent in `<name>-packages`, one child per file in `<name>`), `segcrypt worker`
 * processes anywhere run them, and this waits for the parent: every child done -> their results
 * (what the manifests need); a child failed for good -> its typed error, after the package's
 * pending jobs are removed and the ones in flight have settled (none may write into the temp
 * folder once the caller removes it).
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { IoError, SegcryptError } from '../errors.js';
import type { JobPlan } from '../api/package-job-plan.js';
import type { JobPlace, KeyReference, SegmentJobResult } from '../api/package-jobs.js';
import type { Job, Queue } from 'bullmq';
import { loadBullmq } from './bullmq-loader.js';
import { errorFromFailure, JOB_DATA_VERSION, segmentJobId, type PackageJobData, type SegmentJobData } from './job-data.js';
import { checkQueueOptions, connectionOptions, redisPlace, type PackageQueueOptions } from './queue-options.js';

/** How often the parent's state is read: a poll survives reconnects that event streams may miss. */
const POLL_MS = 200;
/** Longest wait for jobs still running on workers after a failure, before giving up on them. */
const SETTLE_MS = 60_000;
const CONNECT_MS = 10_000;
/** Finished jobs of a package whose coordinator died are removed after this long. */
const KEEP_S = 7 * 24 * 3600;

export async function runPlanOnQueue(plan: JobPlan, place: JobPlace, options: PackageQueueOptions, keys: KeyReference, onDone: (n: number) => void): Promise<SegmentJobResult[]> {
  const { url, name, attempts } = checkQueueOptions(options);
  const bull = await loadBullmq();
  const connection = connectionOptions(url);
  const jobs = plan.groups.flatMap((g) => g.jobs);
  // One id per run (the temp folder is new each run) and per plan: adding the same flow twice adds nothing.
  const packageId = createHash('sha256').update(JSON.stringify([place, jobs, keys])).digest('hex').slice(0, 24);
  const flow = new bull.FlowProducer({ connection });
  const segments = new bull.Queue<SegmentJobData>(name, { connection });
  const parents = new bull.Queue<PackageJobData>(`${name}-packages`, { connection });
  // Connection errors are retried by ioredis; kept (not printed) to say why Redis could not be reached.
  let lastError: string | undefined;
  const keep = (e: Error): void => { lastError = (e as NodeJS.ErrnoException).code ?? e.message; };
  flow.on('error', keep);
  segments.on('error', keep);
  parents.on('error', keep);
  try {
    await ready([flow.waitUntilReady(), segments.waitUntilReady(), parents.waitUntilReady()], redisPlace(url), () => lastError);
    const parentData: PackageJobData = { v: JOB_DATA_VERSION, packageId, src: place.src, out: place.out, files: jobs.length };
    const tree = await flow.add({
      name: 'package', queueName: parents.name, data: parentData, opts: { jobId: packageId },
      children: jobs.map((job) => ({
        name: job.kind, queueName: name,
        data: { v: JOB_DATA_VERSION, packageId, job, place, keys } satisfies SegmentJobData,
        opts: {
          jobId: segmentJobId(packageId, job.path), attempts, backoff: { type: 'exponential', delay: 500 },
          // Kept until the coordinator has read them (it removes them); a week at most if it never comes back.
          failParentOnFailure: true, removeOnComplete: { age: KEEP_S }, removeOnFail: { age: KEEP_S },
        },
      })),
    });
    const parent = tree.job;
    let reported = 0;
    try {
      for (;;) {
        const [state, counts] = await Promise.all([parent.getState(), parent.getDependenciesCount({ processed: true, unprocessed: true, failed: true })]);
        const processed = counts.processed ?? 0;
        if (processed > reported) { onDone(processed - reported); reported = processed; }
        // A child failed for good (its attempts used up, or bad media): BullMQ counts it among the parent's failed dependencies.
        if ((counts.failed ?? 0) > 0 || state === 'failed') throw await failureOf(parent, segments, parents);
        if (state === 'unknown') {
          throw new IoError('ERR_QUEUE_LOST', `the package's jobs are gone from Redis at ${redisPlace(url)} (restarted without persistence, or flushed): run the package again`, { where: parent.id! });
        }
        if (state !== 'waiting-children' && (counts.unprocessed ?? 0) === 0) break;
        await sleep(POLL_MS);
      }
      const values = await parent.getChildrenValues<SegmentJobResult>();
      // In the plan's order, as a local run absorbs them (the result's `kids` keep their order).
      const byPath = new Map(Object.values(values).map((r) => [r.path, r]));
      const results = jobs.map((j) => byPath.get(j.path)).filter((r): r is SegmentJobResult => r !== undefined);
      if (results.length !== jobs.length) {
        throw new SegcryptError('ERR_QUEUE_RESULTS', `the queue returned ${results.length} results for ${jobs.length} jobs`, { category: 'internal', where: parent.id! });
      }
      await parent.remove({ removeChildren: true }).catch(() => undefined);
      return results;
    } catch (e) {
      await withdraw(packageId, jobs.map((j) => j.path), segments, parents);
      throw e;
    }
  } finally {
    await Promise.allSettled([flow.close(), segments.close(), parents.close()]);
  }
}

async function ready(waits: Promise<unknown>[], where: string, why: () => string | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IoError('ERR_QUEUE_CONNECT', `cannot reach Redis at ${where} within ${CONNECT_MS / 1000} s${why() ? ` (${why()!.slice(0, 200)})` : ''}`, { where })), CONNECT_MS);
  });
  try {
    await Promise.race([Promise.all(waits), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The typed error of the child that failed the package (a failed dependency of the parent, or named in its failedReason). */
async function failureOf(parent: Job<PackageJobData>, segments: Queue<SegmentJobData>, parents: Queue<PackageJobData>): Promise<Error> {
  const deps = await parent.getDependencies({ failed: { count: 1 } });
  let childKey = deps.failed?.[0];
  let reason: string | undefined;
  if (!childKey) {
    reason = (await parents.getJob(parent.id!))?.failedReason;
    childKey = /child (\S+) failed/.exec(reason ?? '')?.[1];
  }
  const child = childKey ? await segments.getJob(childKey.slice(childKey.lastIndexOf(':') + 1)) : undefined;
  if (!child) return new SegcryptError('ERR_QUEUE_JOB_FAILED', `the package failed in the queue: ${String(reason ?? 'unknown reason').slice(0, 300)}`, { category: 'internal', where: parent.id! });
  return errorFromFailure(child.failedReason, child.data.job.path);
}

/**
 * Take the package's jobs off the queue: waiting ones removed, running ones waited for (bounded),
 * then all of them and the parent removed.
 */
async function withdraw(packageId: string, files: string[], segments: Queue<SegmentJobData>, parents: Queue<PackageJobData>): Promise<void> {
  const ids = files.map((f) => segmentJobId(packageId, f));
  const deadline = Date.now() + SETTLE_MS;
  try {
    for (;;) {
      let active = 0;
      for (const id of ids) {
        const job = await segments.getJob(id);
        if (!job) continue;
        const state = await job.getState();
        if (state === 'active') { active++; continue; }
        if (state !== 'completed' && state !== 'failed') await job.remove().catch(() => undefined);
      }
      if (active === 0 || Date.now() > deadline) break;
      await sleep(POLL_MS);
    }
    const parent = await parents.getJob(packageId);
    await parent?.remove({ removeChildren: true }).catch(() => undefined);
    for (const id of ids) await (await segments.getJob(id))?.remove().catch(() => undefined);
  } catch {
    // Redis gone: the caller's error is the one to report; the jobs fail on the missing temp folder.
  }
}
