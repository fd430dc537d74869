/**
 * A queue worker: takes segment jobs from Redis and runs them with the engine's one job function
 * (PackageJobRunner.run, the same the local package run calls). Keys come from the worker's own
 * key source, looked up by the job's reference; bad media and bad options fail the job at once
 * (retrying cannot help), anything else is retried by BullMQ up to the job's attempts.
 */
import type { Job } from 'bullmq';
import { SegcryptError } from '../errors.js';
import { ByteBudget } from '../api/byte-budget.js';
import type { KeyProvider, KeySet } from '../keys/content-key.js';
import { PackageJobRunner, type KeyReference, type SegmentJobResult } from '../api/package-jobs.js';
import { FragmentPool } from '../pool/index.js';
import { FileStorage, type PackageStorage } from '../api/package-storage.js';
import { loadBullmq } from './bullmq-loader.js';
import { checkKids, PeriodKeys } from './period-keys.js';
import { failureText, JOB_DATA_VERSION, type SegmentJobData } from './job-data.js';
import { checkQueueOptions, connectionOptions } from './queue-options.js';

export interface QueueWorkerOptions {
  /** Redis URL, as for the coordinator. */
  connection: string;
  /** rediss:// only: the CA to trust (PEM text or file path). */
  ca?: string;
  name?: string;
  /** Jobs run at once in this process (default 1; start one process per core); one more is held, fetched ahead. */
  concurrency?: number;
  /** The worker's key source (static keys, CPIX, SPEKE with its credentials). */
  keys: KeyProvider;
  /** Worker threads per stream encryptor (default 0: in the job's thread). */
  poolSize?: number;
  /** BullMQ lock duration (ms): a job whose worker died goes back to the queue this long after. Default 30000. */
  lockDuration?: number;
  /** How often (ms) this worker looks for stalled jobs. Default 30000. */
  stalledInterval?: number;
  storage?: PackageStorage;
  /** Redis unreachable (the worker keeps retrying); once per outage. */
  onConnectionError?: (e: Error) => void;
  /** Each job as it starts and ends (for logs): no key material in it. */
  onJob?: (event: { state: 'started' | 'done' | 'failed'; file: string; kind: string; error?: SegcryptError | Error; attempt: number }) => void;
}

export interface QueueWorker {
  /** Stop taking jobs, finish the running ones (a job fetched ahead and not begun goes back to the queue), disconnect. */
  close(): Promise<void>;
}

/** Jobs a worker holds beyond those it runs: fetched while the running ones end. */
const FETCH_AHEAD = 1;

/** Runners (a key set and its encryptors) kept for this many packages at most. */
const KEEP_PACKAGES = 4;

export async function startQueueWorker(o: QueueWorkerOptions): Promise<QueueWorker> {
  const { url, name, ca } = checkQueueOptions({ connection: o.connection, ...(o.name !== undefined ? { name: o.name } : {}), ...(o.ca !== undefined ? { ca: o.ca } : {}) });
  const bull = await loadBullmq();
  const storage = o.storage ?? new FileStorage();
  const runners = new Map<string, Promise<PackageJobRunner>>();
  // One pool for the worker's life, made with its first runner: runners come and go with packages, the threads stay booted.
  let pool: FragmentPool | undefined;
  const runnerFor = (ref: KeyReference): Promise<PackageJobRunner> => {
    // Rotation: one runner per package request, each key period's keys added as jobs need them.
    const id = JSON.stringify(ref.periods ? { ...ref, kids: undefined, periods: undefined } : ref);
    let r = runners.get(id);
    if (!r) {
      r = (ref.periods ? Promise.resolve({ keys: [], drm: [] }) : resolveKeys(o.keys, ref)).then((keys) => new PackageJobRunner(storage, keys, pool ??= new FragmentPool(o.poolSize ?? 0)));
      r.catch(() => runners.delete(id));
      runners.set(id, r);
      for (const [old, runner] of [...runners].slice(0, Math.max(0, runners.size - KEEP_PACKAGES))) {
        runners.delete(old);
        void runner.then((x) => x.close(), () => undefined);
      }
    }
    return ref.periods ? r.then((runner) => periodKeys.add(runner, ref)) : r;
  };
  const periodKeys = new PeriodKeys(o.keys);
  const concurrency = o.concurrency ?? 1;
  // BullMQ holds one job more than run at once: when a job ends, the next is already fetched
  // (no Redis round trip between jobs, which cost ~2 ms of a ~30 ms job); `slots` runs `concurrency`.
  const slots = new ByteBudget(concurrency);
  let closing = false;
  const worker = new bull.Worker<SegmentJobData, SegmentJobResult>(name, async (job, token) => {
    await slots.acquire(1);
    try {
      // Stopping: a job fetched ahead and not begun goes back to the queue for another worker.
      if (closing && token) { await job.moveToWait(token); throw new bull.WaitingError(); }
      return await runJob(job);
    } finally {
      slots.release(1);
    }
  }, {
    connection: connectionOptions(url, ca),
    concurrency: concurrency + FETCH_AHEAD,
    ...(o.lockDuration !== undefined ? { lockDuration: o.lockDuration } : {}),
    ...(o.stalledInterval !== undefined ? { stalledInterval: o.stalledInterval } : {}),
  });
  async function runJob(job: Job<SegmentJobData>): Promise<SegmentJobResult> {
    const d = job.data;
    const file = d?.job?.path ?? '?';
    const event = { file, kind: d?.job?.kind ?? '?', attempt: job.attemptsMade + 1 };
    o.onJob?.({ state: 'started', ...event });
    try {
      if (d?.v !== JOB_DATA_VERSION) throw new SegcryptError('ERR_QUEUE_JOB_VERSION', `job ${job.id} has payload version ${String(d?.v)}, this worker reads ${JOB_DATA_VERSION}`, { category: 'usage', where: String(job.id) });
      const runner = await runnerFor(d.keys);
      const result = await runner.run(d.job, d.place);
      o.onJob?.({ state: 'done', ...event });
      return result;
    } catch (e) {
      o.onJob?.({ state: 'failed', ...event, error: e as Error });
      const text = failureText(e);
      // Bad media or options fail the same way every time, and an abandoned package's folder does not come back: no retries.
      if (e instanceof SegcryptError && (e.category === 'input' || e.category === 'usage' || e.code === 'ERR_OUTPUT_GONE')) throw new bull.UnrecoverableError(text);
      throw new Error(text);
    }
  }
  // Connection errors are retried by ioredis (a worker waits for Redis to come back); reported once per outage.
  let down = false;
  worker.on('error', (e: Error) => { if (!down) { down = true; o.onConnectionError?.(e); } });
  worker.on('ready', () => { down = false; });
  await worker.waitUntilReady();
  return {
    async close() {
      closing = true;
      await worker.close();
      const all = [...runners.values()];
      runners.clear();
      await Promise.all(all.map((r) => r.then((x) => x.close(), () => undefined)));
      await pool?.close();
    },
  };
}

/** The package's keys from this worker's key source, checked against the KIDs the coordinator used. */
async function resolveKeys(provider: KeyProvider, ref: KeyReference): Promise<KeySet> {
  const { kids, periods: _, ...request } = ref;
  const set = await provider.getKeys({ ...request, kids });
  checkKids(set, kids);
  return set;
}
