import { fileURLToPath } from 'node:url';
import type { Piscina } from 'piscina';
import { reviveError } from '../errors.js';
import { runFragmentJob, type FragmentJobResult, type MediaJob } from './fragment-job.js';
import { runTsFileJob, type TsFileJob, type TsFileJobResult } from './ts-file-job.js';

/**
 * Worker heaps sized to their jobs: segment bytes live outside the heap (ArrayBuffers), so a small
 * young generation is enough and spares each worker tens of MB of resident memory.
 */
const WORKER_LIMITS = { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 512 };

/**
 * Node options for the worker threads: none. The worker is compiled JavaScript and needs none of the
 * parent's module loaders (`--import tsx`, ts-node, an APM hook), which threads inherit by default:
 * each thread re-ran the loader at start, 0.5-1 CPU-s apiece under tsx (a test file that opened a
 * pool per case paid it dozens of times: encrypt-package-pool 37 -> 12 CPU-s with this).
 */
const WORKER_EXEC_ARGV: string[] = [];

/**
 * Where the compiled worker is: dist/pool/worker.js, found from this module's place. From dist
 * that is dist/pool (this file) or dist/cli (the CLI bundle, which holds this code): '../pool/'
 * serves both. From the sources (tests run src/*.ts through a loader), the built copy in
 * dist/pool (`npm test` builds first).
 */
export function workerPath(): string {
  const here = import.meta.url;
  const url = here.endsWith('.ts') ? new URL('../../dist/pool/worker.js', here) : new URL('../pool/worker.js', here);
  return fileURLToPath(url);
}

/**
 * Runs fragment jobs on a piscina pool, or in the calling thread when `size` is 0. Input bytes
 * are transferred (never cloned); the job's input ArrayBuffer is detached afterwards.
 */
export class FragmentPool {
  /** Started at construction (the workers boot while the caller reads its input); piscina itself is loaded only when a pool is asked for. */
  private readonly pool?: Promise<Piscina>;
  readonly size: number;

  constructor(size: number) {
    this.size = size;
    if (size > 0) {
      this.pool = import('piscina').then(({ Piscina }) => new Piscina({ filename: workerPath(), minThreads: size, maxThreads: size, idleTimeout: 1000, execArgv: WORKER_EXEC_ARGV, resourceLimits: WORKER_LIMITS }));
      this.pool.catch(() => undefined); // surfaced by the first run
    }
  }

  /** The output as parts to write in order (an encrypted fragment: its moof, then its media data). */
  async runParts(job: MediaJob): Promise<Buffer[]> {
    const r: FragmentJobResult = this.pool
      ? await (await this.pool).run(job, { transferList: [job.input] }) as FragmentJobResult
      : runFragmentJob(job);
    if ('error' in r) throw reviveError(r.error);
    return r.ok.map(([buffer, offset, length]) => Buffer.from(buffer, offset, length));
  }

  /** A TS segment file to file, streamed where it runs (only paths and keys travel). */
  async runFile(job: TsFileJob): Promise<void> {
    const r: TsFileJobResult = this.pool ? await (await this.pool).run(job) as TsFileJobResult : await runTsFileJob(job);
    if ('error' in r) throw reviveError(r.error);
  }

  /** The output as one buffer. */
  async run(job: MediaJob): Promise<Buffer> {
    const parts = await this.runParts(job);
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
  }

  async close(): Promise<void> {
    if (this.pool) await (await this.pool.catch(() => undefined))?.destroy();
  }
}
