import { childBoxes, type Box } from './box.js';
import { sampleEntryChildrenStart } from './sample-entry.js';

/** AC-3 acmod -> full-bandwidth channels (ETSI TS 102 366 Table 4.3). */
const AC3_CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5];

/**
 * The channel count of an audio sample entry, as SPEKE v2 audio filters count it. Encoders often
 * write 2 in AudioSampleEntry.channelcount whatever the layout (14496-12 says it is informative
 * for some codecs), so the codec's own configuration decides where it says: AAC's
 * AudioSpecificConfig channelConfiguration (14496-3 Table 1.19) and AC-3's dac3 acmod + lfeon.
 */
export function audioChannels(buf: Buffer, entry: Box): number | undefined {
  const fromEntry = buf.readUInt16BE(entry.bodyStart + 16) || undefined;
  let children: Box[];
  try {
    children = childBoxes(buf, entry, sampleEntryChildrenStart(buf, entry, 'audio'));
  } catch {
    return fromEntry;
  }
  if (entry.type === 'ac-3') {
    const dac3 = children.find((c) => c.type === 'dac3');
    if (dac3 && dac3.end - dac3.bodyStart >= 3) {
      const v = buf.readUIntBE(dac3.bodyStart, 3);
      const acmod = (v >> 11) & 7;
      const lfe = (v >> 10) & 1;
      return AC3_CHANNELS[acmod]! + lfe;
    }
  }
  if (entry.type === 'mp4a') {
    const esds = children.find((c) => c.type === 'esds');
    const cc = esds ? aacChannelConfiguration(buf, esds.bodyStart + 4, esds.end) : undefined;
    if (cc !== undefined && cc > 0) return cc === 7 ? 8 : cc <= 6 ? cc : fromEntry;
  }
  return fromEntry;
}

/** Walk the ES_Descriptor to the DecoderSpecificInfo (tag 5) and read its channelConfiguration. */
function aacChannelConfiguration(buf: Buffer, start: number, end: number): number | undefined {
  let o = start;
  const header = (): { tag: number; len: number } | undefined => {
    if (o >= end) return undefined;
    const tag = buf[o++]!;
    let len = 0;
    for (let i = 0; i < 4 && o < end; i++) {
      const b = buf[o++]!;
      len = (len << 7) | (b & 0x7f);
      if (!(b & 0x80)) break;
    }
    return { tag, len };
  };
  const es = header();
  if (!es || es.tag !== 3) return undefined;
  const flags = buf[o + 2]!;
  o += 3;
  if (flags & 0x80) o += 2;
  if (flags & 0x40) o += 1 + (buf[o] ?? 0);
  if (flags & 0x20) o += 2;
  const dc = header();
  if (!dc || dc.tag !== 4) return undefined;
  o += 13;
  const dsi = header();
  if (!dsi || dsi.tag !== 5 || o + 2 > end) return undefined;
  // audioObjectType (5 bits, 31 = escape to 6 more), samplingFrequencyIndex (4, 15 = 24-bit rate), channelConfiguration (4).
  let bits = 0;
  for (let i = 0; i < 4; i++) bits = (bits << 8) | (o + i < end ? buf[o + i]! : 0);
  let pos = 0;
  const take = (n: number): number => { const v = (bits >>> (32 - pos - n)) & ((1 << n) - 1); pos += n; return v; };
  if (take(5) === 31) take(6);
  if (take(4) === 15) return undefined; // explicit 24-bit rate: rare; the entry's count will do
  return take(4);
}
