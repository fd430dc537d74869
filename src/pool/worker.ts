// Worker entry (compiled to dist/pool/worker.js): runs fragment jobs, moves the output back.
import { move } from 'piscina';
import { runFragmentJob, type FragmentJob } from './fragment-job.js';

export default function work(job: FragmentJob): unknown {
  const r = runFragmentJob(job);
  return 'ok' in r ? move(r.ok) : r;
}
