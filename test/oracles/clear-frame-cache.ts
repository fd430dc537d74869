/**
 * Decoded-frame hashes of the committed clear samples, shared by the test files of one `npm test`
 * run. Most golden and API test files decode the same clear samples/ files as the reference their
 * decryptions are compared with (about 0.4-0.8 CPU-s per 720p video decode, every file, every run).
 *
 * Only when the test runs from the compiled mirror (scripts/build-tests.mjs makes its
 * `.frame-cache/` folder, fresh for every run; a file run from the checkout decodes as before), only
 * for files under samples/ (never an output under test), and keyed by the file's bytes, the ffmpeg
 * arguments and the ffmpeg binary found on PATH (path, size, mtime): with ffmpeg missing there is
 * no key, ffmpeg is run, and the test fails as loudly as without the cache.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, realpathSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SAMPLES } from './run-tool.js';

const CACHE_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '.frame-cache');

/** The ffmpeg `execFile` would run: the first executable `ffmpeg` on PATH. */
function ffmpegOnPath(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, 'ffmpeg');
    try {
      const s = statSync(candidate);
      if (s.isFile() && (s.mode & 0o111) !== 0) return `${realpathSync(candidate)}:${s.size}:${s.mtimeMs}`;
    } catch { /* not in this directory */ }
  }
  return undefined;
}

function cacheKey(file: string, args: readonly string[]): string | undefined {
  if (!existsSync(CACHE_DIR)) return undefined;
  const real = realpathSync(file);
  if (!real.startsWith(realpathSync(SAMPLES) + path.sep)) return undefined;
  const ffmpeg = ffmpegOnPath();
  if (!ffmpeg) return undefined;
  return createHash('sha256').update(readFileSync(real)).update('\0').update(JSON.stringify(args)).update('\0').update(ffmpeg).digest('hex');
}

/** `decode()`'s result for a clear sample, from this run's cache when another test file already decoded it. */
export async function clearSampleFrames<T>(file: string, args: readonly string[], decode: () => Promise<T[]>): Promise<T[]> {
  const key = cacheKey(file, args);
  if (!key) return decode();
  const entry = path.join(CACHE_DIR, `${key}.json`);
  if (existsSync(entry)) {
    const cached = JSON.parse(readFileSync(entry, 'utf8')) as T[];
    if (Array.isArray(cached) && cached.length > 0) return cached;
  }
  const frames = await decode();
  // Written whole, then renamed: a concurrent reader sees no entry or a complete one.
  const tmp = `${entry}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(frames));
  renameSync(tmp, entry);
  return frames;
}
