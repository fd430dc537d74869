import { MediaError } from '../errors.js';

/**
 * Subsample maps for NAL-structured video (ISO/IEC 23001-7 10.2-10.4; ISO/IEC 14496-15):
 * a pure function from (sample bytes, NAL length size, scheme rules) to (clear, protected)
 * pairs. Non-VCL NAL units stay clear; in a VCL NAL unit the length field, the NAL header and
 * `sliceHeaderBytes` stay clear, the rest is protected.
 */
export type NalCodec = 'avc' | 'hevc';

/** Measures slice headers (and learns in-band parameter sets) for one track. */
export interface SliceHeaderMeter {
  addParameterSet(buf: Buffer, start: number, end: number): void;
  /** Slice header bytes after the NAL header of the VCL NAL at buf[start, end); -1 if unknown. */
  sliceHeaderSize(buf: Buffer, start: number, end: number): number;
}

export interface SubsampleRules {
  codec: NalCodec;
  nalLengthSize: number;
  /** Block-align protected ranges (cenc, cens, cbc1: the leftover joins the clear bytes). */
  align: boolean;
  /** Bytes after the NAL header kept clear in VCL NAL units when the slice header cannot be measured. */
  leadingClear: number;
  /** When present, the measured slice header stays clear (Shaka Packager does this for every scheme). */
  meter?: SliceHeaderMeter;
}

const MAX_CLEAR = 0xffff; // BytesOfClearData is 16 bits (23001-7 7.2.2)

export function isVclNal(codec: NalCodec, firstByte: number): boolean {
  if (codec === 'avc') {
    const t = firstByte & 0x1f;
    return t >= 1 && t <= 5;
  }
  return ((firstByte >> 1) & 0x3f) < 32;
}

/**
 * Append (clear, protected) pairs for the sample buf[start, end) to `out`; returns the number
 * of pairs appended. Clear-only NAL units merge into the clear part of the next pair; a clear
 * run longer than 65535 bytes is split into (65535, 0) pairs.
 */
export function videoSubsamples(buf: Buffer, start: number, end: number, rules: SubsampleRules, out: number[]): number {
  const { nalLengthSize: n, codec } = rules;
  const headerSize = codec === 'avc' ? 1 : 2;
  let pending = 0;
  let pairs = 0;
  const pushPair = (clear: number, prot: number) => {
    while (clear > MAX_CLEAR) { out.push(MAX_CLEAR, 0); pairs++; clear -= MAX_CLEAR; }
    out.push(clear, prot); pairs++;
  };
  let o = start;
  while (o < end) {
    if (end - o < n) throw new MediaError('ERR_NAL_LENGTH', `NAL length field at sample byte ${o - start} runs past the ${end - start}-byte sample`, { where: `sample+${o - start}` });
    const len = n === 4 ? buf.readUInt32BE(o) : n === 2 ? buf.readUInt16BE(o) : n === 1 ? buf[o]! : buf.readUIntBE(o, n);
    const total = n + len;
    if (o + total > end) throw new MediaError('ERR_NAL_LENGTH', `NAL unit at sample byte ${o - start} declares ${len} bytes, past the ${end - start}-byte sample`, { where: `sample+${o - start}` });
    let clear = total;
    const nalStart = o + n;
    if (len > headerSize && isVclNal(codec, buf[nalStart]!)) {
      const measured = rules.meter ? rules.meter.sliceHeaderSize(buf, nalStart, nalStart + len) : -1;
      clear = Math.min(total, n + headerSize + (measured >= 0 ? measured : rules.leadingClear));
    } else if (rules.meter && len > 0) {
      rules.meter.addParameterSet(buf, nalStart, nalStart + len);
    }
    let prot = total - clear;
    if (rules.align) { const mis = prot % 16; clear += mis; prot -= mis; }
    pending += clear;
    if (prot > 0) { pushPair(pending, prot); pending = 0; }
    o += total;
  }
  if (pending > 0 || pairs === 0) pushPair(pending, 0);
  return pairs;
}
