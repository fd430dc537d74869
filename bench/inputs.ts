/**
 * Bench inputs, generated once with Debian ffmpeg into bench/.cache/ (gitignored) and reused by
 * name: the same content as a fragmented MP4, one MPEG-TS file, a DASH package and an HLS TS
 * package, plus the size ladder for the memory-flatness rows and a small fMP4 whose fragments
 * are the ~2 MB segments of the per-segment API rows.
 */
import { existsSync, mkdirSync, renameSync, rmSync, statSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

export interface InputProfile {
  name: 'full' | 'quick';
  width: number;
  height: number;
  seconds: number;
  videoBitrate: string;
  /** Package segment duration in seconds (a multiple of the 2 s GOP). */
  segmentSeconds: number;
  /** Cut points (seconds of the main file) for the size ladder; a loop doubles the main file. */
  ladderSeconds: number[];
  /** Bitrate and length of the clip whose fragments feed the per-segment API rows. */
  segmentClip: { bitrate: string; seconds: number };
}

export const FULL: InputProfile = {
  name: 'full', width: 1920, height: 1080, seconds: 60, videoBitrate: '38M', segmentSeconds: 6,
  ladderSeconds: [15, 30], segmentClip: { bitrate: '8M', seconds: 8 },
};
export const QUICK: InputProfile = {
  name: 'quick', width: 320, height: 180, seconds: 4, videoBitrate: '1M', segmentSeconds: 2,
  ladderSeconds: [2], segmentClip: { bitrate: '1M', seconds: 4 },
};

export interface SizedInput { label: string; path: string; bytes: number }

export interface BenchInputs {
  profile: InputProfile;
  fmp4: SizedInput;
  ts: SizedInput;
  dash: { dir: string; manifest: string; bytes: number };
  /** The DASH package of the main file looped `QUEUE_LOOPS` times (same segments, 5x as many): the queue's scale-out rows. */
  queueDash: { dir: string; manifest: string; bytes: number };
  hls: { dir: string; master: string; bytes: number };
  /** Main fMP4 cut and looped: ascending sizes for the memory rows. */
  ladder: SizedInput[];
  /** Video-only fMP4 (init + fragments in one file) for the per-segment API rows. */
  segmentSource: SizedInput;
}

/**
 * The queue rows' package is the main file played this many times: 60 s gives 22 jobs and a
 * 1-worker phase of about a second, where one late job or a neighbour's burst moves the ratio by
 * 0.3x; 5 loops give 102 jobs (50 video segments of 28 MB) and phases of several seconds.
 */
export const QUEUE_LOOPS = 5;

const GOP = 60; // 2 s at 30 fps: fragments and segments start on keyframes
const FRAG = ['-movflags', '+frag_keyframe+empty_moov+default_base_moof'];

function ffmpeg(args: string[]): void {
  const r = spawnSync('nice', ['-n', '10', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
    stdio: ['ignore', 'inherit', 'pipe'], encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`ffmpeg failed (${r.status}): ${r.stderr?.trim().split('\n').slice(-3).join(' | ')}`);
}

/**
 * Runs `make(tmpPath)` unless `path` exists, then renames into place: a crash leaves no half input.
 * The temp name is this process's own: two processes making the same input at once (the bench tests
 * of one `npm test` run on a fresh clone) each make a whole one, and the first rename wins.
 */
function cached(path: string, make: (tmp: string) => void, log: (m: string) => void): void {
  if (existsSync(path)) return;
  const tmp = `${path}.${process.pid}.partial`;
  rmSync(tmp, { recursive: true, force: true });
  const t0 = Date.now();
  log(`generating ${path}`);
  make(tmp);
  try {
    renameSync(tmp, path);
  } catch (e) {
    // A folder cannot be renamed over the one another process put there first: keep theirs.
    if (!existsSync(path)) throw e;
    rmSync(tmp, { recursive: true, force: true });
  }
  log(`  done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

function dirBytes(dir: string): number {
  let total = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    total += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return total;
}

function sized(label: string, path: string): SizedInput {
  return { label, path, bytes: statSync(path).size };
}

function sourceArgs(p: InputProfile, bitrate: string, seconds: number, audio: boolean): string[] {
  // Temporal noise defeats inter prediction, so the bitrate is really spent (a heavy, realistic load).
  const video = `testsrc2=size=${p.width}x${p.height}:rate=30,noise=alls=40:allf=t`;
  const args = ['-f', 'lavfi', '-i', video];
  if (audio) args.push('-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000');
  args.push('-t', String(seconds), '-map', '0:v');
  if (audio) args.push('-map', '1:a');
  args.push('-c:v', 'libx264', '-preset', 'ultrafast', '-pix_fmt', 'yuv420p', '-b:v', bitrate, '-maxrate', bitrate,
    '-bufsize', bitrate, '-g', String(GOP), '-keyint_min', String(GOP), '-sc_threshold', '0');
  if (audio) args.push('-c:a', 'aac', '-b:a', '128k');
  return args;
}

/** ffmpeg's DASH muxer, streams copied: one video and one audio adaptation set, `segmentSeconds` segments. */
function dashArgs(p: InputProfile, manifest: string): string[] {
  return ['-map', '0', '-c', 'copy', '-f', 'dash', '-seg_duration', String(p.segmentSeconds),
    '-use_template', '1', '-use_timeline', '1', '-adaptation_sets', 'id=0,streams=v id=1,streams=a', manifest];
}

export function prepareInputs(cacheRoot: string, p: InputProfile, log: (m: string) => void): BenchInputs {
  const dir = join(cacheRoot, p.name);
  mkdirSync(dir, { recursive: true });
  const tag = `${p.height}p30-${p.seconds}s-${p.videoBitrate}`;

  const fmp4 = join(dir, `av-${tag}.mp4`);
  cached(fmp4, (tmp) => ffmpeg([...sourceArgs(p, p.videoBitrate, p.seconds, true), ...FRAG, '-f', 'mp4', tmp]), log);

  const ts = join(dir, `av-${tag}.ts`);
  cached(ts, (tmp) => ffmpeg(['-i', fmp4, '-map', '0', '-c', 'copy', '-f', 'mpegts', tmp]), log);

  const dashDir = join(dir, `dash-${tag}`);
  cached(dashDir, (tmp) => {
    mkdirSync(tmp, { recursive: true });
    ffmpeg(['-i', fmp4, ...dashArgs(p, join(tmp, 'manifest.mpd'))]);
  }, log);

  const queueDir = join(dir, `dash-${p.height}p30-${p.seconds * QUEUE_LOOPS}s-${p.videoBitrate}`);
  cached(queueDir, (tmp) => {
    mkdirSync(tmp, { recursive: true });
    ffmpeg(['-stream_loop', String(QUEUE_LOOPS - 1), '-i', fmp4, ...dashArgs(p, join(tmp, 'manifest.mpd'))]);
  }, log);

  const hlsDir = join(dir, `hls-ts-${tag}`);
  cached(hlsDir, (tmp) => {
    mkdirSync(tmp, { recursive: true });
    ffmpeg(['-i', fmp4, '-map', '0', '-c', 'copy', '-f', 'hls', '-hls_time', String(p.segmentSeconds),
      '-hls_playlist_type', 'vod', '-hls_segment_type', 'mpegts', '-master_pl_name', 'master.m3u8',
      '-var_stream_map', 'v:0,a:0', '-hls_segment_filename', join(tmp, 'stream_%v_%03d.ts'), join(tmp, 'stream_%v.m3u8')]);
  }, log);

  const ladder: SizedInput[] = [];
  for (const s of p.ladderSeconds) {
    const cut = join(dir, `av-${tag}-first${s}s.mp4`);
    cached(cut, (tmp) => ffmpeg(['-i', fmp4, '-map', '0', '-c', 'copy', '-t', String(s), ...FRAG, '-f', 'mp4', tmp]), log);
    ladder.push(sized(`${s} s`, cut));
  }
  ladder.push(sized(`${p.seconds} s`, fmp4));
  const looped = join(dir, `av-${tag}-x2.mp4`);
  cached(looped, (tmp) => ffmpeg(['-stream_loop', '1', '-i', fmp4, '-map', '0', '-c', 'copy', ...FRAG, '-f', 'mp4', tmp]), log);
  ladder.push(sized(`${p.seconds * 2} s (looped)`, looped));

  const clip = p.segmentClip;
  const segmentSource = join(dir, `v-${p.height}p30-${clip.seconds}s-${clip.bitrate}.mp4`);
  cached(segmentSource, (tmp) => ffmpeg([...sourceArgs(p, clip.bitrate, clip.seconds, false), ...FRAG, '-f', 'mp4', tmp]), log);

  return {
    profile: p,
    fmp4: sized('fMP4', fmp4),
    ts: sized('TS', ts),
    dash: { dir: dashDir, manifest: join(dashDir, 'manifest.mpd'), bytes: dirBytes(dashDir) },
    queueDash: { dir: queueDir, manifest: join(queueDir, 'manifest.mpd'), bytes: dirBytes(queueDir) },
    hls: { dir: hlsDir, master: join(hlsDir, 'master.m3u8'), bytes: dirBytes(hlsDir) },
    ladder,
    segmentSource: sized('segment clip', segmentSource),
  };
}
