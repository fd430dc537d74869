/**
 * The coordinator's side of a queued package: the planned jobs go to Redis as one BullMQ flow
 * (the package as parent in `<name>-packages`, one child per file in `<name>`), `segcrypt worker`
 * processes anywhere run them, and this waits for the parent: every child done -> their results
 * (what the manifests need); a child failed for good -> its typed error, after the package's
 * pending jobs are removed and the ones in flight have settled. Finished jobs stay in Redis (their
 * output in the package's staging folder): job ids are stable for a plan, so the same command run
 * again takes them as they are and enqueues only the rest.
 */
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { IoError, SegcryptError } from '../errors.js';
import type { JobPlan } from '../api/package-job-plan.js';
import type { JobPlace, KeyReference, SegmentJob, SegmentJobResult } from '../api/package-jobs.js';
import type { FlowProducer, Job, Queue } from 'bullmq';
import { loadBullmq } from './bullmq-loader.js';
import { inputStamp, POLL_MS, removeAll, takeFinished, withdrawKeepingFinished } from './finished-jobs.js';
import { errorFromFailure, JOB_DATA_VERSION, segmentJobId, type PackageJobData, type SegmentJobData } from './job-data.js';
import { checkQueueOptions, connectionOptions, redisPlace, type PackageQueueOptions } from './queue-options.js';

const CONNECT_MS = 10_000;
/** Finished jobs of a package whose coordinator died are removed after this long. */
const KEEP_S = 7 * 24 * 3600;

export async function runPlanOnQueue(plan: JobPlan, place: JobPlace, options: PackageQueueOptions, keys: KeyReference, onDone: (n: number) => void, keysOf: (job: SegmentJob) => KeyReference = () => keys): Promise<SegmentJobResult[]> {
  const { url, name, attempts, ca } = checkQueueOptions(options);
  const bull = await loadBullmq();
  const connection = connectionOptions(url, ca);
  const jobs = plan.groups.flatMap((g) => g.jobs);
  // The same plan (input, staging folder, jobs with their IVs, key reference) gets the same ids on every run.
  const packageId = createHash('sha256').update(JSON.stringify([place, jobs, keys])).digest('hex').slice(0, 24);
  const ids = await Promise.all(jobs.map(async (j) => segmentJobId(packageId, j, await inputStamp(place.src, j))));
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
    // A re-run after a failure: what the earlier run finished is taken as it is, only the rest is enqueued.
    const finished = await takeFinished(jobs, ids, place, packageId, segments, parents);
    if (finished.size > 0) onDone(finished.size);
    const todo = jobs.map((job, i) => ({ job, id: ids[i]! })).filter(({ job }) => !finished.has(job.path));
    let parent: Job<PackageJobData> | undefined;
    try {
      if (todo.length > 0) {
        parent = await runFlow(todo, { flow, segments, parents, packageId, place, keysOf, attempts, url }, onDone);
        for (const r of Object.values(await parent.getChildrenValues<SegmentJobResult>())) finished.set(r.path, r);
      }
      // In the plan's order, as a local run absorbs them (the result's `kids` keep their order).
      const results = jobs.map((j) => finished.get(j.path)).filter((r): r is SegmentJobResult => r !== undefined);
      if (results.length !== jobs.length) {
        throw new SegcryptError('ERR_QUEUE_RESULTS', `the queue returned ${results.length} results for ${jobs.length} jobs`, { category: 'internal', where: packageId });
      }
      await removeAll(parent, ids, segments);
      return results;
    } catch (e) {
      await withdrawKeepingFinished(packageId, ids, segments, parents);
      throw e;
    }
  } finally {
    await Promise.allSettled([flow.close(), segments.close(), parents.close()]);
  }
}

interface FlowContext {
  flow: FlowProducer; segments: Queue<SegmentJobData>; parents: Queue<PackageJobData>;
  packageId: string; place: JobPlace; keysOf: (job: SegmentJob) => KeyReference; attempts: number; url: URL;
}

/** The jobs as one flow (the package as parent), waited for: the parent once every child succeeded, else the failed child's typed error. */
async function runFlow(todo: { job: SegmentJob; id: string }[], c: FlowContext, onDone: (n: number) => void): Promise<Job<PackageJobData>> {
  const parentData: PackageJobData = { v: JOB_DATA_VERSION, packageId: c.packageId, src: c.place.src, out: c.place.out, files: todo.length };
  const tree = await c.flow.add({
    name: 'package', queueName: c.parents.name, data: parentData, opts: { jobId: c.packageId },
    children: todo.map(({ job, id }) => ({
      name: job.kind, queueName: c.segments.name,
      data: { v: JOB_DATA_VERSION, packageId: c.packageId, job, place: c.place, keys: c.keysOf(job) } satisfies SegmentJobData,
      opts: {
        jobId: id, attempts: c.attempts, backoff: { type: 'exponential', delay: 500 },
        // Kept until the coordinator has read them (it removes them); a week at most if it never comes back.
        failParentOnFailure: true, removeOnComplete: { age: KEEP_S }, removeOnFail: { age: KEEP_S },
      },
    })),
  });
  const parent = tree.job;
  let reported = 0;
  for (;;) {
    const [state, counts] = await Promise.all([parent.getState(), parent.getDependenciesCount({ processed: true, unprocessed: true, failed: true })]);
    const processed = counts.processed ?? 0;
    if (processed > reported) { onDone(processed - reported); reported = processed; }
    // A child failed for good (its attempts used up, or bad media): BullMQ counts it among the parent's failed dependencies.
    if ((counts.failed ?? 0) > 0 || state === 'failed') throw await failureOf(parent, c.segments, c.parents);
    if (state === 'unknown') {
      throw new IoError('ERR_QUEUE_LOST', `the package's jobs are gone from Redis at ${redisPlace(c.url)} (restarted without persistence, or flushed): run the package again`, { where: parent.id! });
    }
    if (state !== 'waiting-children' && (counts.unprocessed ?? 0) === 0) return parent;
    await sleep(POLL_MS);
  }
}

/** TLS failures that no retry mends (an untrusted or mismatched certificate): reported at once, not after the connect timeout. */
const CERTIFICATE_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS/;

async function ready(waits: Promise<unknown>[], where: string, why: () => string | undefined): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    const fail = (within: string) => reject(new IoError('ERR_QUEUE_CONNECT', `cannot reach Redis at ${where}${within}${why() ? ` (${why()!.slice(0, 200)})` : ''}`, { where }));
    timer = setTimeout(() => fail(` within ${CONNECT_MS / 1000} s`), CONNECT_MS);
    const check = setInterval(() => { if (CERTIFICATE_ERROR.test(why() ?? '')) { clearInterval(check); fail(': its TLS certificate is not trusted'); } }, 50);
    const stop = () => clearInterval(check);
    Promise.all(waits).then(stop, stop);
    setTimeout(stop, CONNECT_MS).unref();
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
