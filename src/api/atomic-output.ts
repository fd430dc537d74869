import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { IoError } from '../errors.js';
import { writevFully } from './vectored-write.js';

/** Temp files and folders being written now, for removal if the process is interrupted. */
const active = new Set<string>();

/** Remove every temp output still being written (for SIGINT/SIGTERM handlers, which must be synchronous). */
export function removeTempOutputsSync(): void {
  for (const p of active) rmSync(p, { force: true, recursive: true });
  active.clear();
}

/** A temp folder (a package being written) joins the interrupt cleanup until it is renamed or removed. */
export function trackTempPath(p: string): void { active.add(p); }
export function untrackTempPath(p: string): void { active.delete(p); }

/**
 * An output written to `<output>.tmp-<random>` in the same directory and renamed into place on
 * commit; on abort the temp file is removed, so a failed run leaves no half-written output.
 */
export class AtomicOutput {
  readonly tmpPath: string;
  private constructor(readonly path: string, readonly fh: FileHandle, tmpPath: string) { this.tmpPath = tmpPath; }
  position = 0;
  /** Appends queued by `append`, oldest first, each settled when its bytes are on the file. */
  private readonly queue: Promise<void>[] = [];
  private queuedBytes = 0;

  static async create(path: string): Promise<AtomicOutput> {
    const tmp = join(dirname(path), `${basename(path)}.tmp-${randomBytes(6).toString('hex')}`);
    try {
      const out = new AtomicOutput(path, await open(tmp, 'wx'), tmp);
      active.add(tmp);
      return out;
    } catch (e) {
      throw new IoError('ERR_OUTPUT', `cannot create the output next to ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: path, cause: e });
    }
  }

  /**
   * Queue parts to be appended in order without waiting for them: the caller goes on (reading,
   * encrypting) while the bytes go out, one vectored write per call. `then` runs once they are
   * written (to recycle their buffers). A failed write fails `drain` and `commit`.
   */
  append(parts: Buffer[], then?: () => void): void {
    const position = this.position;
    let bytes = 0;
    for (const p of parts) bytes += p.length;
    this.position += bytes;
    this.queuedBytes += bytes;
    // Each write starts when the one before it is done, so they finish in order and the one that
    // finishes is always the queue's first: it leaves the queue then. A failed write stays first
    // (and those after it fail too), so drain and commit see the failure.
    const prev = this.queue.at(-1) ?? Promise.resolve();
    const done = prev.then(() => this.writevAt(parts, position)).then(() => { this.queuedBytes -= bytes; this.queue.shift(); then?.(); });
    done.catch(() => undefined); // surfaced by drain/commit, not as an unhandled rejection
    this.queue.push(done);
  }

  /** Wait until at most `maxBytes` of appended data are still unwritten. */
  async drain(maxBytes = 0): Promise<void> {
    while (this.queue.length > 0 && this.queuedBytes > maxBytes) await this.queue[0];
  }

  /** Overwrite bytes already written (sidx patching). */
  writeAt(buf: Buffer, position: number): Promise<void> {
    return this.writevAt([buf], position);
  }

  private async writevAt(parts: Buffer[], position: number): Promise<void> {
    try {
      await writevFully(this.fh, parts, position);
    } catch (e) {
      throw new IoError('ERR_WRITE', `writing ${this.path} failed at or after byte ${position}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: this.path, cause: e });
    }
  }

  async commit(): Promise<void> {
    await this.drain();
    active.delete(this.tmpPath);
    await this.fh.close();
    try {
      await rename(this.tmpPath, this.path);
    } catch (e) {
      await rm(this.tmpPath, { force: true });
      throw new IoError('ERR_OUTPUT', `cannot move the output into place at ${this.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: this.path, cause: e });
    }
  }

  async abort(): Promise<void> {
    await this.drain().catch(() => undefined);
    active.delete(this.tmpPath);
    await this.fh.close().catch(() => undefined);
    await rm(this.tmpPath, { force: true });
  }
}
