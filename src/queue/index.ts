// Door of the queue: packages encrypted by BullMQ workers on Redis (optional peer dependencies, loaded lazily).
export { runPlanOnQueue } from './coordinator.js';
export { startQueueWorker, type QueueWorker, type QueueWorkerOptions } from './queue-worker.js';
export { checkQueueOptions, DEFAULT_QUEUE_NAME, type PackageQueueOptions } from './queue-options.js';
