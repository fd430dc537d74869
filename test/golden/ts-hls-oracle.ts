/**
 * Shared by the TS golden tests: an HLS media playlist over encrypted segments, decoded by
 * ffmpeg's hls demuxer into per-frame hash lines (stream, pts, hash).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTool } from '../oracles/run-tool.js';
import { FRAME_HASH_ARGS } from '../oracles/ffmpeg.js';

export interface PlaylistEntry { file: string; duration: number; extXKey?: string }

export function writeMediaPlaylist(dir: string, entries: PlaylistEntry[], name = 'index.m3u8'): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:5', `#EXT-X-TARGETDURATION:${Math.ceil(Math.max(...entries.map((e) => e.duration)))}`, '#EXT-X-MEDIA-SEQUENCE:0'];
  let lastKey: string | undefined;
  for (const e of entries) {
    if (e.extXKey && e.extXKey !== lastKey) lines.push(e.extXKey);
    lastKey = e.extXKey;
    lines.push(`#EXTINF:${e.duration.toFixed(3)},`, e.file);
  }
  lines.push('#EXT-X-ENDLIST', '');
  const file = path.join(dir, name);
  writeFileSync(file, lines.join('\n'));
  return file;
}

/**
 * `stream,pts,hash` per decoded frame. Fails loudly: a missing ffmpeg, a non-zero exit or no decoded
 * frame rejects. `lenient` (negative tests: a wrong key may make ffmpeg fail part-way) accepts a
 * failed decode and whatever frames came out, but a missing ffmpeg still rejects.
 */
export async function hlsFrames(input: string, extra: { seconds?: number; stream?: 'v' | 'a'; lenient?: boolean } = {}): Promise<string[]> {
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-threads', '1', '-allowed_extensions', 'ALL', '-i', input,
    '-map', extra.stream ? `0:${extra.stream}:0` : '0'];
  if (extra.seconds !== undefined) args.push('-t', String(extra.seconds));
  args.push('-fflags', '+bitexact', ...FRAME_HASH_ARGS, '-');
  const lenient = extra.lenient ?? false;
  const r = await runTool('nice', ['-n', '10', 'ffmpeg', ...args], { timeoutMs: 180_000, lenient });
  const frames = r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => {
    const f = l.split(',').map((s) => s.trim());
    return `${f[0]},${f[2]},${f[5]}`;
  });
  if (!lenient && frames.length === 0) throw new Error(`ffmpeg decoded no frame from ${input}: an empty decode is never a match\n${r.stderr.trim()}`);
  return frames;
}
