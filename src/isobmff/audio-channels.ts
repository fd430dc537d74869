import { childBoxes, type Box } from './box.js';
import { sampleEntryChildrenStart } from './sample-entry.js';

/** AC-3 acmod -> full-bandwidth channels (ETSI TS 102 366 Table 4.3). */
const AC3_CHANNELS = [2, 1, 2, 3, 3, 4, 4, 5];

/**
 * The channel count of an audio sample entry, as SPEKE v2 audio filters count it. Encoders often
 * write 2 in AudioSampleEntry.channelcount whatever the layout (14496-12 says it is informative
 * for some codecs), so the codec's own configuration decides where it says: AAC's
 * AudioSpecificConfig (channelConfiguration, and Parametric Stereo for HE-AAC v2) and AC-3's
 * dac3 acmod + lfeon.
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
    const dsi = esds ? decoderSpecificInfo(buf, esds.bodyStart + 4, esds.end) : undefined;
    const n = dsi ? aacOutputChannels(buf.subarray(dsi.start, dsi.end)) : undefined;
    if (n !== undefined) return n;
  }
  return fromEntry;
}

const AAC_OBJECT_TYPE_INDICATIONS = new Set([0x40, 0x66, 0x67, 0x68]);
const AOT_SBR = 5;
const AOT_PS = 29;
/** Object types whose AudioSpecificConfig carries a GASpecificConfig (14496-3 1.6.2.1). */
const GA_OBJECT_TYPES = new Set([1, 2, 3, 4, 6, 7, 17, 19, 20, 21, 22, 23]);

/** Walk the ES_Descriptor (ISO/IEC 14496-1 7.2.6.5) to an AAC DecoderSpecificInfo (tag 5): its body range. */
function decoderSpecificInfo(buf: Buffer, start: number, end: number): { start: number; end: number } | undefined {
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
  if (!es || es.tag !== 3 || o + 3 > end) return undefined;
  const flags = buf[o + 2]!;
  o += 3;
  if (flags & 0x80) o += 2;
  if (flags & 0x40) o += 1 + (buf[o] ?? 0);
  if (flags & 0x20) o += 2;
  const dc = header();
  // objectTypeIndication: 0x40 MPEG-4 audio, 0x66-0x68 MPEG-2 AAC profiles (an AudioSpecificConfig follows); MP3 (0x6b) has none.
  if (!dc || dc.tag !== 4 || !AAC_OBJECT_TYPE_INDICATIONS.has(buf[o] ?? 0)) return undefined;
  o += 13;
  const dsi = header();
  if (!dsi || dsi.tag !== 5 || o >= end) return undefined;
  return { start: o, end: Math.min(end, o + dsi.len) };
}

/**
 * Output channels of an AAC AudioSpecificConfig (14496-3 1.6.2.1): channelConfiguration (Table
 * 1.19; 7 = 7.1), except that Parametric Stereo turns a mono core into 2 channels (HE-AAC v2).
 * PS is signalled explicitly (audioObjectType 29, "hierarchical") or implicitly, after the
 * GASpecificConfig, by the backward-compatible sync extensions 0x2b7 (SBR) and 0x548 (PS)
 * (1.6.5.2). Undefined when it cannot tell (channelConfiguration 0: a program_config_element).
 */
export function aacOutputChannels(asc: Buffer): number | undefined {
  let pos = 0;
  const left = () => asc.length * 8 - pos;
  const read = (n: number): number => {
    let v = 0;
    for (let i = 0; i < n; i++, pos++) v = v * 2 + (pos < asc.length * 8 ? (asc[pos >> 3]! >> (7 - (pos & 7))) & 1 : 0);
    return v;
  };
  const objectType = () => { const t = read(5); return t === 31 ? 32 + read(6) : t; };
  const frequencyIndex = () => { if (read(4) === 15) read(24); };
  let aot = objectType();
  frequencyIndex();
  const channelConfiguration = read(4);
  let ps = aot === AOT_PS;
  const explicitSbr = aot === AOT_SBR || aot === AOT_PS;
  if (explicitSbr) {
    frequencyIndex();
    aot = objectType();
  }
  if (channelConfiguration === 0) return undefined;
  const channels = channelConfiguration === 7 ? 8 : channelConfiguration <= 6 ? channelConfiguration : undefined;
  if (channels === undefined) return undefined;
  if (!explicitSbr && GA_OBJECT_TYPES.has(aot)) {
    read(1); // frameLengthFlag
    if (read(1)) read(14); // dependsOnCoreCoder: coreCoderDelay
    const extensionFlag = read(1);
    if (aot === 6 || aot === 20) read(3); // layerNr
    if (extensionFlag) {
      if (aot === 22) read(16); // numOfSubFrame, layer_length
      if (aot === 17 || aot === 19 || aot === 20 || aot === 23) read(3);
      read(1); // extensionFlag3
    }
    if (left() >= 16 && read(11) === 0x2b7 && objectType() === AOT_SBR && read(1) === 1) {
      frequencyIndex();
      if (left() >= 12 && read(11) === 0x548) ps = read(1) === 1;
    }
  }
  return ps && channels === 1 ? 2 : channels;
}
