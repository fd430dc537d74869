/**
 * Test fixture builder: HE-AAC-*signaled* fragmented MP4s, since Debian's ffmpeg has no HE-AAC
 * encoder. A mono AAC-LC stream at 24 kHz (ffmpeg's native `aac` encoder) keeps its samples; only
 * the esds DecoderSpecificInfo (AudioSpecificConfig, ISO/IEC 14496-3 1.6.2.1) is replaced, to
 * signal SBR (HE-AAC v1) and Parametric Stereo (HE-AAC v2) explicitly (audioObjectType 5 / 29,
 * "hierarchical") or implicitly (AAC-LC with the backward-compatible sync extension 0x2b7 / 0x548,
 * 1.6.5.2), output rate 48 kHz. ffmpeg's AAC decoder then runs its SBR/PS stages over the LC
 * core (no SBR data: an upsampled copy; PS: mono duplicated to stereo) — the point is the
 * signalling, which decides the channel count a SPEKE v2 audio filter sees.
 */
import { rewriteFirstSampleEntry } from './sample-entry-fixture.js';

export type HeAacSignalling = 'lc' | 'explicit-v1' | 'explicit-v2' | 'implicit-v1' | 'implicit-v2';

class BitWriter {
  private bits: number[] = [];
  put(value: number, n: number): this { for (let i = n - 1; i >= 0; i--) this.bits.push((value >> i) & 1); return this; }
  bytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8));
    this.bits.forEach((b, i) => { out[i >> 3]! |= b << (7 - (i & 7)); });
    return out;
  }
}

const SFI_24000 = 6;
const SFI_48000 = 3;
const AOT_LC = 2;
const AOT_SBR = 5;
const AOT_PS = 29;

/** AudioSpecificConfig for a mono (channelConfiguration 1) 24 kHz AAC-LC core. */
export function audioSpecificConfig(kind: HeAacSignalling): Buffer {
  const w = new BitWriter();
  const gaSpecific = () => w.put(0, 3); // frameLengthFlag, dependsOnCoreCoder, extensionFlag
  if (kind === 'explicit-v1' || kind === 'explicit-v2') {
    w.put(kind === 'explicit-v2' ? AOT_PS : AOT_SBR, 5).put(SFI_24000, 4).put(1, 4).put(SFI_48000, 4).put(AOT_LC, 5);
    gaSpecific();
    return w.bytes();
  }
  w.put(AOT_LC, 5).put(SFI_24000, 4).put(1, 4);
  gaSpecific();
  if (kind === 'lc') return w.bytes();
  w.put(0x2b7, 11).put(AOT_SBR, 5).put(1, 1).put(SFI_48000, 4); // syncExtensionType, extensionAudioObjectType, sbrPresentFlag
  if (kind === 'implicit-v2') w.put(0x548, 11).put(1, 1); // syncExtensionType, psPresentFlag
  return w.bytes();
}

/**
 * Replace the AudioSpecificConfig in the mp4a entry's esds. ffmpeg writes each descriptor
 * length in the 4-byte form (0x80 0x80 0x80 len): the ES_Descriptor (tag 3),
 * DecoderConfigDescriptor (4) and DecoderSpecificInfo (5) lengths change by the difference.
 */
export function heAacFixture(src: Buffer, kind: HeAacSignalling): Buffer {
  const asc = audioSpecificConfig(kind);
  return rewriteFirstSampleEntry(src, (entry) => {
    const esds = entry.indexOf('esds', 0, 'latin1') - 4;
    if (esds < 0) throw new Error('heAacFixture: no esds in the sample entry');
    const lenAt = (tag: number, from: number): number => {
      if (entry[from] !== tag || entry[from + 1] !== 0x80 || entry[from + 2] !== 0x80 || entry[from + 3] !== 0x80) throw new Error(`heAacFixture: descriptor ${tag} at ${from} is not in ffmpeg's 4-byte length form`);
      return from + 4;
    };
    const es = lenAt(3, esds + 12);
    const dcd = lenAt(4, es + 1 + 3);
    const dsi = lenAt(5, dcd + 1 + 13);
    const oldLen = entry[dsi]!;
    const delta = asc.length - oldLen;
    const out = Buffer.concat([entry.subarray(0, dsi + 1), asc, entry.subarray(dsi + 1 + oldLen)]);
    for (const at of [es, dcd]) out[at] = out[at]! + delta;
    out[dsi] = asc.length;
    out.writeUInt32BE(out.readUInt32BE(esds) + delta, esds);
    return out;
  });
}
