/**
 * Dolby Vision sample entries (dvh1/dvhe over HEVC, dva1/dvav over AVC) are protected with the
 * base layer's NAL rules: encv with frma keeping the Dolby Vision type, the dvcC box kept byte for
 * byte. Inputs are DV-signaled fixtures (test/golden/dolby-vision-fixture.ts: no encoder here
 * writes Dolby Vision). Oracles: ffmpeg (pipe) and Shaka Packager decrypt to the clear frames,
 * wrong keys differ. Limits measured here: Shaka Packager 3.4.2 cannot parse dva1/dvav at all
 * (clear or not), so AVC DV has ffmpeg alone; ffmpeg maps an encrypted entry's frma `dvh1` to its
 * DV (DVCPRO) decoder — Shaka's own dvh1 output fails the same way — so the HEVC decoder is
 * forced there. Last, a DASH package with a dva1 Representation goes through `package`.
 */
import t from 'tap';
import path from 'node:path';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { createFile, MP4BoxBuffer } from 'mp4box';
import { encryptFile, encryptPackage, StaticKeys } from '../../src/index.js';
import { frameContents, frameDigests, framemd5, framemd5Lenient } from '../oracles/ffmpeg.js';
import { SAMPLES_MEDIA_DIR, TEST_KEYS, testIv } from '../oracles/matrix.js';
import { protectionReport } from '../oracles/mp4box-js.js';
import { runTool, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { shakaDecrypt, shakaDecryptLenient, shakaEncrypt, type CencScheme } from '../oracles/shaka.js';
import { dolbyVisionFixture, type DolbyVisionEntry } from './dolby-vision-fixture.js';

const { kid, key } = TEST_KEYS.video;
const keys = new StaticKeys([{ kid, key }]);

interface RawBox { type: string; start: number; size: number; boxes?: RawBox[]; entries?: RawBox[] }

/** The first sample entry's child boxes as mp4box.js finds them: type and raw bytes. */
function entryChildren(bytes: Buffer): Array<{ type: string; bytes: Buffer }> {
  const file = createFile(true);
  file.appendBuffer(MP4BoxBuffer.fromArrayBuffer(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, 0));
  file.flush();
  const moov = (file.boxes as unknown as RawBox[]).find((b) => b.type === 'moov');
  const find = (b: RawBox | undefined, type: string) => b?.boxes?.find((c) => c.type === type);
  const stsd = find(find(find(find(find(moov, 'trak'), 'mdia'), 'minf'), 'stbl'), 'stsd');
  return (stsd?.entries?.[0]?.boxes ?? []).map((b) => ({ type: b.type, bytes: bytes.subarray(b.start, b.start + b.size) }));
}

const CASES: Array<{ entry: DolbyVisionEntry; scheme: CencScheme }> = [
  { entry: 'dvh1', scheme: 'cenc' },
  { entry: 'dvhe', scheme: 'cbcs' },
  { entry: 'dva1', scheme: 'cenc' },
  { entry: 'dvav', scheme: 'cbcs' },
];

for (const { entry, scheme } of CASES) {
  t.test(`${entry} ${scheme}`, async (t) => {
    const dir = scratchDir(t, `segcrypt-dv-${entry}-`);
    const hevc = entry.startsWith('dvh');
    const source = path.join(SAMPLES_MEDIA_DIR, hevc ? 'hevc.mp4' : 'avc.mp4');
    const fixture = dolbyVisionFixture(await readFile(source), entry);
    const input = path.join(dir, `${entry}.mp4`);
    await writeFile(input, fixture.bytes);
    const probe = JSON.parse((await runTool('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_tag_string:stream_side_data=dv_profile', '-of', 'json', input])).stdout) as { streams: Array<{ codec_tag_string: string; side_data_list?: Array<{ dv_profile?: number }> }> };
    t.same([probe.streams[0]?.codec_tag_string, probe.streams[0]?.side_data_list?.[0]?.dv_profile], [entry, hevc ? 8 : 9], `fixture: ffprobe sees ${entry} with a Dolby Vision configuration record`);

    const out = path.join(dir, 'enc.mp4');
    const result = await encryptFile(input, out, { scheme, keys, iv: testIv(scheme) });
    t.same(result.tracks.map((x) => x.codec), [entry], 'the summary names the Dolby Vision codec');

    const report = await protectionReport(out);
    t.same(report.parseErrors, [], 'mp4box.js parses the output');
    const e = report.entries[0];
    t.same([e?.entryType, e?.originalFormat, e?.schemeType], ['encv', entry, scheme], `encv, frma ${entry}, schm ${scheme}`);
    const children = entryChildren(await readFile(out));
    const dvcC = children.find((c) => c.type === 'dvcC');
    t.ok(dvcC && dvcC.bytes.equals(fixture.dvcC), 'the dvcC box is in the encv entry, byte for byte');
    t.ok(children.some((c) => c.type === (hevc ? 'hvcC' : 'avcC')), `the ${hevc ? 'hvcC' : 'avcC'} box is kept`);

    // Same NAL rules as the base layer's codec: the subsample maps equal those of the plain hvc1/avc1 file.
    const plain = path.join(dir, 'plain.mp4');
    await encryptFile(source, plain, { scheme, keys, iv: testIv(scheme) });
    const maps = (r: typeof report) => r.fragments.flatMap((f) => f.senc?.samples.map((s) => JSON.stringify(s.subsamples)) ?? []);
    const ours = maps(report);
    t.ok(ours.length > 0 && ours.every((m) => m !== '[]'), 'every sample has a subsample map');
    t.same(ours, maps(await protectionReport(plain)), `subsamples identical to ${hevc ? 'hvc1' : 'avc1'} encryption of the same frames`);

    const decoder = hevc ? 'hevc' : 'h264';
    const clear = await framemd5(source, { stream: 'video' });
    t.same(frameDigests(await framemd5(out, { stream: 'video', decryptionKey: key, videoDecoder: decoder })), frameDigests(clear), `ffmpeg (pipe, ${decoder} decoder) decrypts to the clear frames (${clear.length})`);
    const bad = await framemd5Lenient(out, { stream: 'video', decryptionKey: TEST_KEYS.wrong, videoDecoder: decoder, seconds: 1 });
    t.notSame(frameContents(bad.frames), frameContents(clear).slice(0, Math.max(1, bad.frames.length)), `ffmpeg, wrong key: frames differ (exit ${bad.exitCode})`);

    if (hevc) {
      const dec = path.join(dir, 'shaka-dec.mp4');
      await shakaDecrypt({ input: out, streams: [{ stream: 'video', output: dec }], keys: [{ kid, key }] });
      t.same(frameContents(await framemd5(dec, { stream: 'video' })), frameContents(clear), 'Shaka Packager decrypts to the clear frames');
      const decBad = path.join(dir, 'shaka-bad.mp4');
      const r = await shakaDecryptLenient({ input: out, streams: [{ stream: 'video', output: decBad }], keys: [{ kid, key: TEST_KEYS.wrong }] });
      const badFrames = r.exitCode === 0 ? frameContents((await framemd5Lenient(decBad, { stream: 'video', seconds: 1 })).frames) : [];
      t.notSame(badFrames, frameContents(clear).slice(0, Math.max(1, badFrames.length)), `Shaka, wrong key: frames differ (exit ${r.exitCode})`);
    }
  });
}

t.test('oracle limits: Shaka cannot read dva1; ffmpeg needs the HEVC decoder forced for encrypted dvh1, Shaka\'s output too', async (t) => {
  const dir = scratchDir(t, 'segcrypt-dv-limits-');
  const dva1 = path.join(dir, 'dva1.mp4');
  await writeFile(dva1, dolbyVisionFixture(await readFile(path.join(SAMPLES_MEDIA_DIR, 'avc.mp4')), 'dva1').bytes);
  const r = await shakaDecryptLenient({ input: dva1, streams: [{ stream: 'video', output: path.join(dir, 'x.mp4') }], keys: [{ kid, key }] });
  t.not(r.exitCode, 0, 'Shaka Packager 3.4.2 fails to parse a clear dva1 file');
  const dvh1 = path.join(dir, 'dvh1.mp4');
  await writeFile(dvh1, dolbyVisionFixture(await readFile(path.join(SAMPLES_MEDIA_DIR, 'hevc.mp4')), 'dvh1').bytes);
  const shakaEnc = path.join(dir, 'shaka-dvh1.mp4');
  await shakaEncrypt({ input: dvh1, streams: [{ stream: 'video', output: shakaEnc }], scheme: 'cenc', keys: [{ kid, key }], iv: testIv('cenc') });
  t.same((await protectionReport(shakaEnc)).entries[0]?.originalFormat, 'dvh1', 'Shaka also writes frma dvh1');
  const plain = await framemd5Lenient(shakaEnc, { stream: 'video', decryptionKey: key, seconds: 1 });
  t.equal(plain.frames.length, 0, `ffmpeg without a forced decoder decodes no frame of Shaka's encrypted dvh1 (exit ${plain.exitCode})`);
  const forced = await framemd5(shakaEnc, { stream: 'video', decryptionKey: key, videoDecoder: 'hevc', seconds: 1 });
  t.same(frameContents(forced), frameContents(await framemd5(path.join(SAMPLES_MEDIA_DIR, 'hevc.mp4'), { stream: 'video', seconds: 1 })), 'with -c:v hevc it decrypts Shaka\'s output to the clear frames');
});

t.test('package: a DASH package with a dva1 video Representation', async (t) => {
  const dir = scratchDir(t, 'segcrypt-dv-package-');
  const input = path.join(dir, 'in');
  await cp(path.join(SAMPLES, 'dash-shaka'), input, { recursive: true });
  const init = path.join(input, 'video', 'init.mp4');
  const fixture = dolbyVisionFixture(await readFile(init), 'dva1');
  await writeFile(init, fixture.bytes);
  const mpd = path.join(input, 'manifest.mpd');
  await writeFile(mpd, (await readFile(mpd, 'utf8')).replace('codecs="avc1.64001f"', 'codecs="dva1.09.02"'));
  const out = path.join(dir, 'out');
  await encryptPackage(input, out, { scheme: 'cbcs', keys });
  const outInit = await readFile(path.join(out, 'video', 'init.mp4'));
  t.ok(entryChildren(outInit).find((c) => c.type === 'dvcC')?.bytes.equals(fixture.dvcC), 'the init keeps the dvcC box');
  const text = await readFile(path.join(out, 'manifest.mpd'), 'utf8');
  const videoSet = /<AdaptationSet[^>]*contentType="video"[\s\S]*?<\/AdaptationSet>/.exec(text)?.[0] ?? '';
  t.match(videoSet, /<ContentProtection schemeIdUri="urn:mpeg:dash:mp4protection:2011" value="cbcs"/, 'the DV AdaptationSet is signalled cbcs');
  t.match(videoSet, /codecs="dva1\.09\.02"/, 'its codecs string is kept');
  const joined = async (root: string, name: string) => {
    const parts = [await readFile(path.join(root, 'video', 'init.mp4'))];
    for (const n of [1, 2, 3]) parts.push(await readFile(path.join(root, 'video', `${n}.m4s`)));
    const f = path.join(dir, name);
    await writeFile(f, Buffer.concat(parts));
    return f;
  };
  const clear = frameDigests(await framemd5(await joined(input, 'clear.mp4'), { stream: 'video' }));
  const enc = await joined(out, 'enc.mp4');
  t.same(frameDigests(await framemd5(enc, { stream: 'video', decryptionKey: key })), clear, `ffmpeg (pipe) decrypts init + segments to the clear frames (${clear.length})`);
  const bad = await framemd5Lenient(enc, { stream: 'video', decryptionKey: TEST_KEYS.wrong, seconds: 1 });
  t.notSame(frameDigests(bad.frames), clear.slice(0, Math.max(1, bad.frames.length)), `wrong key: frames differ (exit ${bad.exitCode})`);
});
