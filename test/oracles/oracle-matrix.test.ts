/**
 * Validates the oracles themselves before they judge segcrypt: Shaka Packager encrypts each
 * sample with each scheme; ffmpeg (-decryption_key) and Shaka (raw-key decryption) decrypt it;
 * decoded frames must equal the clear source exactly where matrix.ts says the oracle works,
 * and must differ where it says it does not. A wrong key always gives different frames (or a
 * failed decode), so each oracle can tell right from wrong.
 */
import t from 'tap';
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { frameDigests, framemd5, framemd5Lenient } from './ffmpeg.js';
import { shakaDecrypt, shakaDecryptLenient, shakaEncrypt } from './shaka.js';
import { protectionReport } from './mp4box-js.js';
import { ffmpegDecrypts, SAMPLE_MEDIA, SCHEMES, TEST_KEYS, testIv } from './matrix.js';
import { scratchDir } from './scratch-dir.js';

const SECONDS = 1; // decode the first second only: an I-frame, P-frames and the B-pyramid (every sample type), ~47 AAC / 31 AC-3 frames
const { kid, key } = TEST_KEYS.video;

for (const media of SAMPLE_MEDIA.filter((m) => m.tracks.length === 1)) {
  const { type, codec } = media.tracks[0]!;
  t.test(`${media.name}`, async (t) => {
    const dir = scratchDir(t);
    const clear = frameDigests(await framemd5(media.file, { stream: type, seconds: SECONDS }));
    t.ok(clear.length > 10, `clear ${media.name} decodes (${clear.length} frames)`);
    for (const scheme of SCHEMES) {
      await t.test(scheme, async (t) => {
        const enc = path.join(dir, `${scheme}.mp4`);
        await shakaEncrypt({ input: media.file, streams: [{ stream: type, output: enc }], scheme, keys: [{ kid, key }], iv: testIv(scheme) });
        const report = await protectionReport(enc);
        t.equal(report.entries[0]?.schemeType, scheme, 'Shaka wrote the scheme asked for');

        if (ffmpegDecrypts(scheme, codec)) {
          t.same(frameDigests(await framemd5(enc, { stream: type, seconds: SECONDS, decryptionKey: key })), clear, 'ffmpeg decrypts to the clear frames');
        } else {
          const wrong = await framemd5Lenient(enc, { stream: type, seconds: SECONDS, decryptionKey: key });
          t.notSame(frameDigests(wrong.frames), clear, `ffmpeg is known to get this one wrong (matrix.ts): still wrong (exit ${wrong.exitCode})`);
        }

        const bad = await framemd5Lenient(enc, { stream: type, seconds: SECONDS, decryptionKey: TEST_KEYS.wrong });
        t.notSame(frameDigests(bad.frames), clear, `ffmpeg with a wrong key: different frames (exit ${bad.exitCode})`);

        const dec = path.join(dir, `${scheme}-shaka-dec.mp4`);
        await shakaDecrypt({ input: enc, streams: [{ stream: type, output: dec }], keys: [{ kid, key }] });
        t.same(frameDigests(await framemd5(dec, { stream: type, seconds: SECONDS })), clear, 'Shaka decrypts to the clear frames');

        const decBad = path.join(dir, `${scheme}-shaka-bad.mp4`);
        const r = await shakaDecryptLenient({ input: enc, streams: [{ stream: type, output: decBad }], keys: [{ kid, key: TEST_KEYS.wrong }] });
        const badFrames = r.exitCode === 0 ? frameDigests((await framemd5Lenient(decBad, { stream: type, seconds: SECONDS })).frames) : [];
        t.notSame(badFrames, clear, `Shaka with a wrong key: different frames (exit ${r.exitCode})`);
      });
    }
  });
}

t.test('ffmpeg decrypts a multi-fragment file without sidx only from a pipe', async (t) => {
  const dir = scratchDir(t);
  const media = SAMPLE_MEDIA.find((m) => m.name === 'avc')!;
  const enc = path.join(dir, 'cenc.mp4');
  await shakaEncrypt({ input: media.file, streams: [{ stream: 'video', output: enc }], scheme: 'cenc', keys: [{ kid, key }], iv: testIv('cenc') });
  // Shaka writes a sidx; turn it into a `free` box of the same size so nothing else moves.
  const bytes = await readFile(enc);
  const at = bytes.indexOf(Buffer.from('sidx'));
  t.ok(at > 0, 'Shaka output has a sidx');
  bytes.write('free', at, 'latin1');
  const noSidx = path.join(dir, 'cenc-no-sidx.mp4');
  await writeFile(noSidx, bytes);
  t.ok((await protectionReport(noSidx)).fragments.length >= 3, 'several fragments');
  const clear = frameDigests(await framemd5(media.file, { stream: 'video' }));
  const seekable = await framemd5Lenient(noSidx, { stream: 'video', decryptionKey: key, input: 'file' });
  t.notSame(frameDigests(seekable.frames), clear, `seekable read: wrong (exit ${seekable.exitCode}) — ffmpeg 5.1 bug, why the oracle pipes`);
  t.same(frameDigests(await framemd5(noSidx, { stream: 'video', decryptionKey: key })), clear, 'piped read: the clear frames');
});
