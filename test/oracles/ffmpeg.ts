/**
 * ffmpeg / ffprobe as an oracle: decoded-frame hashes (framemd5), optionally after ffmpeg's
 * own Common Encryption decryption (`-decryption_key`, applied by the mov demuxer), and probe
 * data as JSON.
 *
 * Decryption reads the file from a pipe. ffmpeg 5.1 reading a *seekable* fragmented MP4 with
 * several moofs and no sidx attaches the wrong senc/saiz entries to samples ("Incorrect number
 * of samples in encryption info", "subsample size exceeds the packet size left") — true of
 * Shaka Packager's own output once its sidx is removed. Fed through a pipe it walks the
 * fragments in order and decrypts correctly (see README compatibility matrix).
 */
import { clearSampleFrames } from './clear-frame-cache.js';
import { runTool } from './run-tool.js';

/**
 * ffmpeg's per-frame hash output. The helpers keep their `framemd5` names, but hash each decoded
 * frame with 128-bit murmur3 (`framehash -hash murmur3`, same line format as `framemd5`): equality of
 * decoded frames is all the tests ask, and md5 of raw 720p frames cost more CPU than decoding them
 * (0.84 s against 0.33 s user time for the 6 s sample), which the whole suite paid dozens of times.
 */
export const FRAME_HASH_ARGS = ['-f', 'framehash', '-hash', 'murmur3'] as const;

export type StreamSelector = 'video' | 'audio' | 'all';

export interface FrameHash {
  stream: number;
  dts: number;
  pts: number;
  duration: number;
  size: number;
  /** Hash of the decoded frame (raw pixels / samples): 128-bit murmur3, see FRAME_HASH_ARGS. */
  hash: string;
}

export interface Framemd5Options {
  stream?: StreamSelector;
  /** 16-byte content key (Buffer or 32 hex digits) for `-decryption_key`. */
  decryptionKey?: Buffer | string;
  /** Decode only the first N seconds (`-t`). */
  seconds?: number;
  /**
   * Force this decoder for the video (`-c:v NAME` before `-i`): for sample entries ffmpeg maps to
   * the wrong codec once encrypted (frma `dvh1` is also QuickTime's DVCPRO HD tag).
   */
  videoDecoder?: string;
  /** How ffmpeg reads the file: default 'pipe' when decrypting (see above), else 'file'. */
  input?: 'pipe' | 'file';
  timeoutMs?: number;
}

export interface Framemd5Result {
  frames: FrameHash[];
  exitCode: number;
  stderr: string;
}

function mapArgs(stream: StreamSelector): string[] {
  if (stream === 'video') return ['-map', '0:v:0'];
  if (stream === 'audio') return ['-map', '0:a:0'];
  return ['-map', '0'];
}

function keyHex(key: Buffer | string): string {
  return typeof key === 'string' ? key.replace(/-/g, '') : key.toString('hex');
}

/** Parse `framemd5`/`framehash` text: `stream, dts, pts, duration, size, hash` per line, `#` lines are headers. */
export function parseFramemd5(text: string): FrameHash[] {
  const frames: FrameHash[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const f = line.split(',').map((s) => s.trim());
    if (f.length !== 6) continue;
    frames.push({ stream: Number(f[0]), dts: Number(f[1]), pts: Number(f[2]), duration: Number(f[3]), size: Number(f[4]), hash: f[5]! });
  }
  return frames;
}

function viaPipe(o: Framemd5Options): boolean {
  return (o.input ?? (o.decryptionKey !== undefined ? 'pipe' : 'file')) === 'pipe';
}

function framemd5Args(file: string, o: Framemd5Options): string[] {
  const args = ['-hide_banner', '-nostdin', '-v', 'error', '-threads', '1'];
  if (o.decryptionKey !== undefined) args.push('-decryption_key', keyHex(o.decryptionKey));
  if (o.videoDecoder !== undefined) args.push('-c:v', o.videoDecoder);
  args.push('-i', viaPipe(o) ? 'pipe:0' : file, ...mapArgs(o.stream ?? 'all'));
  if (o.seconds !== undefined) args.push('-t', String(o.seconds));
  args.push('-fflags', '+bitexact', ...FRAME_HASH_ARGS, '-');
  return args;
}

/**
 * Decoded-frame hashes; rejects if ffmpeg is missing, exits non-zero or decodes no frame (two
 * empty lists would compare equal: an empty decode is an error, never a match).
 */
export async function framemd5(file: string, options: Framemd5Options = {}): Promise<FrameHash[]> {
  const args = framemd5Args(file, options);
  const decode = async (): Promise<FrameHash[]> => {
    const r = await runTool('ffmpeg', args, { timeoutMs: options.timeoutMs ?? 120_000, stdinFile: viaPipe(options) ? file : undefined });
    return nonEmpty(parseFramemd5(r.stdout), `ffmpeg framemd5 of ${file}`, r.stderr);
  };
  // A clear sample's frames are the same for every test file of a run (see clear-frame-cache.ts).
  return options.decryptionKey === undefined ? clearSampleFrames(file, args, decode) : decode();
}

/** An oracle that answered with nothing has not answered: fail loudly. */
export function nonEmpty<T>(items: T[], what: string, stderr = ''): T[] {
  if (items.length === 0) throw new Error(`${what}: no frames decoded${stderr ? `\n${stderr.trim().split('\n').slice(-4).join('\n')}` : ''}`);
  return items;
}

/**
 * Same, but a failing decode (what a wrong key often causes) resolves with whatever frames came
 * out and the exit code, for negative tests: compare them with a clear list from `framemd5`,
 * which is never empty. A missing ffmpeg still rejects.
 */
export async function framemd5Lenient(file: string, options: Framemd5Options = {}): Promise<Framemd5Result> {
  const r = await runTool('ffmpeg', framemd5Args(file, options), { timeoutMs: options.timeoutMs ?? 120_000, lenient: true, stdinFile: viaPipe(options) ? file : undefined });
  return { frames: parseFramemd5(r.stdout), exitCode: r.exitCode, stderr: r.stderr };
}

/** Stream, pts and md5 of each frame: what must match between the clear source and a decryption of it. */
export function frameDigests(frames: readonly FrameHash[]): string[] {
  return frames.map((f) => `${f.stream}:${f.pts}:${f.hash}`);
}

/**
 * Only the md5 of each frame, in order: for outputs re-muxed by another tool (Shaka Packager's
 * decryption rewrites the container and may shift timestamps, e.g. of a muxed file's video).
 */
export function frameContents(frames: readonly FrameHash[]): string[] {
  return frames.map((f) => f.hash);
}

export interface ProbeStream {
  index: number;
  codec_type: string;
  codec_name?: string;
  codec_tag_string?: string;
  profile?: string;
  width?: number;
  height?: number;
  sample_rate?: string;
  channels?: number;
  duration?: string;
  nb_frames?: string;
  [key: string]: unknown;
}

export interface ProbeResult {
  format: { format_name: string; duration?: string; size?: string; nb_streams: number; [key: string]: unknown };
  streams: ProbeStream[];
}

/** ffprobe `-show_format -show_streams` as JSON. */
export async function probe(file: string, options: { decryptionKey?: Buffer | string; timeoutMs?: number } = {}): Promise<ProbeResult> {
  const args = ['-v', 'error'];
  if (options.decryptionKey !== undefined) args.push('-decryption_key', keyHex(options.decryptionKey));
  args.push('-show_format', '-show_streams', '-of', 'json', file);
  const r = await runTool('ffprobe', args, { timeoutMs: options.timeoutMs ?? 30_000 });
  const parsed = JSON.parse(r.stdout) as ProbeResult;
  if (!parsed.streams || parsed.streams.length === 0) throw new Error(`ffprobe of ${file}: no streams`);
  return parsed;
}

/** Packets of one stream (pts, size, flags) — e.g. to check that encryption kept every sample. */
export async function probePackets(file: string, stream: 'video' | 'audio'): Promise<Array<{ pts: number; size: number; flags: string }>> {
  const sel = stream === 'video' ? 'v:0' : 'a:0';
  const r = await runTool('ffprobe', ['-v', 'error', '-select_streams', sel, '-show_entries', 'packet=pts,size,flags', '-of', 'json', file]);
  const parsed = JSON.parse(r.stdout) as { packets: Array<{ pts: number; size: string; flags: string }> };
  if (!parsed.packets || parsed.packets.length === 0) throw new Error(`ffprobe of ${file}: no ${stream} packets`);
  return parsed.packets.map((p) => ({ pts: p.pts, size: Number(p.size), flags: p.flags }));
}
