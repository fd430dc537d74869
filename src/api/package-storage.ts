/**
 * Where a package's files are read from and written to, behind one small interface, so the
 * queue's workers and the local run share it and object storage can be added later. Paths are
 * absolute: with the queue, every worker must see the same path (a shared volume mounted at the
 * same place on every host).
 */
import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, open, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IoError } from '../errors.js';
import type { BufferRecycler } from './buffer-recycler.js';
import { readInto } from './file-boxes.js';
import { writevFully } from './vectored-write.js';

export interface PackageStorage {
  /** A whole file, at byte 0 of an ArrayBuffer of its own (taken from `buffers` when given). */
  read(file: string, buffers?: BufferRecycler): Promise<Buffer>;
  /**
   * Write a file under `root` atomically (a temp name beside it, renamed into place): a reader
   * never sees half a file, and a retried job simply replaces what an earlier attempt wrote.
   * `root` must exist: a package folder removed meanwhile is not brought back.
   */
  write(root: string, rel: string, data: Buffer | Buffer[] | string): Promise<void>;
  /** Copy a file byte for byte into `root` (atomically, like write). */
  copy(from: string, root: string, rel: string): Promise<void>;
  /** A file's size in bytes. */
  size(file: string): Promise<number>;
  /** A local path for a writer that streams to a file of its own (encryptFile: temp + rename), folders made. */
  fileTarget(root: string, rel: string): Promise<string>;
}

/** Folders made (or seen) at most; a worker serving many packages forgets the oldest. */
const KNOWN_FOLDERS = 1024;

/** A local or shared (NFS, CephFS, EFS...) file system. */
export class FileStorage implements PackageStorage {
  /**
   * Folders known to exist: a worker writing a package's hundreds of segments checks and makes
   * each folder once, not per file (two file system calls fewer per job). A folder removed since
   * shows up as ENOENT on the write, which then checks again.
   */
  private readonly folders = new Set<string>();

  async read(file: string, buffers?: BufferRecycler): Promise<Buffer> {
    try {
      const fh = await open(file, 'r');
      try {
        const size = (await fh.stat()).size;
        const into = buffers ? buffers.take(size) : Buffer.from(new ArrayBuffer(size), 0, size);
        return await readInto(fh, into, 0, path.basename(file));
      } finally {
        await fh.close();
      }
    } catch (e) {
      if (e instanceof IoError) throw e;
      throw new IoError('ERR_INPUT', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: file, cause: e });
    }
  }

  async write(root: string, rel: string, data: Buffer | Buffer[] | string): Promise<void> {
    const file = await this.placeFor(root, rel);
    const tmp = `${file}.part-${randomBytes(4).toString('hex')}`;
    try {
      if (Array.isArray(data)) {
        const fh = await open(tmp, 'wx');
        try { await writevFully(fh, data, 0); } finally { await fh.close(); }
      } else {
        await writeFile(tmp, data, { flag: 'wx' });
      }
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw await this.writeError(e, root, rel, 'writing');
    }
  }

  async copy(from: string, root: string, rel: string): Promise<void> {
    const file = await this.placeFor(root, rel);
    const tmp = `${file}.part-${randomBytes(4).toString('hex')}`;
    try {
      await copyFile(from, tmp);
      await rename(tmp, file);
    } catch (e) {
      await rm(tmp, { force: true });
      throw await this.writeError(e, root, rel, 'copying');
    }
  }

  /** A failed write: the folder gone (ERR_OUTPUT_GONE, checked again) or another I/O error. */
  private async writeError(e: unknown, root: string, rel: string, what: string): Promise<IoError> {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      this.folders.clear();
      await this.checkRoot(root, rel);
    }
    return new IoError('ERR_WRITE', `${what} ${rel} failed: ${code ?? (e as Error).message}`, { where: rel, cause: e });
  }

  private async checkRoot(root: string, rel: string): Promise<void> {
    const st = await stat(root).catch(() => undefined);
    if (!st?.isDirectory()) throw new IoError('ERR_OUTPUT_GONE', `writing ${rel} failed: the output folder ${root} is gone (the package was abandoned)`, { where: rel });
  }

  fileTarget(root: string, rel: string): Promise<string> { return this.placeFor(root, rel); }

  async size(file: string): Promise<number> {
    try {
      return (await stat(file)).size;
    } catch (e) {
      throw new IoError('ERR_INPUT', `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: file, cause: e });
    }
  }

  /** The file's path, its folders made below `root` (never `root` itself). */
  private async placeFor(root: string, rel: string): Promise<string> {
    const file = path.join(root, rel);
    if (!file.startsWith(root + path.sep)) throw new IoError('ERR_WRITE', `writing ${rel} failed: the path leaves the output folder`, { where: rel });
    const folder = path.dirname(file);
    if (this.folders.has(folder)) return file;
    await this.checkRoot(root, rel);
    await mkdir(folder, { recursive: true });
    if (this.folders.size >= KNOWN_FOLDERS) this.folders.clear();
    this.folders.add(folder);
    return file;
  }
}
