/**
 * Small clear AV1 and VP9 fragmented MP4s made with Debian's ffmpeg at test time (2 s of
 * 320x180 at 15 fps, one fragment per 10-frame GOP: 3 fragments), each chosen to exercise a different part of the
 * subsample rules. Encoded once per test file, into that file's scratch directory.
 *
 * Each is encoded to IVF and remuxed with `-c copy`: an mp4 written straight from libaom with
 * empty_moov has an av1C without configOBUs, which Shaka Packager refuses ("Failed to parse av1c").
 */
import path from 'node:path';
import { runTool } from '../oracles/run-tool.js';

export interface FrameVideoInput {
  name: string;
  codec: 'av1' | 'vp9';
  /** What the encode is there to exercise. */
  exercises: string;
  args: string[];
  /** VP9 alt-ref frames (hence superframes) need libvpx's two-pass mode. */
  twoPass?: boolean;
}

export const FRAME_VIDEO_INPUTS: readonly FrameVideoInput[] = [
  { name: 'av1-svt-tiles-grain', codec: 'av1', exercises: '2x2 tiles, film grain, hidden frames shown later (show_existing_frame)',
    args: ['-c:v', 'libsvtav1', '-preset', '12', '-svtav1-params', 'film-grain=8:tile-columns=1:tile-rows=1'] },
  { name: 'av1-aom-rt', codec: 'av1', exercises: 'libaom realtime: 2x1 tiles, segmentation (aq-mode 1), error resilient frames, loop restoration',
    args: ['-c:v', 'libaom-av1', '-usage', 'realtime', '-cpu-used', '8', '-row-mt', '1', '-tiles', '2x1', '-aq-mode', '1', '-error-resilient', '1', '-enable-restoration', '1'] },
  { name: 'vp9-rt', codec: 'vp9', exercises: 'libvpx realtime: one frame per sample',
    args: ['-c:v', 'libvpx-vp9', '-deadline', 'realtime', '-cpu-used', '8'] },
  { name: 'vp9-superframes', codec: 'vp9', exercises: 'libvpx two-pass with alt-ref frames: superframes with an index', twoPass: true,
    args: ['-c:v', 'libvpx-vp9', '-deadline', 'good', '-cpu-used', '8', '-b:v', '200k', '-auto-alt-ref', '1', '-lag-in-frames', '16'] },
];

const SOURCE = ['-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15:duration=2'];
const FFMPEG = ['-n', '10', 'ffmpeg', '-hide_banner', '-nostdin', '-v', 'error', '-y'];

/** Encode one input into `dir`; returns the fragmented MP4's path. */
export async function makeFrameVideoInput(dir: string, input: FrameVideoInput): Promise<string> {
  const ivf = path.join(dir, `${input.name}.ivf`);
  const mp4 = path.join(dir, `${input.name}.mp4`);
  const gop = ['-g', '10', '-keyint_min', '10'];
  if (input.twoPass) {
    const log = path.join(dir, `${input.name}-pass`);
    await runTool('nice', [...FFMPEG, ...SOURCE, ...input.args, ...gop, '-pass', '1', '-passlogfile', log, '-f', 'null', '-'], { timeoutMs: 120_000 });
    await runTool('nice', [...FFMPEG, ...SOURCE, ...input.args, ...gop, '-pass', '2', '-passlogfile', log, ivf], { timeoutMs: 120_000 });
  } else {
    await runTool('nice', [...FFMPEG, ...SOURCE, ...input.args, ...gop, ivf], { timeoutMs: 120_000 });
  }
  await runTool('nice', [...FFMPEG, '-i', ivf, '-c', 'copy', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', mp4], { timeoutMs: 60_000 });
  return mp4;
}
