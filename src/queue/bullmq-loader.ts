/**
 * BullMQ (and ioredis under it) are optional peer dependencies: loaded here, on first use of the
 * queue, so nothing else pays for them or needs them installed.
 */
import { UsageError } from '../errors.js';

export type BullMQ = typeof import('bullmq');

let loaded: Promise<BullMQ> | undefined;

export function loadBullmq(): Promise<BullMQ> {
  loaded ??= import('bullmq').catch((e: unknown) => {
    loaded = undefined;
    throw new UsageError('ERR_QUEUE_UNAVAILABLE', 'the queue needs the optional packages bullmq and ioredis: npm install bullmq ioredis', { where: 'queue', cause: e });
  });
  return loaded;
}
