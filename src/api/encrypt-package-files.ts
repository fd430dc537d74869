/**
 * File-system side of encryptPackage: the package's file list, the output directory checks and
 * the writes into the temporary output directory (exclusive creates: nothing is overwritten).
 */
import { mkdir, open, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { IoError, UsageError } from '../errors.js';
import { readTopLevelHeader, type Box } from '../isobmff/index.js';
import { readExact, scanTopLevelBoxes } from './file-boxes.js';
import { writevFully } from './vectored-write.js';

/** Every regular file under `root`, package-relative with '/' separators, sorted. */
export async function listFiles(root: string): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(root, { recursive: true, withFileTypes: true });
  } catch (e) {
    throw new IoError('ERR_INPUT', `cannot read the package directory ${root}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: root, cause: e });
  }
  return entries.filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath ?? (e as unknown as { path: string }).path, e.name)).split(path.sep).join('/'))
    .sort();
}

/** The output may be absent or an empty directory; anything else is refused. */
export async function refuseNonEmpty(dir: string): Promise<void> {
  const st = await stat(dir).catch(() => undefined);
  if (!st) return;
  if (!st.isDirectory() || (await readdir(dir)).length > 0) {
    throw new UsageError('ERR_OUTPUT_EXISTS', `the output ${dir} exists and is not an empty directory`, { where: 'outDir' });
  }
}

/** Top-level box headers of a file (no payload read) and its size. */
export async function topLevelBoxesOf(file: string): Promise<{ boxes: Box[]; size: number }> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    return { boxes: await scanTopLevelBoxes(fh, size), size };
  } finally {
    await fh.close();
  }
}

/**
 * The first moof of a media segment file, read alone (box headers up to it, then its bytes), or
 * an empty buffer when there is none: what its decode time needs, without loading the segment
 * (key rotation looks at every segment before any is encrypted; whole 28 MB reads cost 60 MB of
 * peak RSS on the bench's package).
 */
export async function firstMoofOf(file: string): Promise<Buffer> {
  const fh = await open(file, 'r');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.allocUnsafe(32);
    for (let o = 0; o < size;) {
      const { bytesRead } = await fh.read(head, 0, Math.min(32, size - o), o);
      const b = readTopLevelHeader(head.subarray(0, bytesRead), o, size);
      if (b.type === 'moof') return await readExact(fh, b.start, b.end - b.start, 'moof');
      o = b.end;
    }
    return Buffer.alloc(0);
  } finally {
    await fh.close();
  }
}

/** Write one output file under `root`, creating its folders; never overwrites. Parts go out in one vectored write. */
export async function writeOut(root: string, rel: string, data: Buffer | string | Buffer[]): Promise<void> {
  const file = path.join(root, rel);
  await mkdir(path.dirname(file), { recursive: true });
  try {
    if (!Array.isArray(data)) {
      await writeFile(file, data, { flag: 'wx' });
      return;
    }
    const fh = await open(file, 'wx');
    try {
      await writevFully(fh, data, 0);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw new IoError('ERR_WRITE', `writing ${rel} failed: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: rel, cause: e });
  }
}
