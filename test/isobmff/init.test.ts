import t from 'tap';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createFile, MP4BoxBuffer } from 'mp4box';
import { parseInit, parseSinf, protectInit, topLevelBoxes, writeSinf, type TrackEncryption } from '../../src/isobmff/index.js';

const media = (name: string) => readFileSync(fileURLToPath(new URL(`../../samples/media/${name}`, import.meta.url)));
const KV = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const KA = Buffer.from('11112233445566778899aabbccddeeff', 'hex');
const CIV = Buffer.from('000102030405060708090a0b0c0d0e0f', 'hex');

function initOf(file: Buffer): Buffer {
  const firstMoof = topLevelBoxes(file).find((b) => b.type === 'moof')!;
  return file.subarray(0, firstMoof.start);
}

interface Mp4Box { type: string; boxes?: Mp4Box[]; entries?: Mp4Box[]; [k: string]: unknown }
/** Parse with mp4box.js (an independent parser) and return the moov box tree. */
function mp4boxMoov(buf: Buffer): Mp4Box {
  const file = createFile(true) as unknown as { appendBuffer(b: unknown): void; flush(): void; boxes: Mp4Box[] };
  const ab = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.length) as ArrayBuffer;
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(ab, 0));
  file.flush();
  return file.boxes.find((b) => b.type === 'moov')!;
}
const child = (b: Mp4Box | undefined, type: string) => b?.boxes?.find((c) => c.type === type);
function sampleEntry(trak: Mp4Box): Mp4Box {
  const stsd = child(child(child(child(trak, 'mdia'), 'minf'), 'stbl'), 'stsd');
  return (stsd?.entries ?? [])[0]!;
}

const protections = (video: TrackEncryption, audio: TrackEncryption) => new Map([[1, video], [2, audio]]);

t.test('parseInit reads tracks, codecs and NAL length size', async (t) => {
  const info = parseInit(initOf(media('muxed.mp4')));
  t.same(info.tracks.map((x) => [x.trackId, x.type, x.codec, x.nal?.lengthSize]), [[1, 'video', 'avc1', 4], [2, 'audio', 'mp4a', undefined]]);
  const hevc = parseInit(initOf(media('hevc.mp4')));
  t.same([hevc.tracks[0]!.nal?.codec, hevc.tracks[0]!.nal?.lengthSize], ['hevc', 4]);
  t.equal(hevc.tracks[0]!.nal?.config[0], 1, 'hvcC body kept (configurationVersion 1)');
});

for (const scheme of ['cenc', 'cbcs'] as const) {
  t.test(`${scheme}: mp4box.js sees encv/enca, the scheme, per-track KIDs and IV sizes`, async (t) => {
    const init = initOf(media('muxed.mp4'));
    const cbcs = scheme === 'cbcs';
    const v: TrackEncryption = { scheme, kid: KV, ivSize: cbcs ? 0 : 8, constantIv: cbcs ? CIV : undefined, cryptByteBlock: cbcs ? 1 : 0, skipByteBlock: cbcs ? 9 : 0 };
    const a: TrackEncryption = { ...v, kid: KA, cryptByteBlock: 0, skipByteBlock: 0, ivSize: cbcs ? 0 : 16 };
    const pssh = Buffer.from('0000002070737368000000001077efecc0b24d02ace33c1e52e2fb4b00000000', 'hex');
    const out = protectInit(init, protections(v, a), [pssh]);
    t.equal(out.length, init.length + writeSinf('avc1', v).length + writeSinf('mp4a', a).length + pssh.length, 'grew by two sinf and the pssh');
    const moov = mp4boxMoov(out);
    const traks = (moov.boxes ?? []).filter((b) => b.type === 'trak');
    const [ve, ae] = traks.map(sampleEntry);
    t.equal(ve!.type, 'encv');
    t.equal(ae!.type, 'enca');
    for (const [entry, kid, fmt, ivSize] of [[ve!, KV, 'avc1', cbcs ? 0 : 8], [ae!, KA, 'mp4a', cbcs ? 0 : 16]] as const) {
      const sinf = child(entry, 'sinf');
      t.equal(child(sinf, 'frma')?.data_format, fmt);
      t.equal(child(sinf, 'schm')?.scheme_type, scheme);
      t.equal(child(sinf, 'schm')?.scheme_version, 0x10000);
      const tenc = child(child(sinf, 'schi'), 'tenc')!;
      t.equal(tenc.version, cbcs ? 1 : 0, 'tenc version');
      t.equal(tenc.default_Per_Sample_IV_Size, ivSize);
      t.equal(String(tenc.default_KID).replace(/-/g, '').toLowerCase(), kid.toString('hex'));
      if (cbcs) t.same(Buffer.from(tenc.default_constant_IV as Uint8Array), CIV);
    }
    t.ok(child(moov, 'mvex'), 'mvex kept');
    t.ok((moov.boxes ?? []).some((b) => b.type === 'pssh'), 'pssh appended to moov');
    // Our own reader agrees, and refuses to protect twice.
    t.throws(() => parseInit(out), { code: 'ERR_ALREADY_ENCRYPTED', message: /encv/ });
  });
}

t.test('sinf round trip (tenc v0 and v1 with pattern and constant IV)', async (t) => {
  for (const te of [
    { scheme: 'cenc', kid: KV, ivSize: 16, cryptByteBlock: 0, skipByteBlock: 0 },
    { scheme: 'cbcs', kid: KA, ivSize: 0, constantIv: CIV, cryptByteBlock: 1, skipByteBlock: 9 },
    { scheme: 'cens', kid: KA, ivSize: 8, cryptByteBlock: 1, skipByteBlock: 9 },
  ] as TrackEncryption[]) {
    const b = writeSinf('hvc1', te);
    const back = parseSinf(b, topLevelBoxes(b)[0]!);
    t.same(back, { ...te, originalFormat: 'hvc1' }, te.scheme);
  }
});

t.test('unknown codec and non-fragmented input are typed errors', async (t) => {
  const init = Buffer.from(initOf(media('avc.mp4')));
  const at = init.indexOf('avc1', init.indexOf('stsd'));
  init.write('xvid', at, 'latin1');
  t.throws(() => parseInit(init), { code: 'ERR_UNSUPPORTED_CODEC', message: /"xvid".*stsd\/xvid at byte/ });
  const prog = media('progressive.mp4');
  t.throws(() => parseInit(prog), { code: 'ERR_NOT_FRAGMENTED', message: /ffmpeg -i in.mp4 -c copy -movflags \+frag_keyframe\+empty_moov\+default_base_moof/ });
});
