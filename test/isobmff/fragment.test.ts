import t from 'tap';
import { createDecipheriv } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { childBoxes, encryptFragment, parseSenc, topLevelBoxes, type FragmentTrack } from '../../src/isobmff/index.js';

const file = readFileSync(fileURLToPath(new URL('../../samples/media/avc.mp4', import.meta.url)));
const key = Buffer.from('ffeeddccbbaa99887766554433221100', 'hex');
const top = topLevelBoxes(file);
const moofBox = top.find((b) => b.type === 'moof')!;
const mdatBox = top.find((b) => b.type === 'mdat' && b.start > moofBox.start)!;
const fragment = file.subarray(moofBox.start, mdatBox.end);

const track: FragmentTrack = {
  trackId: 1, type: 'video', nal: { codec: 'avc', lengthSize: 4 }, scheme: 'cenc', key, cryptByteBlock: 0, skipByteBlock: 0,
  ivSize: 8, iv: Buffer.from('0a0b0c0d00000000', 'hex'), ordinal: 0, sliceHeaderClear: 0,
};

/** Clear sample ranges straight from the input trun (sizes) and mdat. */
function clearSamples(buf: Buffer): Buffer[] {
  const moof = topLevelBoxes(buf)[0]!;
  const traf = childBoxes(buf, moof).find((b) => b.type === 'traf')!;
  const trun = childBoxes(buf, traf).find((b) => b.type === 'trun')!;
  const flags = buf.readUInt32BE(trun.bodyStart) & 0xffffff;
  const n = buf.readUInt32BE(trun.bodyStart + 4);
  let o = trun.bodyStart + 8;
  const dataOffset = buf.readInt32BE(o); o += 4;
  if (flags & 4) o += 4;
  const rec = [0x100, 0x200, 0x400, 0x800].filter((f) => flags & f).length * 4;
  const sizeAt = flags & 0x100 ? 4 : 0;
  const out: Buffer[] = [];
  let d = dataOffset;
  for (let i = 0; i < n; i++) { const s = buf.readUInt32BE(o + i * rec + sizeAt); out.push(buf.subarray(d, d + s)); d += s; }
  return out;
}

t.test('cenc fragment: offsets, senc/saiz/saio, and every sample decrypts back', async (t) => {
  const out = encryptFragment(fragment, new Map([[1, track]]), new Map(), 3, moofBox.start, new Map());
  const [moof, mdat] = topLevelBoxes(out);
  t.equal(moof!.type, 'moof');
  t.equal(mdat!.type, 'mdat');
  t.equal(out.length - fragment.length, (moof!.end - moof!.start) - (moofBox.end - moofBox.start), 'only the moof grew');
  const traf = childBoxes(out, moof!).find((b) => b.type === 'traf')!;
  const kids = childBoxes(out, traf);
  t.same(kids.map((b) => b.type).slice(-3), ['saiz', 'saio', 'senc']);
  const tfhd = kids.find((b) => b.type === 'tfhd')!;
  t.ok(out.readUInt32BE(tfhd.bodyStart) & 0x20000, 'tfhd says default-base-is-moof');
  const trun = kids.find((b) => b.type === 'trun')!;
  t.equal(out.readInt32BE(trun.bodyStart + 8), mdat!.bodyStart, 'trun data_offset lands on the first mdat byte');
  const senc = kids.find((b) => b.type === 'senc')!;
  const saio = kids.find((b) => b.type === 'saio')!;
  t.equal(out.readUInt32BE(saio.bodyStart + 8), senc.bodyStart + 8, 'saio points at the first IV in senc');
  const entries = parseSenc(out, senc, 8);
  const clear = clearSamples(fragment);
  const enc = clearSamples(out);
  t.equal(entries.length, clear.length);
  t.equal(new Set(entries.map((e) => e.iv.toString('hex'))).size, entries.length, 'IVs are unique');
  t.equal(entries[0]!.iv.toString('hex'), '0a0b0c0d03000000', 'IV = base + sequence * 2^24 + index');
  let changed = 0;
  for (let i = 0; i < clear.length; i++) {
    const e = entries[i]!;
    t.equal(e.subsamples.reduce((s, [c, p]) => s + c + p, 0), clear[i]!.length, `sample ${i}: subsamples cover it`);
    const d = createDecipheriv('aes-128-ctr', key, Buffer.concat([e.iv, Buffer.alloc(8)]));
    const plain = Buffer.from(enc[i]!);
    let o = 0;
    for (const [c, p] of e.subsamples) { o += c; d.update(plain.subarray(o, o + p)).copy(plain, o); o += p; }
    if (!enc[i]!.equals(clear[i]!)) changed++;
    t.ok(plain.equals(clear[i]!), `sample ${i} decrypts to the clear sample`);
  }
  t.equal(changed, clear.length, 'every sample was changed by encryption');
});

t.test('a trun pointing outside the fragment is ERR_SAMPLE_RANGE', async (t) => {
  const bad = Buffer.from(fragment);
  const traf = childBoxes(bad, topLevelBoxes(bad)[0]!).find((b) => b.type === 'traf')!;
  const trun = childBoxes(bad, traf).find((b) => b.type === 'trun')!;
  bad.writeInt32BE(bad.length + 10, trun.bodyStart + 8);
  t.throws(() => encryptFragment(bad, new Map([[1, track]]), new Map(), 0, 0, new Map()), { code: 'ERR_SAMPLE_RANGE', message: /trun at byte/ });
});
