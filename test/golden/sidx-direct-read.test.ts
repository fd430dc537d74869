/**
 * `--sidx` / `sidx: true`: a single-file fMP4 without a sidx gets one, and ffmpeg 5.1 then
 * decrypts the file reading it directly (a seekable input), frame-identical to the clear
 * source. Without the sidx the same direct read fails (the ffmpeg bug in the README's
 * compatibility matrix). The sidx is read back by mp4box.js and checked against the fragments
 * (test/oracles/sidx-check.ts), which is itself first proven on Shaka Packager's sidx.
 */
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { encryptFile, StaticKeys } from '../../src/index.js';
import { frameDigests, framemd5, framemd5Lenient } from '../oracles/ffmpeg.js';
import { SAMPLE_MEDIA, TEST_KEYS, testIv } from '../oracles/matrix.js';
import { protectionReport } from '../oracles/mp4box-js.js';
import { REPO_ROOT, runTool, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { checkSidx } from '../oracles/sidx-check.js';

const { kid, key } = TEST_KEYS.video;
const media = (name: string) => SAMPLE_MEDIA.find((m) => m.name === name)!;

/** A copy of `bytes` with reference `i` of its first sidx `by` bytes larger. */
function growReference(bytes: Buffer, i: number, by: number): Buffer {
  const copy = Buffer.from(bytes);
  const at = copy.indexOf(Buffer.from('sidx')) - 4;
  const version = copy[at + 8]!;
  const refAt = at + 12 + 8 + (version === 0 ? 8 : 16) + 4 + 12 * i;
  copy.writeUInt32BE(copy.readUInt32BE(refAt) + by, refAt);
  return copy;
}

/** moof_offset of every entry of the (single-track) tfra, read by hand (14496-12 8.8.10). */
function tfraMoofOffsets(bytes: Buffer): number[] {
  const at = bytes.lastIndexOf(Buffer.from('tfra')) - 4;
  const version = bytes[at + 8]!;
  const lengths = bytes.readUInt32BE(at + 16);
  const count = bytes.readUInt32BE(at + 20);
  const entry = (version === 1 ? 16 : 8) + ((lengths >> 4) & 3) + ((lengths >> 2) & 3) + (lengths & 3) + 3;
  const offsets: number[] = [];
  for (let i = 0, o = at + 24; i < count; i++, o += entry) offsets.push(version === 1 ? Number(bytes.readBigUInt64BE(o + 8)) : bytes.readUInt32BE(o + 4));
  return offsets;
}

/** Sum of a stream's packet durations (ffprobe, in the stream's time base = the mdhd timescale). */
async function packetDurations(file: string, stream: 'v:0' | 'a:0'): Promise<number> {
  const r = await runTool('ffprobe', ['-v', 'error', '-select_streams', stream, '-show_entries', 'packet=duration', '-of', 'csv=p=0', file]);
  const d = r.stdout.split('\n').filter(Boolean).map(Number);
  if (d.length === 0) throw new Error(`ffprobe: no ${stream} packets in ${file}`);
  return d.reduce((a, b) => a + b, 0);
}

t.test('the sidx check holds on Shaka Packager\'s own sidx, and fails on a wrong size', async (t) => {
  const bytes = await readFile(path.join(SAMPLES, 'dash-shaka-single', 'video.mp4'));
  const ok = checkSidx(bytes);
  t.same(ok.problems, [], 'Shaka\'s single-file output: references, durations, SAP and EPT agree with its fragments');
  t.ok(ok.sidx[0] && ok.sidx[0].references.length >= 3, 'several references');
  t.not(checkSidx(growReference(bytes, 0, 16)).problems.length, 0, 'reference 0 grown by 16 bytes: the check fails');
});

t.test('CLI --sidx: avc cenc, read directly by ffmpeg', async (t) => {
  const dir = scratchDir(t, 'segcrypt-sidx-');
  const src = media('avc').file;
  const out = path.join(dir, 'sidx.mp4');
  const plain = path.join(dir, 'no-sidx.mp4');
  const keyArg = `${kid.toString('hex')}:${key.toString('hex')}`;
  const cli = (o: string, extra: string[]) => spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/segcrypt.js'), 'encrypt', src, '-o', o, '--scheme', 'cenc', '--key', keyArg, '--iv', testIv('cenc').toString('hex'), ...extra], { encoding: 'utf8' });
  const r = cli(out, ['--sidx']);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /sidx added/, 'the summary says a sidx was added');
  const r2 = cli(plain, []);
  t.equal(r2.status, 0, r2.stderr);
  t.notMatch(r2.stdout, /sidx/, 'default: no sidx added (the input layout is kept)');

  const report = await protectionReport(out);
  t.same(report.parseErrors, [], 'mp4box.js parses the output');
  t.same(report.topLevel, ['ftyp', 'moov', 'sidx', 'moof', 'mdat', 'moof', 'mdat', 'moof', 'mdat', 'mfra'], 'the sidx sits between moov and the first moof');
  t.same((await protectionReport(plain)).topLevel.includes('sidx'), false, 'without --sidx the output has none');
  const bytes = await readFile(out);
  const check = checkSidx(bytes);
  t.same(check.problems, [], 'sidx read back by mp4box.js: each reference is one moof+mdat, sizes exact, durations, SAP, EPT');
  t.equal(check.sidx[0]?.references.length, 3, 'one reference per fragment');
  t.equal(check.sidx[0]?.referenceId, 1, 'indexes track 1 (the video)');
  t.ok(check.sidx[0]?.references.every((x) => x.startsWithSap === 1 && x.sapType === 1), 'every fragment starts with a key frame: SAP type 1');
  t.equal(check.trackDuration, await packetDurations(src, 'v:0'), 'the subsegment durations add up to the clear track\'s duration (ffprobe packets)');
  const moofStarts = report.boxes.filter((b) => b.type === 'moof').map((b) => b.start);
  t.same(tfraMoofOffsets(bytes), moofStarts, 'the mfra/tfra entries still point at the moofs, past the added sidx');

  const clear = frameDigests(await framemd5(src, { stream: 'video' }));
  t.same(frameDigests(await framemd5(out, { stream: 'video', decryptionKey: key, input: 'file' })), clear,
    `ffmpeg reading the file directly decrypts it to the clear frames (${clear.length}, timestamps included)`);
  const without = await framemd5Lenient(plain, { stream: 'video', decryptionKey: key, input: 'file' });
  t.notSame(frameDigests(without.frames), clear, `the same output without the sidx, read directly: not the clear frames (exit ${without.exitCode}, ${without.frames.length} frames)`);
  const wrong = await framemd5Lenient(out, { stream: 'video', decryptionKey: TEST_KEYS.wrong, input: 'file', seconds: 1 });
  t.notSame(frameDigests(wrong.frames), clear.slice(0, wrong.frames.length || 1), `wrong key: the frames differ (exit ${wrong.exitCode})`);

  const mutated = growReference(bytes, 1, 16);
  t.not(checkSidx(mutated).problems.length, 0, 'reference 1 grown by 16 bytes: the sidx check fails');
});

t.test('encryptFile({ sidx: true }): muxed video + audio, cbcs, on the pool', async (t) => {
  const dir = scratchDir(t, 'segcrypt-sidx-muxed-');
  const m = media('muxed');
  const out = path.join(dir, 'muxed-sidx.mp4');
  const keys = new StaticKeys([{ ...TEST_KEYS.video, trackTypes: ['video'] }, { ...TEST_KEYS.audio, trackTypes: ['audio'] }]);
  const result = await encryptFile(m.file, out, { scheme: 'cbcs', keys, iv: testIv('cbcs'), sidx: true, poolSize: 1 });
  t.equal(result.sidxAdded, true, 'the result says a sidx was added');
  const check = checkSidx(await readFile(out));
  t.same(check.problems, [], 'sidx read back by mp4box.js agrees with the fragments');
  t.equal(check.trackDuration, await packetDurations(m.file, 'v:0'), 'durations add up to the clear video track\'s');
  for (const [stream, k] of [['video', key], ['audio', TEST_KEYS.audio.key]] as const) {
    const clear = frameDigests(await framemd5(m.file, { stream }));
    t.same(frameDigests(await framemd5(out, { stream, decryptionKey: k, input: 'file' })), clear, `${stream}: ffmpeg reading the file directly gets the clear frames`);
  }
  const sidxInput = path.join(SAMPLES, 'media', 'avc-sidx.mp4');
  const kept = await encryptFile(sidxInput, path.join(dir, 'kept.mp4'), { scheme: 'cenc', keys, sidx: true });
  t.equal(kept.sidxAdded, false, 'an input with its own sidx keeps it (patched), none is added');
  t.same(checkSidx(await readFile(path.join(dir, 'kept.mp4'))).problems, [], 'and that patched sidx checks out too');
});
