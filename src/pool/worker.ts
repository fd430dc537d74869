// Worker entry (compiled to dist/pool/worker.js): runs fragment jobs, moves the output back.
import { move, transferableSymbol, valueSymbol } from 'piscina';
import { runFragmentJob, type MediaJob } from './fragment-job.js';
import { runTsFileJob, type TsFileJob } from './ts-file-job.js';

export default function work(job: MediaJob | TsFileJob): unknown {
  if (job.kind === 'ts-file') return runTsFileJob(job);
  const r = runFragmentJob(job);
  if (!('ok' in r)) return r;
  // Transfer every distinct ArrayBuffer of the output (the new moof's, the input's) back.
  const buffers = [...new Set(r.ok.map((p) => p[0]))];
  return move({ [transferableSymbol]: buffers, [valueSymbol]: r } as unknown as ArrayBuffer);
}
