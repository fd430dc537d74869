/**
 * ffmpeg as a decryption oracle, reading the file through a pipe. ffmpeg 5.1 mis-assigns
 * senc entries to fragments when it can seek in a fragmented file without sidx (it indexes every
 * moof first, then uses the last one's encryption info) — Shaka Packager's own output fails the
 * same way once its sidx is removed. Through a pipe it reads fragment by fragment and decrypts
 * correctly.
 *
 * `framemd5Pipe` fails loudly: a missing ffmpeg, a non-zero exit or no decoded frame rejects (two
 * empty frame lists would compare equal). Negative tests (a wrong key) use `framemd5PipeLenient`,
 * which still rejects when ffmpeg cannot be started.
 */
import { runTool } from '../oracles/run-tool.js';
import { FRAME_HASH_ARGS } from '../oracles/ffmpeg.js';

export interface Frames { digests: string[]; exitCode: number }

function args(stream: 'v' | 'a', key?: string): string[] {
  const a = ['-n', '10', 'ffmpeg', '-hide_banner', '-nostdin', '-v', 'error', '-threads', '1'];
  if (key) a.push('-decryption_key', key);
  a.push('-i', 'pipe:0', '-map', `0:${stream}:0`, '-fflags', '+bitexact', ...FRAME_HASH_ARGS, '-');
  return a;
}

function digests(stdout: string): string[] {
  return stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').map((s) => s.trim())).map((f) => `${f[2]}:${f[5]}`);
}

export async function framemd5Pipe(file: string, stream: 'v' | 'a', key?: string): Promise<Frames> {
  const r = await runTool('nice', args(stream, key), { timeoutMs: 120_000, stdinFile: file });
  const d = digests(r.stdout);
  if (d.length === 0) throw new Error(`ffmpeg decoded no ${stream} frame from ${file}: an empty decode is never a match`);
  return { digests: d, exitCode: r.exitCode };
}

export async function framemd5PipeLenient(file: string, stream: 'v' | 'a', key?: string): Promise<Frames> {
  const r = await runTool('nice', args(stream, key), { timeoutMs: 120_000, stdinFile: file, lenient: true });
  return { digests: digests(r.stdout), exitCode: r.exitCode };
}
