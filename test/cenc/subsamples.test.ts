import t from 'tap';
import { videoSubsamples, type SubsampleRules } from '../../src/cenc/index.js';

/** A length-prefixed NAL unit: `size` bytes in all (header included), 4-byte length field. */
function nal(header: number[], size: number, fill = 0xab): Buffer {
  const b = Buffer.alloc(4 + size, fill);
  b.writeUInt32BE(size, 0);
  Buffer.from(header).copy(b, 4);
  return b;
}
const AVC_SEI = [0x06];
const AVC_IDR = [0x65]; // nal_unit_type 5
const AVC_SLICE = [0x41]; // nal_unit_type 1
const HEVC_VPS = [0x40, 0x01]; // type 32
const HEVC_IDR = [0x26, 0x01]; // type 19 (IDR_W_RADL)

const cenc: SubsampleRules = { codec: 'avc', nalLengthSize: 4, align: true, leadingClear: 0 };

t.test('AVC cenc: non-VCL clear, NAL length + header clear, protected part block-aligned', async (t) => {
  const s = Buffer.concat([nal(AVC_SEI, 20), nal(AVC_IDR, 100)]);
  const out: number[] = [];
  t.equal(videoSubsamples(s, 0, s.length, cenc, out), 1);
  // SEI (4+20) + IDR length+header (5) + 99 % 16 = 3 leftover bytes -> clear 32, protected 96.
  t.same(out, [32, 96]);
  t.equal(out[0]! + out[1]!, s.length, 'the pairs cover the sample exactly');
});

t.test('AVC cbcs: no alignment, the slice-header allowance stays clear', async (t) => {
  const s = Buffer.concat([nal(AVC_SEI, 20), nal(AVC_IDR, 100)]);
  const out: number[] = [];
  videoSubsamples(s, 0, s.length, { ...cenc, align: false, leadingClear: 32 }, out);
  t.same(out, [24 + 5 + 32, 100 - 1 - 32]);
});

t.test('several slices give one pair each; a trailing non-VCL NAL gives a clear-only pair', async (t) => {
  const s = Buffer.concat([nal(AVC_IDR, 50), nal(AVC_SLICE, 66), nal(AVC_SEI, 7)]);
  const out: number[] = [];
  t.equal(videoSubsamples(s, 0, s.length, cenc, out), 3);
  t.same(out, [5 + 1, 48, 5 + 1, 64, 11, 0]);
});

t.test('HEVC: 2-byte NAL header, parameter sets clear', async (t) => {
  const s = Buffer.concat([nal(HEVC_VPS, 24), nal(HEVC_IDR, 130)]);
  const out: number[] = [];
  videoSubsamples(s, 0, s.length, { ...cenc, codec: 'hevc' }, out);
  // VPS 28 clear + 4 + 2 header + (128 % 16 = 0) -> 34 clear, 128 protected
  t.same(out, [34, 128]);
});

t.test('a VCL NAL too small to hold a block stays clear', async (t) => {
  const s = nal(AVC_SLICE, 12);
  const out: number[] = [];
  videoSubsamples(s, 0, s.length, cenc, out);
  t.same(out, [16, 0]);
});

t.test('clear runs longer than 65535 bytes split into (65535, 0) pairs', async (t) => {
  const s = Buffer.concat([nal(AVC_SEI, 70000), nal(AVC_IDR, 33)]);
  const out: number[] = [];
  t.equal(videoSubsamples(s, 0, s.length, cenc, out), 2);
  t.same(out, [65535, 0, 70004 + 5 - 65535, 32]);
});

t.test('1- and 2-byte NAL length fields', async (t) => {
  const two = Buffer.from([0x00, 0x21, 0x65, ...new Array(32).fill(1)]);
  const out: number[] = [];
  videoSubsamples(two, 0, two.length, { ...cenc, nalLengthSize: 2 }, out);
  t.same(out, [3, 32]);
});

t.test('a NAL length past the sample is a typed error naming the offset', async (t) => {
  const s = nal(AVC_IDR, 40);
  s.writeUInt32BE(400, 0);
  t.throws(() => videoSubsamples(s, 0, s.length, cenc, []), { code: 'ERR_NAL_LENGTH', message: /sample byte 0/ });
  t.throws(() => videoSubsamples(Buffer.from([0, 0]), 0, 2, cenc, []), { code: 'ERR_NAL_LENGTH' });
});
