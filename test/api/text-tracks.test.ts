/**
 * Text tracks are left clear and copied untouched, and the summaries say so.
 * - `encrypt` of a video + tx3g fMP4 (ffmpeg-made): the subtitle packets ffmpeg reads from the
 *   output are the input's (even with a wrong key, which garbles the video), the tx3g entry has
 *   no sinf (mp4box.js), the video decrypts to the clear frames; result.clearTracks and the CLI
 *   summary name the track.
 * - `package` of Shaka Packager packages with a WebVTT track: DASH + HLS over fMP4 `wvtt`
 *   segments, and HLS with `.vtt` segments. Text files come out byte-identical; the MPD (parsed
 *   with fast-xml-parser, validated with xmllint) has no ContentProtection on the text
 *   AdaptationSet and has it on video and audio; the subtitle playlists (hls-parser) have no
 *   EXT-X-KEY while the audio/video ones do. Playback in shaka-player: test/players/text-track-playback.test.ts.
 */
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import HLS from 'hls-parser';
import { encryptFile, encryptPackage, StaticKeys } from '../../src/index.js';
import { frameDigests, framemd5, framemd5Lenient } from '../oracles/ffmpeg.js';
import { TEST_KEYS } from '../oracles/matrix.js';
import { protectionReport } from '../oracles/mp4box-js.js';
import { REPO_ROOT, runTool, SAMPLES } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { validateXml } from '../oracles/xmllint.js';
import { shakaTextPackage, WEBVTT } from './text-packages.js';

const dir = scratchDir(t, 'segcrypt-text-');
const media = path.join(SAMPLES, 'media');
const { kid, key } = TEST_KEYS.video;
const keyArg = `${kid.toString('hex')}:${key.toString('hex')}`;
const vtt = path.join(dir, 'subs.vtt');
await writeFile(vtt, WEBVTT);

/**
 * Subtitle packets as ffmpeg demuxes them (copied, not decoded), read through a pipe: timestamps,
 * size and md5 of the payload. Side data is cut off: ffmpeg hangs the moov's pssh on each
 * stream's first packet of a protected file.
 */
async function subtitlePackets(file: string, decryptionKey?: Buffer): Promise<string[]> {
  const r = await runTool('ffmpeg', ['-hide_banner', '-nostdin', '-v', 'error', ...(decryptionKey ? ['-decryption_key', decryptionKey.toString('hex')] : []),
    '-i', 'pipe:0', '-map', '0:s:0', '-c', 'copy', '-f', 'framemd5', '-'], { stdinFile: file });
  const lines = r.stdout.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split(',').slice(0, 6).map((f) => f.trim()).join(','));
  if (lines.length === 0) throw new Error(`ffmpeg: no subtitle packet in ${file}`);
  return lines;
}

t.test('encrypt: a tx3g track is left clear, untouched, and reported', async (t) => {
  const input = path.join(dir, 'avc-tx3g.mp4');
  await runTool('ffmpeg', ['-v', 'error', '-i', path.join(media, 'avc.mp4'), '-i', vtt, '-map', '0:v', '-map', '1:s', '-c:v', 'copy', '-c:s', 'mov_text',
    '-movflags', '+frag_keyframe+empty_moov+default_base_moof', input]);
  const out = path.join(dir, 'avc-tx3g-enc.mp4');
  const r = await encryptFile(input, out, { scheme: 'cbcs', keys: new StaticKeys([{ kid, key }]) });
  t.same(r.tracks.map((x) => x.codec), ['avc1'], 'only the video is encrypted');
  t.same(r.clearTracks, [{ trackId: 2, handler: 'sbtl', codec: 'tx3g', reason: 'text' }], 'result.clearTracks names the text track');
  const report = await protectionReport(out);
  t.same(report.clearEntries, [{ trackId: 2, entryType: 'tx3g' }], 'mp4box.js: the tx3g entry is as it was (no sinf)');
  const clearText = await subtitlePackets(input);
  t.same(await subtitlePackets(out), clearText, `the ${clearText.length} subtitle packets are the input's`);
  const clearVideo = frameDigests(await framemd5(input, { stream: 'video' }));
  t.same(frameDigests(await framemd5(out, { stream: 'video', decryptionKey: key })), clearVideo, 'the video decrypts to the clear frames (ffmpeg, pipe)');
  const wrong = await framemd5Lenient(out, { stream: 'video', decryptionKey: TEST_KEYS.wrong, seconds: 1 });
  t.notSame(frameDigests(wrong.frames), clearVideo.slice(0, wrong.frames.length || 1), 'wrong key: the video differs ...');
  t.same(await subtitlePackets(out, TEST_KEYS.wrong), clearText, '... while the subtitles, never encrypted, are the same');

  const cli = spawnSync(process.execPath, [path.join(REPO_ROOT, 'bin/segcrypt.js'), 'encrypt', input, '-o', path.join(dir, 'cli.mp4'), '--scheme', 'cenc', '--key', keyArg], { encoding: 'utf8' });
  t.equal(cli.status, 0, cli.stderr);
  t.match(cli.stdout, /left clear: track 2 tx3g \(text\)/, 'the CLI summary says the text track was left clear');
});

const mpdParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@_', isArray: (name) => ['Period', 'AdaptationSet', 'ContentProtection', 'Representation'].includes(name) });
interface XmlSet { '@_contentType'?: string; ContentProtection?: unknown[] }

t.test('package: DASH + HLS with fMP4 wvtt text (Shaka Packager)', async (t) => {
  const input = path.join(dir, 'dash-hls-in');
  await shakaTextPackage(input, vtt, 'fmp4');
  const out = path.join(dir, 'dash-hls-out');
  const r = await encryptPackage(input, out, { scheme: 'cenc', keys: new StaticKeys([{ kid, key }]), keyUri: 'https://keys.example/{kid}' });
  t.equal(r.format, 'dash+hls');
  const textFiles = r.written.filter((f) => f.startsWith('text/'));
  t.ok(textFiles.length >= 3, `text files: ${textFiles.join(', ')}`);
  for (const f of textFiles) t.ok((await readFile(path.join(out, f))).equals(await readFile(path.join(input, f))), `${f} is byte-identical`);
  t.same(r.encrypted.filter((f) => f.startsWith('text/')), [], 'no text file is in the encrypted list');
  t.same(r.leftClear.map((c) => c.reason).sort(), ['text', 'text'], `leftClear names the text AdaptationSet and the text playlist: ${r.leftClear.map((c) => c.rendition).join(', ')}`);

  const mpdFile = path.join(out, 'manifest.mpd');
  const mpd = mpdParser.parse(await readFile(mpdFile, 'utf8')) as { MPD: { Period: Array<{ AdaptationSet: XmlSet[] }> } };
  const sets = mpd.MPD.Period[0]!.AdaptationSet;
  const protection = Object.fromEntries(sets.map((s) => [s['@_contentType'], s.ContentProtection?.length ?? 0]));
  t.equal(protection.text, 0, 'fast-xml-parser: the text AdaptationSet has no ContentProtection');
  t.ok(protection.video! > 0 && protection.audio! > 0, `video and audio AdaptationSets have ContentProtection (${protection.video}, ${protection.audio})`);
  const schema = await validateXml(mpdFile, path.join(REPO_ROOT, 'test', 'signaling', 'schema', 'mpd-protection.xsd'));
  t.ok(schema.valid, `xmllint: the MPD validates (${schema.validator})`, { report: schema.report });

  await checkHls(t, input, out, 'text.m3u8');
});

t.test('package: HLS with a WebVTT (.vtt segments) subtitle rendition (Shaka Packager)', async (t) => {
  const input = path.join(dir, 'hls-vtt-in');
  await shakaTextPackage(input, vtt, 'webvtt');
  const out = path.join(dir, 'hls-vtt-out');
  const r = await encryptPackage(input, out, { scheme: 'cbcs', keys: new StaticKeys([{ kid, key }]), keyUri: 'skd://{kid}' });
  t.same(r.leftClear, [{ rendition: 'text.m3u8', reason: 'text' }], 'leftClear names the subtitle playlist');
  for (const f of r.written.filter((x) => x.endsWith('.vtt'))) t.ok((await readFile(path.join(out, f))).equals(await readFile(path.join(input, f))), `${f} is byte-identical`);
  await checkHls(t, input, out, 'text.m3u8');
});

async function checkHls(t: Test, input: string, out: string, textPlaylist: string): Promise<void> {
  const master = HLS.parse(await readFile(path.join(out, 'master.m3u8'), 'utf8')) as HLS.types.MasterPlaylist;
  const subs = master.variants.flatMap((v) => v.subtitles);
  t.same(subs.map((s) => s.uri), [textPlaylist], 'hls-parser: the master keeps its SUBTITLES rendition');
  t.ok((await readFile(path.join(out, textPlaylist))).equals(await readFile(path.join(input, textPlaylist))), `${textPlaylist} is byte-identical`);
  const text = HLS.parse(await readFile(path.join(out, textPlaylist), 'utf8')) as HLS.types.MediaPlaylist;
  t.ok(text.segments.length >= 3 && text.segments.every((s) => !s.key), `${textPlaylist}: ${text.segments.length} segments, no EXT-X-KEY`);
  for (const p of ['video.m3u8', 'audio.m3u8']) {
    const pl = HLS.parse(await readFile(path.join(out, p), 'utf8')) as HLS.types.MediaPlaylist;
    t.ok(pl.segments.length > 0 && pl.segments.every((s) => s.key), `${p}: every segment has an EXT-X-KEY`);
  }
}
