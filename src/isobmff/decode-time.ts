import { MediaError } from '../errors.js';
import { childBoxes, readBox } from './box.js';
import { parseTfhd, readTfdt } from './track-fragment.js';

/**
 * A media segment's decode time in seconds: the tfdt (14496-12 8.8.12) of the first traf of its
 * first moof, over its track's timescale. It picks the segment's key period for rotation.
 */
export function segmentDecodeTime(buf: Buffer, timescales: ReadonlyMap<number, number>): number {
  for (let o = 0; o < buf.length;) {
    const b = readBox(buf, o, buf.length, '', true);
    if (b.type === 'moof') {
      for (const traf of childBoxes(buf, b).filter((c) => c.type === 'traf')) {
        const kids = childBoxes(buf, traf);
        const tfhd = kids.find((c) => c.type === 'tfhd');
        const tfdt = kids.find((c) => c.type === 'tfdt');
        if (!tfhd || !tfdt) continue;
        const scale = timescales.get(parseTfhd(buf, tfhd).trackId);
        if (scale) return readTfdt(buf, tfdt) / scale;
      }
      throw new MediaError('ERR_NO_DECODE_TIME', `moof at byte ${b.start}: no traf with a tfdt of a known track, so the segment's key period is unknown`, { where: 'moof' });
    }
    o = b.end;
  }
  throw new MediaError('ERR_NO_DECODE_TIME', 'the segment has no moof, so its key period is unknown', { where: 'segment' });
}
