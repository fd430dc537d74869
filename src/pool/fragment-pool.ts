import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { reviveError } from '../errors.js';
import { runFragmentJob, type FragmentJob, type FragmentJobResult } from './fragment-job.js';

/**
 * Where the compiled worker is: next to this module when running from dist; from the sources
 * (tests run src/*.ts through a loader), the built copy in dist/pool (`npm test` builds first).
 */
export function workerPath(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../dist/pool/worker.js', here) : new URL('./worker.js', here);
  return fileURLToPath(url);
}

/**
 * Runs fragment jobs on a piscina pool, or in the calling thread when `size` is 0. Input bytes
 * are transferred (never cloned); the job's input ArrayBuffer is detached afterwards.
 */
export class FragmentPool {
  private readonly pool?: Piscina;
  readonly size: number;

  constructor(size: number) {
    this.size = size;
    if (size > 0) this.pool = new Piscina({ filename: workerPath(), minThreads: size, maxThreads: size, idleTimeout: 1000 });
  }

  async run(job: FragmentJob): Promise<Buffer> {
    let r: FragmentJobResult;
    if (!this.pool) {
      r = runFragmentJob(job);
    } else {
      r = await this.pool.run(job, { transferList: [job.input] }) as FragmentJobResult;
      if (r instanceof ArrayBuffer) r = { ok: r };
    }
    if ('error' in r) throw reviveError(r.error);
    return Buffer.from(r.ok);
  }

  async close(): Promise<void> {
    if (this.pool) await this.pool.destroy();
  }
}
