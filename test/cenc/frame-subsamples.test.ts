/**
 * AV1 and VP9 subsample maps on hand-built bitstreams, their header lengths counted by hand from
 * the AV1 spec (5.5, 5.9, 5.11) and the VP9 spec (6.2, Annex B); and the typed errors for broken
 * samples. Real encoder output is checked against Shaka Packager in
 * test/isobmff/frame-subsamples-vs-shaka.test.ts.
 */
import t from 'tap';
import { frameSubsampler } from '../../src/cenc/index.js';

/** MSB-first bit writer: `w(value, bits)`, then bytes() pads with zero bits. */
class Bits {
  private bits: number[] = [];
  w(v: number, n: number): this { for (let i = n - 1; i >= 0; i--) this.bits.push(Math.floor(v / 2 ** i) % 2); return this; }
  get length(): number { return this.bits.length; }
  bytes(): Buffer {
    const out = Buffer.alloc(Math.ceil(this.bits.length / 8));
    this.bits.forEach((b, i) => { out[i >> 3]! |= b << (7 - (i & 7)); });
    return out;
  }
}

/** An OBU with obu_has_size_field (1-byte leb128 size). */
function obu(type: number, payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from([(type << 3) | 0x02, payload.length]), payload]);
}

/** Reduced still-picture sequence header: profile 0, 64x64, 8-bit 4:2:0, no cdef/restoration/superres/film grain. */
function av1SequenceHeader(): Buffer {
  return new Bits().w(0, 3).w(1, 1).w(1, 1).w(0, 5) // seq_profile, still_picture, reduced_still_picture_header, seq_level_idx
    .w(5, 4).w(5, 4).w(63, 6).w(63, 6) // frame_{width,height}_bits_minus_1, max_frame_{width,height}_minus_1
    .w(0, 1).w(0, 1).w(0, 1) // use_128x128_superblock, enable_filter_intra, enable_intra_edge_filter
    .w(0, 1).w(0, 1).w(0, 1) // enable_superres, enable_cdef, enable_restoration
    .w(0, 1).w(0, 1).w(0, 1).w(0, 1).w(0, 2).w(0, 1) // high_bitdepth, mono_chrome, color_description_present_flag, color_range, chroma_sample_position, separate_uv_delta_q
    .w(0, 1).w(1, 1) // film_grain_params_present, trailing one bit
    .bytes();
}

/** The frame header of that sequence's key frame: 36 bits, so 5 bytes after byte_alignment(). */
function av1KeyFrameHeader(): Bits {
  return new Bits().w(0, 1).w(0, 1) // disable_cdf_update, allow_screen_content_tools
    .w(0, 1) // render_and_frame_size_different
    .w(1, 1) // uniform_tile_spacing_flag (one 64x64 superblock: one tile, no more bits)
    .w(100, 8).w(0, 1).w(0, 1).w(0, 1).w(0, 1) // base_q_idx, delta_coded x3 (Y DC, U DC, U AC), using_qmatrix
    .w(0, 1).w(0, 1) // segmentation_enabled, delta_q_present
    .w(0, 6).w(0, 6).w(0, 3).w(0, 1) // loop_filter_level[0..1], loop_filter_sharpness, loop_filter_delta_enabled
    .w(0, 1).w(0, 1); // tx_mode_select, reduced_tx_set
}

t.test('AV1: sequence header, OBU headers and the frame header inside OBU_FRAME clear; the tile protected', async (t) => {
  const header = av1KeyFrameHeader();
  t.equal(header.length, 36, 'the hand-built frame header is 36 bits');
  const tile = Buffer.alloc(40, 0xee);
  const seq = obu(1, av1SequenceHeader());
  const frame = obu(6, Buffer.concat([header.bytes(), tile]));
  const sample = Buffer.concat([seq, frame]);
  const clearBeforeTile = seq.length + 2 + 5;
  for (const [scheme, expected] of [
    ['cbcs', [clearBeforeTile, 40]], // the whole tile, partial block included (the pattern leaves it clear)
    ['cenc', [clearBeforeTile + 8, 32]], // whole blocks ending on the tile's last byte
  ] as const) {
    const out: number[] = [];
    const n = frameSubsampler({ codec: 'av1', width: 64, height: 64 }, scheme)(sample, 0, sample.length, out);
    t.equal(n, 1, `${scheme}: one subsample`);
    t.same(out, expected, `${scheme}: ${expected.join(', ')}`);
  }
  // The same sequence header from av1C's configOBUs: a sample holding only the frame.
  const av1C = Buffer.concat([Buffer.from([0x81, 0x00, 0x0c, 0x00]), seq]);
  const out: number[] = [];
  frameSubsampler({ codec: 'av1', config: av1C, width: 64, height: 64 }, 'cbcs')(frame, 0, frame.length, out);
  t.same(out, [7, 40], 'the sequence header can come from av1C');
});

t.test('AV1: a tile under 16 bytes is a subsample of its own for cbcs, clear for cenc', async (t) => {
  const seq = obu(1, av1SequenceHeader());
  const frame = obu(6, Buffer.concat([av1KeyFrameHeader().bytes(), Buffer.alloc(9, 0xee)]));
  const sample = Buffer.concat([seq, frame]);
  const cbcs: number[] = [];
  frameSubsampler({ codec: 'av1', width: 64, height: 64 }, 'cbcs')(sample, 0, sample.length, cbcs);
  t.same(cbcs, [sample.length - 9, 9]);
  const cenc: number[] = [];
  frameSubsampler({ codec: 'av1', width: 64, height: 64 }, 'cenc')(sample, 0, sample.length, cenc);
  t.same(cenc, [sample.length, 0]);
});

t.test('AV1 broken samples: typed errors naming the sample byte', async (t) => {
  const map = (scheme = 'cenc') => frameSubsampler({ codec: 'av1', width: 64, height: 64 }, scheme);
  const run = (b: Buffer) => () => map()(b, 0, b.length, []);
  const seq = obu(1, av1SequenceHeader());
  t.throws(run(Buffer.from([0x80 | (2 << 3), 0])), { code: 'ERR_AV1_OBU', message: /forbidden bit/ });
  t.throws(run(Buffer.from([(2 << 3) | 2, 9, 0])), { code: 'ERR_AV1_OBU', message: /declares 9 bytes, past the 3-byte sample/ });
  t.throws(run(obu(6, av1KeyFrameHeader().bytes())), { code: 'ERR_AV1_NO_SEQUENCE_HEADER' });
  t.throws(run(Buffer.concat([seq, obu(6, Buffer.from([0]))])), { code: 'ERR_AV1_OBU', message: /OBU \(type 6\) at sample byte \d+: its header/ });
  t.throws(run(obu(8, Buffer.alloc(4))), { code: 'ERR_AV1_TILE_LIST' });
});

/** A VP9 profile-0 key frame 64x64: a 112-bit (14-byte) uncompressed header, then `rest` bytes. */
function vp9KeyFrame(rest: number): Buffer {
  const h = new Bits().w(2, 2).w(0, 1).w(0, 1).w(0, 1).w(0, 1).w(1, 1).w(0, 1) // frame_marker, profile, show_existing_frame, frame_type, show_frame, error_resilient_mode
    .w(0x498342, 24).w(1, 3).w(0, 1) // frame_sync_code, color_space, color_range
    .w(63, 16).w(63, 16).w(0, 1) // frame_{width,height}_minus_1, render_and_frame_size_different
    .w(1, 1).w(0, 1).w(0, 2) // refresh_frame_context, frame_parallel_decoding_mode, frame_context_idx
    .w(10, 6).w(0, 3).w(0, 1) // loop_filter_level, loop_filter_sharpness, loop_filter_delta_enabled
    .w(60, 8).w(0, 1).w(0, 1).w(0, 1) // base_q_idx, delta_coded x3
    .w(0, 1).w(0, 1) // segmentation_enabled, tile_rows_log2 (one 64-wide tile column: no column bits)
    .w(rest, 16); // header_size_in_bytes
  t.equal(h.length, 112);
  // Filler that cannot look like a superframe marker (libvpx's bool coder avoids a last byte 0b110xxxxx too).
  return Buffer.concat([h.bytes(), Buffer.alloc(rest, 0x11)]);
}

t.test('VP9: uncompressed header clear, the rest in whole blocks; a superframe: one subsample per frame, index clear', async (t) => {
  for (const scheme of ['cenc', 'cbcs']) {
    const map = frameSubsampler({ codec: 'vp9', width: 64, height: 64 }, scheme);
    const one = vp9KeyFrame(50);
    const out: number[] = [];
    t.equal(map(one, 0, one.length, out), 1);
    t.same(out, [14 + 2, 48], `${scheme}: 14-byte header + 2 leftover bytes clear, 48 protected`);
    const a = vp9KeyFrame(50);
    const b = vp9KeyFrame(30);
    const index = Buffer.from([0xc1, a.length, b.length, 0xc1]); // 2 frames, 1-byte sizes
    const sf = Buffer.concat([a, b, index]);
    const sfOut: number[] = [];
    t.equal(map(sf, 0, sf.length, sfOut), 3);
    t.same(sfOut, [16, 48, 14 + 14, 16, 4, 0], `${scheme}: per frame (clear, aligned protected), then the 4-byte index`);
  }
});

t.test('VP9 broken samples: typed errors', async (t) => {
  const map = frameSubsampler({ codec: 'vp9', width: 64, height: 64 }, 'cenc');
  const notVp9 = Buffer.alloc(20, 0);
  t.throws(() => map(notVp9, 0, notVp9.length, []), { code: 'ERR_VP9_FRAME', message: /frame_marker/ });
  const frame = vp9KeyFrame(10);
  const lying = Buffer.concat([frame, Buffer.from([0xc1, 200, 200, 0xc1])]);
  t.throws(() => map(lying, 0, lying.length, []), { code: 'ERR_VP9_SUPERFRAME' });
  const cut = frame.subarray(0, 8);
  t.throws(() => map(cut, 0, cut.length, []), { code: 'ERR_VP9_FRAME', message: /past the end/ });
});
