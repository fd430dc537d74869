import { MediaError } from '../errors.js';
import { BitReader, readLeb128 } from './bit-reader.js';
import { Av1FrameHeaderParser, Av1ReferenceError, type Av1TileInfo } from './av1-frame-header.js';
import { parseAv1SequenceHeader } from './av1-sequence-header.js';
import { SubsampleBuilder } from './subsample-builder.js';

/**
 * Subsample maps for AV1 samples (AV1 Codec ISO Media File Format Binding, "Common Encryption",
 * "General Subsample Encryption constraints"): OBU headers and size fields, temporal delimiters,
 * sequence headers, frame headers (also the one inside an OBU_FRAME), metadata and padding stay
 * clear; in OBU_FRAME and OBU_TILE_GROUP only each tile's decode_tile() data is protected, the
 * tile group header and tile_size fields stay clear, and each tile gets its own subsample:
 * - cbcs: the protected range is the whole tile, even when shorter than 16 bytes (the partial
 *   block at its end is left clear by the pattern);
 * - cenc (and cens/cbc1): the protected range is the tile's whole 16-byte blocks, ending on its
 *   last byte; the leftover at its start joins the clear bytes, a tile under 16 bytes is all clear.
 * Shaka Packager splits samples the same way (test/isobmff/frame-subsamples-vs-shaka.test.ts).
 */
const OBU_SEQUENCE_HEADER = 1;
const OBU_TEMPORAL_DELIMITER = 2;
const OBU_FRAME_HEADER = 3;
const OBU_TILE_GROUP = 4;
const OBU_FRAME = 6;
const OBU_TILE_LIST = 8;

/** The sample being mapped; null while reading av1C's configOBUs (state only). */
interface Sample { b: SubsampleBuilder; align: boolean }

export class Av1Subsampler {
  private parser?: Av1FrameHeaderParser;
  private tiles?: Av1TileInfo;
  private seenFrameHeader = false;

  /** `av1C` is the av1C box body: its configOBUs may hold the sequence header. */
  constructor(av1C?: Buffer) {
    if (av1C && av1C.length > 4) {
      try { this.walk(av1C, 4, av1C.length, null); } catch { /* a broken configOBUs: the in-band sequence header decides */ }
    }
  }

  /** Append the pairs for the sample buf[start, end) to `out`; returns how many. */
  subsamples(buf: Buffer, start: number, end: number, align: boolean, out: number[]): number {
    const b = new SubsampleBuilder(out);
    this.walk(buf, start, end, { b, align });
    return b.finish();
  }

  private walk(buf: Buffer, start: number, end: number, sample: Sample | null): void {
    let o = start;
    const where = (at: number): string => `sample+${at - start}`;
    while (o < end) {
      const header = buf[o]!;
      if (header & 0x80) throw new MediaError('ERR_AV1_OBU', `AV1 OBU at sample byte ${o - start}: forbidden bit set (not an AV1 sample?)`, { where: where(o) });
      const type = (header >> 3) & 0xf;
      const ext = (header >> 2) & 1;
      let headerLen = 1 + ext;
      if (o + headerLen > end) throw truncated(o - start, end - start, where(o));
      const temporalId = ext ? buf[o + 1]! >> 5 : 0;
      const spatialId = ext ? (buf[o + 1]! >> 3) & 3 : 0;
      let size = end - o - headerLen;
      if ((header >> 1) & 1) {
        const leb = readLeb128(buf, o + headerLen, end);
        if (!leb) throw truncated(o - start, end - start, where(o));
        headerLen += leb.length;
        size = leb.value;
      }
      const p = o + headerLen;
      const pend = p + size;
      if (pend > end) throw new MediaError('ERR_AV1_OBU', `AV1 OBU (type ${type}) at sample byte ${o - start} declares ${size} bytes, past the ${end - start}-byte sample`, { where: where(o) });
      sample?.b.clear(headerLen);
      try {
        this.obu(buf, type, p, pend, temporalId, spatialId, sample);
      } catch (e) {
        if (e instanceof RangeError) throw new MediaError('ERR_AV1_OBU', `AV1 OBU (type ${type}) at sample byte ${o - start}: its header or tile sizes run past its ${size} bytes`, { where: where(o) });
        if (e instanceof Av1ReferenceError) throw new MediaError('ERR_AV1_REFERENCE', `AV1 frame at sample byte ${o - start}: ${e.message}; encrypt fragments that start with a key frame`, { where: where(o) });
        throw e;
      }
      o = pend;
    }
  }

  private obu(buf: Buffer, type: number, p: number, pend: number, temporalId: number, spatialId: number, sample: Sample | null): void {
    const clearAll = (): void => sample?.b.clear(pend - p);
    switch (type) {
      case OBU_SEQUENCE_HEADER: {
        const seq = parseAv1SequenceHeader(buf, p, pend);
        if (this.parser) this.parser.seq = seq; else this.parser = new Av1FrameHeaderParser(seq);
        return clearAll();
      }
      case OBU_TEMPORAL_DELIMITER:
        this.seenFrameHeader = false;
        return clearAll();
      case OBU_FRAME_HEADER:
        if (!this.seenFrameHeader) this.frameHeader(new BitReader(buf, p, pend), temporalId, spatialId);
        return clearAll();
      case OBU_FRAME: {
        const r = new BitReader(buf, p, pend);
        this.frameHeader(r, temporalId, spatialId);
        r.byteAlign();
        sample?.b.clear(r.bytePosition - p);
        return this.tileGroup(buf, r.bytePosition, pend, sample);
      }
      case OBU_TILE_GROUP:
        return this.tileGroup(buf, p, pend, sample);
      case OBU_TILE_LIST:
        throw new MediaError('ERR_AV1_TILE_LIST', 'AV1 tile list OBUs (large scale tile) are not supported by the AV1 ISOBMFF binding', { where: 'OBU_TILE_LIST' });
      default: // metadata, redundant frame headers, padding, reserved types: clear
        return clearAll();
    }
  }

  private frameHeader(r: BitReader, temporalId: number, spatialId: number): void {
    if (!this.parser) throw new MediaError('ERR_AV1_NO_SEQUENCE_HEADER', 'AV1 frame header before any sequence header (none in av1C nor in the samples so far)', { where: 'OBU_FRAME_HEADER' });
    const h = this.parser.parse(r, temporalId, spatialId);
    if (!h.showExistingFrame) { this.tiles = h.tiles; this.seenFrameHeader = true; }
  }

  /** tile_group_obu() (AV1 spec 5.11.1): headers and tile_size fields clear, tile data protected. */
  private tileGroup(buf: Buffer, p: number, pend: number, sample: Sample | null): void {
    const t = this.tiles;
    if (!t || !this.seenFrameHeader) throw new MediaError('ERR_AV1_OBU', 'AV1 tile group without a frame header before it', { where: 'OBU_TILE_GROUP' });
    const numTiles = t.cols * t.rows;
    const r = new BitReader(buf, p, pend);
    let first = 0;
    let last = numTiles - 1;
    if (numTiles > 1 && r.f(1)) { first = r.f(t.colsLog2 + t.rowsLog2); last = r.f(t.colsLog2 + t.rowsLog2); }
    r.byteAlign();
    let o = r.bytePosition;
    sample?.b.clear(o - p);
    for (let tile = first; tile <= last; tile++) {
      let size = pend - o;
      if (tile !== last) {
        if (o + t.tileSizeBytes > pend) throw new RangeError('tile_size_minus_1 past the OBU');
        size = buf.readUIntLE(o, t.tileSizeBytes) + 1;
        o += t.tileSizeBytes;
        sample?.b.clear(t.tileSizeBytes);
      }
      if (size <= 0 || o + size > pend) throw new RangeError(`tile ${tile} runs past the OBU`);
      if (sample) {
        if (sample.align) sample.b.protectAligned(size); else sample.b.protect(size);
      }
      o += size;
    }
    if (last === numTiles - 1) this.seenFrameHeader = false;
  }
}

function truncated(at: number, size: number, where: string): MediaError {
  return new MediaError('ERR_AV1_OBU', `AV1 OBU header at sample byte ${at} runs past the ${size}-byte sample`, { where });
}
