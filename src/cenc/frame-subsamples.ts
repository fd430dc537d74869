import { Av1Subsampler } from './av1-subsamples.js';
import { Vp9Subsampler } from './vp9-subsamples.js';

/** Video codecs whose samples are frames (OBUs, VP9 superframes) rather than NAL units. */
export type FrameCodec = 'av1' | 'vp9';

/** Appends one sample's (clear, protected) pairs to `out`; returns how many. Keeps codec state between samples. */
export type FrameSubsampler = (buf: Buffer, start: number, end: number, out: number[]) => number;

/**
 * A subsample mapper for one fragment of an AV1 or VP9 track. Block alignment of the protected
 * ranges: VP9 always (its binding); AV1 for every scheme but cbcs, whose binding protects each
 * tile whole instead.
 */
export function frameSubsampler(video: { codec: FrameCodec; config?: Buffer; width: number; height: number }, scheme: string): FrameSubsampler {
  if (video.codec === 'av1') {
    const av1 = new Av1Subsampler(video.config);
    const align = scheme !== 'cbcs';
    return (buf, start, end, out) => av1.subsamples(buf, start, end, align, out);
  }
  const vp9 = new Vp9Subsampler(video.width, video.height);
  return (buf, start, end, out) => vp9.subsamples(buf, start, end, out);
}
