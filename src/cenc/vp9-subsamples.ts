import { MediaError } from '../errors.js';
import { SubsampleBuilder } from './subsample-builder.js';
import { Vp9FrameHeaderParser } from './vp9-frame-header.js';

/**
 * Subsample maps for VP9 samples (VP Codec ISO Media File Format Binding v1.0, "Common
 * Encryption" / "Sample Encryption"): one subsample per frame; each frame's uncompressed header
 * stays clear, the rest of the frame (compressed header and tiles) is protected in whole 16-byte
 * blocks ending on the frame's last byte, the leftover joining the clear bytes before it "so that
 * the counter state can be computed for each frame within the superframe"; a superframe index
 * stays clear. Shaka Packager aligns the same way for cenc and cbcs alike, and so do we.
 */
export class Vp9Subsampler {
  private readonly parser: Vp9FrameHeaderParser;

  constructor(width: number, height: number) {
    this.parser = new Vp9FrameHeaderParser(width, height);
  }

  subsamples(buf: Buffer, start: number, end: number, out: number[]): number {
    const b = new SubsampleBuilder(out);
    const frames = superframeSizes(buf, start, end);
    let o = start;
    for (const size of frames.sizes) {
      let header: number;
      try {
        header = this.parser.parse(buf, o, o + size).uncompressedSize;
      } catch (e) {
        if (!(e instanceof RangeError)) throw e;
        throw new MediaError('ERR_VP9_FRAME', `VP9 frame at sample byte ${o - start} (${size} bytes): ${e.message}`, { where: `sample+${o - start}` });
      }
      b.clear(header);
      b.protectAligned(size - header);
      o += size;
    }
    b.clear(end - o); // the superframe index, or nothing
    return b.finish();
  }
}

/**
 * Frame sizes of a superframe (VP9 spec Annex B: the index at the end, marker byte 0b110xxxxx
 * first and last), or the whole sample as one frame.
 */
function superframeSizes(buf: Buffer, start: number, end: number): { sizes: number[] } {
  const marker = buf[end - 1]!;
  if ((marker & 0xe0) === 0xc0) {
    const frames = (marker & 7) + 1;
    const bytes = ((marker >> 3) & 3) + 1;
    const indexSize = 2 + bytes * frames;
    if (end - start >= indexSize && buf[end - indexSize] === marker) {
      const sizes: number[] = [];
      let total = 0;
      for (let i = 0; i < frames; i++) {
        const s = buf.readUIntLE(end - indexSize + 1 + i * bytes, bytes);
        sizes.push(s);
        total += s;
      }
      if (total > end - start - indexSize) {
        throw new MediaError('ERR_VP9_SUPERFRAME', `VP9 superframe index lists ${total} bytes of frames in a ${end - start}-byte sample`, { where: 'superframe index' });
      }
      return { sizes };
    }
  }
  return { sizes: [end - start] };
}
