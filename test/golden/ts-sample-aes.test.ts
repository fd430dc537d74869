/**
 * SAMPLE-AES oracles: ffmpeg's hls demuxer decrypts our segments to the clear frames; Shaka
 * Packager's own SAMPLE-AES TS output is the reference for the PMT descriptors.
 *
 * ffmpeg 5.1 leaves the final access unit of a SAMPLE-AES playlist encrypted (the packets its
 * parsers flush at the end of the playlist are returned after the last segment is closed, so no
 * key applies; Shaka Packager's output shows the same last-frame difference). Each playlist
 * therefore ends with one extra segment after the ones compared, and exactly the clear frame
 * count is compared per stream, from the first frame.
 */
import t, { type Test } from 'tap';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { encryptTsFile } from '../../src/api/encrypt-ts.js';
import { runTool, SAMPLES, SHAKA_PACKAGER } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { hlsFrames, writeMediaPlaylist } from './ts-hls-oracle.js';

const kid = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
const key = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
const iv = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
const keys = { keys: [{ kid, key }], drm: [] };

/**
 * Per stream (0 video, 1 audio): the first frames decoded from our playlist hash exactly as the
 * clear ones. Only the hashes are compared: the hls demuxer may shift timestamps at the repeated
 * tail segment (PTS/DTS being untouched is asserted by test/ts/sample-aes-segment.test.ts).
 */
function samePrefixPerStream(t: Test, got: string[], clear: string[], atLeast = 100): void {
  const frameHash = (l: string) => l.split(',')[2];
  for (const stream of ['0,', '1,']) {
    const want = clear.filter((l) => l.startsWith(stream)).map(frameHash);
    const have = got.filter((l) => l.startsWith(stream)).slice(0, want.length).map(frameHash);
    t.ok(want.length > atLeast, `${want.length} clear ${stream === '0,' ? 'video' : 'audio'} frames`);
    t.same(have, want, `identical decoded ${stream === '0,' ? 'video' : 'audio'} frames`);
  }
}

/**
 * One explicit IV for every segment: ffmpeg 5.1 decrypts the packets buffered at a segment boundary
 * with the next segment's IV, so per-segment (sequence number) IVs would break its last frames.
 */
async function encryptAll(dir: string, inputs: string[], t: Test): Promise<{ file: string; duration: number; extXKey: string }[]> {
  const entries: { file: string; duration: number; extXKey: string }[] = [];
  for (const [i, input] of inputs.entries()) {
    const file = `enc_${i}.ts`;
    const r = await encryptTsFile(input, path.join(dir, file), { scheme: 'sample-aes', keys, iv, keyUri: 'key.bin', sequenceNumber: i });
    t.equal(r.extXKey, `#EXT-X-KEY:METHOD=SAMPLE-AES,URI="key.bin",IV=0x${iv.toString('hex').toUpperCase()}`);
    t.same(r.tracks.map((x) => x.type), ['video', 'audio']);
    entries.push({ file, duration: 2, extXKey: r.extXKey });
  }
  // The extra trailing segment (see the header comment).
  copyFileSync(path.join(dir, entries[0]!.file), path.join(dir, 'tail.ts'));
  entries.push({ file: 'tail.ts', duration: 2, extXKey: entries[0]!.extXKey });
  return entries;
}

t.test('SAMPLE-AES H.264 + AAC, three HLS segments: ffmpeg decodes the clear frames; a wrong key does not', async (t) => {
  const dir = scratchDir(t);
  const segs = ['seg_000.ts', 'seg_001.ts', 'seg_002.ts'].map((s) => path.join(SAMPLES, 'hls-ts', s));
  const playlist = writeMediaPlaylist(dir, await encryptAll(dir, segs, t));
  writeFileSync(path.join(dir, 'key.bin'), key);
  const clear = await hlsFrames(path.join(SAMPLES, 'hls-ts', 'index.m3u8'));
  t.ok(clear.length > 300 && clear.some((l) => l.startsWith('1,')), `${clear.length} clear frames, video and audio`);
  samePrefixPerStream(t, await hlsFrames(playlist), clear);

  writeFileSync(path.join(dir, 'key.bin'), Buffer.from('ffeeddccbbaa99887766554433221100', 'hex'));
  const wrong = await hlsFrames(playlist, { seconds: 1, lenient: true });
  const clearFirst = await hlsFrames(path.join(SAMPLES, 'hls-ts', 'index.m3u8'), { seconds: 1 });
  const differing = clearFirst.filter((l, i) => wrong[i] !== l).length;
  t.ok(differing > clearFirst.length / 2, `wrong key: ${differing} of ${clearFirst.length} frames differ`);
});

t.test('SAMPLE-AES H.264 + AC-3: ffmpeg decodes the clear frames', async (t) => {
  const dir = scratchDir(t);
  const input = path.join(SAMPLES, 'ts', 'avc-ac3.ts');
  const playlist = writeMediaPlaylist(dir, await encryptAll(dir, [input], t));
  writeFileSync(path.join(dir, 'key.bin'), key);
  const clearList = writeMediaPlaylist(dir, [{ file: input, duration: 6 }], 'clear.m3u8');
  const clear = await hlsFrames(clearList);
  t.ok(clear.some((l) => l.startsWith('1,')), 'audio frames decoded');
  samePrefixPerStream(t, await hlsFrames(playlist), clear);
});

t.test('SAMPLE-AES H.264 + E-AC-3 (made here by ffmpeg): ffmpeg decodes the clear frames; PMT says 0xc2 with ec3d + zec3', async (t) => {
  const dir = scratchDir(t);
  const input = path.join(dir, 'avc-eac3.ts');
  await runTool('nice', ['-n', '10', 'ffmpeg', '-v', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=30', '-f', 'lavfi', '-i', 'sine=frequency=440:sample_rate=48000',
    '-t', '2', '-c:v', 'libx264', '-c:a', 'eac3', '-fflags', '+bitexact', '-f', 'mpegts', input]);
  const playlist = writeMediaPlaylist(dir, await encryptAll(dir, [input], t));
  writeFileSync(path.join(dir, 'key.bin'), key);
  const clear = await hlsFrames(writeMediaPlaylist(dir, [{ file: input, duration: 2 }], 'clear.m3u8'));
  samePrefixPerStream(t, await hlsFrames(playlist), clear, 40);
  const pmt = pmtDescriptors(readFileSync(path.join(dir, 'enc_0.ts')));
  t.ok(pmt.get(0xc2)?.startsWith('0f04' + Buffer.from('ec3d').toString('hex') + '0511' + Buffer.from('apadzec3').toString('hex')), 'E-AC-3: ec3d indicator and apad/zec3 setup info');
});

/** ES_info descriptors by stream type from the first PMT of a TS file (test-side reader). */
function pmtDescriptors(buf: Buffer): Map<number, string> {
  let pmtPid = -1;
  for (let o = 0; o < buf.length; o += 188) {
    const pid = ((buf[o + 1]! & 0x1f) << 8) | buf[o + 2]!;
    const p = o + 4 + ((buf[o + 3]! & 0x20) ? 1 + buf[o + 4]! : 0);
    const s = p + 1 + buf[p]!;
    if (pid === 0) pmtPid = ((buf[s + 10]! & 0x1f) << 8) | buf[s + 11]!;
    else if (pid === pmtPid) {
      const end = s + 3 + (((buf[s + 1]! & 0x0f) << 8) | buf[s + 2]!) - 4;
      const out = new Map<number, string>();
      for (let q = s + 12 + (((buf[s + 10]! & 0x0f) << 8) | buf[s + 11]!); q < end;) {
        const len = ((buf[q + 3]! & 0x0f) << 8) | buf[q + 4]!;
        out.set(buf[q]!, buf.subarray(q + 5, q + 5 + len).toString('hex'));
        q += 5 + len;
      }
      return out;
    }
  }
  throw new Error('no PMT');
}

t.test('PMT stream types and descriptors match Shaka Packager byte for byte (zavc, aacd/ac3d + apad setup info)', async (t) => {
  const dir = scratchDir(t);
  for (const [sample, audioType] of [['avc-aac.ts', 0xcf], ['avc-ac3.ts', 0xc1]] as const) {
    const input = path.join(SAMPLES, 'ts', sample);
    await encryptTsFile(input, path.join(dir, `ours-${sample}`), { scheme: 'sample-aes', keys, iv });
    const ours = pmtDescriptors(readFileSync(path.join(dir, `ours-${sample}`)));
    for (const stream of ['video', 'audio']) {
      await runTool(SHAKA_PACKAGER, [`in=${input},stream=${stream},output=${path.join(dir, `shaka-${stream}-${sample}`)}`,
        '--enable_raw_key_encryption', '--protection_scheme', 'cbcs', '--clear_lead', '0',
        '--keys', `label=:key_id=${kid.toString('hex')}:key=${key.toString('hex')}`, '--iv', iv.toString('hex')]);
    }
    const shakaVideo = pmtDescriptors(readFileSync(path.join(dir, `shaka-video-${sample}`)));
    const shakaAudio = pmtDescriptors(readFileSync(path.join(dir, `shaka-audio-${sample}`)));
    t.same([...ours.keys()].sort(), [0xdb, audioType].sort(), `${sample}: encrypted stream types`);
    t.equal(ours.get(0xdb), shakaVideo.get(0xdb), `${sample}: video descriptors as Shaka writes them`);
    t.equal(ours.get(audioType), shakaAudio.get(audioType), `${sample}: audio descriptors (with audio setup information) as Shaka writes them`);
  }
});
