import { MediaError } from '../errors.js';
import { boxPlace, childBoxes, writeFullBoxHeader, type Box } from './box.js';

/**
 * Sample auxiliary information for Common Encryption (ISO/IEC 23001-7 7.2; 14496-12 8.7.8-8.7.9):
 * `senc` (per-sample IVs and subsample maps), `saiz` (their sizes), `saio` (where they are).
 */
export const SENC_USE_SUBSAMPLES = 0x2;

export function saizSize(sampleCount: number, uniform: boolean): number {
  return 12 + 1 + 4 + (uniform ? 0 : sampleCount);
}

/** saiz: `sizes` are the per-sample auxiliary info sizes; a uniform size is written once. */
export function writeSaiz(out: Buffer, at: number, sizes: ArrayLike<number>, count: number, uniform: boolean): number {
  let o = writeFullBoxHeader(out, at, saizSize(count, uniform), 'saiz', 0, 0);
  out[o++] = uniform && count > 0 ? sizes[0]! : 0;
  out.writeUInt32BE(count, o); o += 4;
  if (!uniform) for (let i = 0; i < count; i++) out[o++] = sizes[i]!;
  return o;
}

export const SAIO_SIZE = 20;

/** saio with one entry: offset of the first IV, from the moof start (default-base-is-moof). */
export function writeSaio(out: Buffer, at: number, offset: number): number {
  let o = writeFullBoxHeader(out, at, SAIO_SIZE, 'saio', 0, 0);
  out.writeUInt32BE(1, o); o += 4;
  out.writeUInt32BE(offset, o); o += 4;
  return o;
}

export interface SampleEncryptionEntry {
  iv: Buffer;
  subsamples: [clear: number, protectedBytes: number][];
}

/** Parse a senc box given the per-sample IV size from tenc (tests and inspection). */
export function parseSenc(buf: Buffer, senc: Box, ivSize: number): SampleEncryptionEntry[] {
  const flags = buf.readUInt32BE(senc.bodyStart) & 0xffffff;
  const count = buf.readUInt32BE(senc.bodyStart + 4);
  const out: SampleEncryptionEntry[] = [];
  let o = senc.bodyStart + 8;
  for (let i = 0; i < count; i++) {
    if (o + ivSize > senc.end) throw new MediaError('ERR_BOX_TRUNCATED', `${boxPlace(senc)}: entry ${i} runs past the box`, { where: senc.path });
    const iv = Buffer.from(buf.subarray(o, o + ivSize)); o += ivSize;
    const subsamples: [number, number][] = [];
    if (flags & SENC_USE_SUBSAMPLES) {
      const n = buf.readUInt16BE(o); o += 2;
      for (let j = 0; j < n; j++) { subsamples.push([buf.readUInt16BE(o), buf.readUInt32BE(o + 2)]); o += 6; }
    }
    out.push({ iv, subsamples });
  }
  return out;
}

/** The senc box of a traf, if any. */
export function findSenc(buf: Buffer, traf: Box): Box | undefined {
  return childBoxes(buf, traf).find((b) => b.type === 'senc');
}
