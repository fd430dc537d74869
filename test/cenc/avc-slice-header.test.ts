import t from 'tap';
import { AvcSliceHeaderParser, RbspReader, videoSubsamples } from '../../src/cenc/index.js';

/** Bit writer for hand-made parameter sets and slice headers. */
class Bits {
  bits: number[] = [];
  u(n: number, v: number): this { for (let i = n - 1; i >= 0; i--) this.bits.push((v >> i) & 1); return this; }
  ue(v: number): this { const x = v + 1; const len = Math.floor(Math.log2(x)); this.u(len, 0); return this.u(len + 1, x); }
  se(v: number): this { return this.ue(v > 0 ? 2 * v - 1 : -2 * v); }
  get length(): number { return this.bits.length; }
  /** Bytes, padded with `fill` bits (slice data would follow the header). */
  bytes(fill = 1): Buffer {
    const b = [...this.bits];
    while (b.length % 8) b.push(fill);
    const out = Buffer.alloc(b.length / 8);
    b.forEach((bit, i) => { out[i >> 3]! |= bit << (7 - (i & 7)); });
    return out;
  }
}

// Baseline SPS: profile 66, sps id 0, log2_max_frame_num 4+0, poc type 0 with lsb 4+2, frame_mbs_only.
const sps = Buffer.concat([Buffer.from([0x67, 66, 0, 30]), new Bits().ue(0).ue(0).ue(0).ue(2).ue(1).u(1, 0).ue(79).ue(44).u(1, 1).u(1, 1).u(1, 0).u(1, 0).u(1, 1).bytes(0)]);
// PPS: id 0 -> sps 0, CAVLC, no bottom-field poc, 1 slice group, 1/1 refs, no weighted pred, deblocking control present.
const pps = Buffer.concat([Buffer.from([0x68]), new Bits().ue(0).ue(0).u(1, 0).u(1, 0).ue(0).ue(0).ue(0).u(1, 0).u(2, 0).se(0).se(0).se(0).u(1, 1).u(1, 0).u(1, 0).u(1, 1).bytes(0)]);

function parser(): AvcSliceHeaderParser {
  const p = new AvcSliceHeaderParser();
  p.addParameterSet(sps, 0, sps.length);
  p.addParameterSet(pps, 0, pps.length);
  return p;
}

t.test('RbspReader: exp-Golomb codes and emulation prevention bytes', async (t) => {
  const b = new Bits().ue(0).ue(1).ue(7).se(-3).se(4).bytes(0);
  const r = new RbspReader(b, 0, b.length);
  t.same([r.ue(), r.ue(), r.ue(), r.se(), r.se()], [0, 1, 7, -3, 4]);
  const esc = Buffer.from([0x00, 0x00, 0x03, 0x01, 0xff]);
  const r2 = new RbspReader(esc, 0, esc.length);
  t.equal(r2.u(24), 0x000001, '0x03 after two zeros is skipped');
  t.equal(r2.bytePosition, 4, 'position counts escaped bytes');
});

t.test('IDR I slice: header measured to the bit, rounded up to bytes', async (t) => {
  const h = new Bits().ue(0).ue(7).ue(0).u(4, 0).ue(0).u(6, 0).u(1, 0).u(1, 0).se(-2).ue(1);
  const nal = Buffer.concat([Buffer.from([0x65]), h.bytes(), Buffer.alloc(40, 0xaa)]);
  t.equal(parser().sliceHeaderSize(nal, 0, nal.length), Math.ceil(h.length / 8));
});

t.test('P slice with ref list modification, adaptive marking and deblocking offsets', async (t) => {
  const h = new Bits().ue(0).ue(5).ue(0).u(4, 3).u(6, 6)
    .u(1, 1).ue(2) // num_ref_idx_active_override -> 3 refs
    .u(1, 1).ue(0).ue(4).ue(1).ue(0).ue(3) // ref_pic_list_modification
    .u(1, 1).ue(1).ue(3).ue(0) // adaptive_ref_pic_marking: mmco 1, end
    .se(3).ue(0).se(-1).se(2); // qp delta, deblocking idc 0 with alpha/beta
  const nal = Buffer.concat([Buffer.from([0x41]), h.bytes(), Buffer.alloc(33, 0x55)]);
  t.equal(parser().sliceHeaderSize(nal, 0, nal.length), Math.ceil(h.length / 8));
});

t.test('unknown PPS or a header running past the NAL gives -1 (the caller falls back)', async (t) => {
  const h = new Bits().ue(0).ue(7).ue(9).bytes();
  t.equal(parser().sliceHeaderSize(Buffer.concat([Buffer.from([0x65]), h]), 0, h.length + 1), -1);
  t.equal(parser().sliceHeaderSize(Buffer.from([0x65, 0x88]), 0, 2), -1);
});

t.test('in the subsample map: protection starts right after the measured slice header', async (t) => {
  const h = new Bits().ue(0).ue(7).ue(0).u(4, 0).ue(0).u(6, 0).u(1, 0).u(1, 0).se(0).ue(1);
  const hdr = Math.ceil(h.length / 8);
  const slice = Buffer.concat([Buffer.from([0x65]), h.bytes(), Buffer.alloc(200, 0xaa)]);
  const withLen = (n: Buffer) => { const l = Buffer.alloc(4); l.writeUInt32BE(n.length); return Buffer.concat([l, n]); };
  const sample = Buffer.concat([withLen(sps), withLen(pps), withLen(slice)]);
  const meter = new AvcSliceHeaderParser(); // learns SPS/PPS in-band, from the sample itself
  const out: number[] = [];
  videoSubsamples(sample, 0, sample.length, { codec: 'avc', nalLengthSize: 4, align: false, leadingClear: 32, meter }, out);
  t.same(out, [4 + sps.length + 4 + pps.length + 4 + 1 + hdr, slice.length - 1 - hdr]);
});
