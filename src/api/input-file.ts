/** The input side of file encryption: open a regular file, and never let the output replace it. */
import { open, realpath, type FileHandle } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { IoError, UsageError } from '../errors.js';

/** Open `path` for reading; a directory or device is an I/O error with its own code, not a crash later. */
export async function openInput(path: string): Promise<FileHandle> {
  let fh: FileHandle;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    throw new IoError('ERR_INPUT', `cannot open the input ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { where: path, cause: e });
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw new IoError('ERR_INPUT_NOT_FILE', `the input ${path} is ${st.isDirectory() ? 'a directory' : 'not a regular file'}`, { where: path });
  }
  return fh;
}

/** Where `path` really is: the file itself when it exists (symlinks resolved), else its real folder + name. */
async function realLocation(path: string): Promise<string> {
  try {
    return await realpath(path);
  } catch {
    try { return resolve(await realpath(dirname(path)), basename(path)); } catch { return resolve(path); }
  }
}

/** The output is renamed over its path at the end: refuse when that path is the input (or a link to it). */
export async function refuseOutputOverInput(input: string, output: string): Promise<void> {
  if ((await realLocation(input)) === (await realLocation(output))) {
    throw new UsageError('ERR_OUTPUT_IS_INPUT', `the output ${output} is the input file: write the encrypted file elsewhere`, { where: '-o' });
  }
}
