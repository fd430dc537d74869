import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import { keyProviderFromOptions, type KeyProviderOptions } from '../../keys/provider-from-options.js';
import { EXIT, errorLine } from '../exit-codes.js';
import { parsePool, requireKeySource } from '../common-args.js';
import { KEY_SOURCE_OPTIONS, KEY_SOURCE_USAGE, keySourceFrom } from '../key-source.js';
import { untilStopSignal } from '../interrupt.js';

const USAGE = `usage: segcrypt worker --redis redis://[[USER]:PASSWORD@]HOST:PORT <key source> [options]
  Takes package encryption jobs from a BullMQ queue on Redis (queued by \`segcrypt package --queue\`)
  until SIGTERM/SIGINT, which finishes the running jobs (a job fetched ahead goes back to the queue) and exits 0. Every worker needs the
  coordinator's key source (keys never travel through Redis) and the package folders at the same paths.
${KEY_SOURCE_USAGE}
  --redis URL              Redis (redis:// or rediss:// for TLS; also SEGCRYPT_REDIS)
  --redis-ca FILE          rediss://: the CA certificate (PEM) to trust instead of the default roots
  --queue NAME             queue name (default segcrypt)
  --concurrency N          jobs at once in this process (default 1; run one process per core); it
                           holds one job more, fetched ahead so that the next starts at once
  --pool N                 worker threads per stream encryptor (default 0 = in the job's thread)
  --lock-duration MS       a job whose worker died is taken again this long after (default 30000)
  --stalled-interval MS    how often this worker looks for such jobs (default 30000)
  --quiet                  no line per job on stdout`;

export interface WorkerArgs {
  redis: string;
  redisCa?: string;
  queue?: string;
  concurrency: number;
  pool: number;
  lockDuration?: number;
  stalledInterval?: number;
  keySource: KeyProviderOptions;
  quiet: boolean;
}

function positiveInt(v: string, name: string, max: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new UsageError('ERR_CLI_ARGS', `${name} must be an integer from 1 to ${max}, got "${v.slice(0, 12)}"`, { where: name });
  return n;
}

export function parseWorkerArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): WorkerArgs | 'help' {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: {
        ...KEY_SOURCE_OPTIONS, redis: { type: 'string' }, 'redis-ca': { type: 'string' }, queue: { type: 'string' }, concurrency: { type: 'string' }, pool: { type: 'string' },
        'lock-duration': { type: 'string' }, 'stalled-interval': { type: 'string' }, quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' },
      },
      strict: true, allowPositionals: false,
    });
  } catch (e) {
    throw new UsageError('ERR_CLI_ARGS', (e as Error).message, { where: 'worker' });
  }
  const v = parsed.values;
  if (v.help) return 'help';
  const redis = v.redis ?? env.SEGCRYPT_REDIS;
  if (!redis) throw new UsageError('ERR_CLI_ARGS', 'worker needs --redis redis://HOST:PORT (or SEGCRYPT_REDIS)', { where: '--redis' });
  const keySource = keySourceFrom(v, env);
  requireKeySource(keySource);
  return {
    redis, keySource, quiet: v.quiet ?? false,
    concurrency: v.concurrency !== undefined ? positiveInt(v.concurrency, '--concurrency', 256) : 1,
    pool: v.pool !== undefined ? parsePool(v.pool) : 0,
    ...(v.queue !== undefined ? { queue: v.queue } : {}),
    ...(v['redis-ca'] !== undefined ? { redisCa: v['redis-ca'] } : {}),
    ...(v['lock-duration'] !== undefined ? { lockDuration: positiveInt(v['lock-duration'], '--lock-duration', 3_600_000) } : {}),
    ...(v['stalled-interval'] !== undefined ? { stalledInterval: positiveInt(v['stalled-interval'], '--stalled-interval', 3_600_000) } : {}),
  };
}

/** `segcrypt worker`: runs until SIGTERM/SIGINT, then finishes its jobs and returns 0. */
export async function workerCommand(argv: string[], signals: NodeJS.EventEmitter = process): Promise<number> {
  const args = parseWorkerArgs(argv);
  if (args === 'help') { process.stdout.write(`${USAGE}\n`); return EXIT.ok; }
  const keys = keyProviderFromOptions(args.keySource);
  const { startQueueWorker, checkQueueOptions } = await import('../../queue/index.js');
  const { url, name } = checkQueueOptions({ connection: args.redis, ...(args.queue !== undefined ? { name: args.queue } : {}), ...(args.redisCa !== undefined ? { ca: args.redisCa } : {}) });
  let done = 0;
  let failed = 0;
  const stopped = untilStopSignal(signals); // before connecting: a signal at any time stops it cleanly
  const worker = await startQueueWorker({
    connection: args.redis, name, keys, concurrency: args.concurrency, poolSize: args.pool, ...(args.redisCa !== undefined ? { ca: args.redisCa } : {}),
    ...(args.lockDuration !== undefined ? { lockDuration: args.lockDuration } : {}),
    ...(args.stalledInterval !== undefined ? { stalledInterval: args.stalledInterval } : {}),
    onConnectionError: (e) => process.stderr.write(`segcrypt worker: Redis at ${url.protocol}//${url.host} unreachable (${(e as NodeJS.ErrnoException).code ?? e.message.slice(0, 200)}), retrying\n`),
    onJob: (e) => {
      if (e.state === 'done') done++;
      if (e.state === 'failed') { failed++; process.stderr.write(`${errorLine(e.error)} (attempt ${e.attempt})\n`); }
      if (!args.quiet) process.stdout.write(`${e.state} ${e.kind} ${e.file}\n`);
    },
  });
  process.stderr.write(`segcrypt worker: taking jobs from queue ${name} at ${url.protocol}//${url.host} (concurrency ${args.concurrency})\n`);
  const signal = await stopped;
  process.stderr.write(`segcrypt worker: ${signal}: finishing the running jobs\n`);
  await worker.close();
  process.stderr.write(`segcrypt worker: stopped after ${done} jobs done, ${failed} failed\n`);
  return EXIT.ok;
}
