// Door of the worker pool: the only place threads are known.
export { FragmentPool, workerPath } from './fragment-pool.js';
export { runFragmentJob, type FragmentJob, type FragmentJobResult, type MediaJob, type TsSegmentJob, type OutputPart } from './fragment-job.js';
export { runTsFileJob, type TsFileJob } from './ts-file-job.js';
