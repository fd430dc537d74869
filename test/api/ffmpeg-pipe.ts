/**
 * ffmpeg as a decryption oracle, reading the file through a pipe. ffmpeg 5.1 mis-assigns
 * senc entries to fragments when it can seek in a fragmented file without sidx (it indexes every
 * moof first, then uses the last one's encryption info) — Shaka Packager's own output fails the
 * same way once its sidx is removed. Through a pipe it reads fragment by fragment and decrypts
 * correctly.
 */
import { spawn } from 'node:child_process';
import { createReadStream } from 'node:fs';

export interface Frames { digests: string[]; exitCode: number }

export function framemd5Pipe(file: string, stream: 'v' | 'a', key?: string): Promise<Frames> {
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-threads', '1'];
  if (key) args.push('-decryption_key', key);
  args.push('-i', 'pipe:0', '-map', `0:${stream}:0`, '-fflags', '+bitexact', '-f', 'framemd5', '-');
  return new Promise((resolve, reject) => {
    const p = spawn('nice', ['-n', '10', 'ffmpeg', ...args], { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    p.stdin.on('error', () => undefined); // ffmpeg may stop reading early on a bad key
    createReadStream(file).on('error', reject).pipe(p.stdin);
    p.on('error', reject);
    p.on('close', (code) => {
      const digests = out.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').map((s) => s.trim())).map((f) => `${f[2]}:${f[5]}`);
      resolve({ digests, exitCode: code ?? -1 });
    });
  });
}
