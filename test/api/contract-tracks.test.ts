/**
 * Per-file consequences of the SPEKE v2 contract work, each checked from outside the engine:
 * - UNENCRYPTED audio (from the built-in key server over SPEKE v2): the audio sample entry stays
 *   mp4a (mp4box.js) and ffmpeg decodes the audio with no key to the clear frames; the video is
 *   protected and decrypts with its key.
 * - A key server returning one PSSH for two KIDs gets one pssh box in moov, not two (mp4box.js).
 * - A corrupt box whose type holds a newline gives a one-line CLI error with the byte escaped.
 * - --drm irdeto asks the key server for Irdeto's system id.
 */
import t from 'tap';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT, SAMPLES } from '../oracles/run-tool.js';
import { framemd5Pipe, framemd5PipeLenient } from './ffmpeg-pipe.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { protectionReport } from '../oracles/mp4box-js.js';
import { encryptFile } from '../../src/api/encrypt-file.js';
import { startKeyServer } from '../../src/key-server/index.js';
import { SpekeClient } from '../../src/keys/speke/speke-client.js';
import { buildSpekeRequest } from '../../src/keys/speke/speke-request.js';
import { buildPssh } from '../../src/keys/drm/pssh-box.js';
import { SYSTEM_IDS } from '../../src/keys/drm/system-ids.js';
import { parseDrmSystems } from '../../src/keys/provider-from-options.js';
import type { KeyProvider, KeySet } from '../../src/keys/content-key.js';

const MUXED = path.join(SAMPLES, 'media', 'muxed.mp4');

/** Strict where the decode must work (clear input, right key); lenient where it must not give the clear frames. */
const frames = async (file: string, stream: 'v' | 'a', key?: string) => {
  const r = await framemd5Pipe(file, stream, key);
  return { code: r.exitCode, digests: r.digests };
};
const framesLenient = async (file: string, stream: 'v' | 'a', key?: string) => {
  const r = await framemd5PipeLenient(file, stream, key);
  return { code: r.exitCode, digests: r.digests };
};

function recording(p: KeyProvider): KeyProvider & { last?: KeySet } {
  const r: KeyProvider & { last?: KeySet } = { async getKeys(req) { r.last = await p.getKeys(req); return r.last; } };
  return r;
}

t.test('PRESET-VIDEO-1 + UNENCRYPTED audio: audio left clear, video protected', async (t) => {
  const server = await startKeyServer();
  t.teardown(() => server.close());
  const keys = recording(new SpekeClient({ url: server.url, version: 2, drmSystems: ['widevine'], videoPreset: 'PRESET-VIDEO-1', audioPreset: 'UNENCRYPTED' }));
  const out = path.join(scratchDir(t, 'segcrypt-unenc-'), 'out.mp4');
  const r = await encryptFile(MUXED, out, { scheme: 'cenc', keys, contentId: 'unenc' });
  t.same(r.tracks.map((x) => x.type), ['video'], 'only the video track is reported encrypted');
  t.equal(keys.last!.keys.length, 1, 'the server was asked for one key');
  const report = await protectionReport(out);
  t.same(report.entries.map((e) => e.originalFormat), ['avc1'], 'video: encv over avc1');
  t.same(report.clearEntries.map((e) => e.entryType), ['mp4a'], 'audio: sample entry untouched (mp4a)');
  const clearAudio = await frames(MUXED, 'a');
  const outAudio = await frames(out, 'a');
  t.equal(outAudio.code, 0);
  t.ok(clearAudio.digests.length > 100);
  t.same(outAudio.digests, clearAudio.digests, 'ffmpeg decodes the audio without any key to the clear frames');
  const clearVideo = await frames(MUXED, 'v');
  const video = await frames(out, 'v', keys.last!.keys[0]!.key.toString('hex'));
  t.same(video.digests, clearVideo.digests, 'the video decrypts with the video key');
  const noKey = await framesLenient(out, 'v');
  t.notSame(noKey.digests, clearVideo.digests, 'the video is really encrypted');
});

t.test('one PSSH returned for two KIDs: one pssh box in moov', async (t) => {
  const vkid = Buffer.alloc(16, 0x11);
  const akid = Buffer.alloc(16, 0x22);
  const shared = buildPssh(SYSTEM_IDS.widevine, Buffer.from('shared-data'), [vkid, akid]);
  const set: KeySet = {
    keys: [{ kid: vkid, key: Buffer.alloc(16, 1), trackTypes: ['video'] }, { kid: akid, key: Buffer.alloc(16, 2), trackTypes: ['audio'] }],
    drm: [{ systemId: SYSTEM_IDS.widevine, kid: vkid, pssh: shared }, { systemId: SYSTEM_IDS.widevine, kid: akid, pssh: shared }],
  };
  const out = path.join(scratchDir(t, 'segcrypt-pssh-'), 'out.mp4');
  await encryptFile(MUXED, out, { scheme: 'cenc', keys: set });
  const report = await protectionReport(out);
  t.equal(report.pssh.length, 1, 'mp4box.js sees one pssh box');
  t.equal(report.pssh[0]!.systemId.replace(/-/g, ''), SYSTEM_IDS.widevine.replace(/-/g, ''));
});

t.test('a box type with a newline byte: one-line error, byte escaped', async (t) => {
  const src = readFileSync(path.join(SAMPLES, 'media', 'avc.mp4'));
  const at = src.indexOf('mvhd') - 4;
  const bad = Buffer.from(src);
  bad.writeUInt32BE(0x7fffffff, at);
  bad.write('a\nb\u0001', at + 4, 'latin1');
  const dir = scratchDir(t, 'segcrypt-boxtype-');
  writeFileSync(path.join(dir, 'bad.mp4'), bad);
  const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [path.join(REPO_ROOT, 'bin', 'segcrypt.js'), 'encrypt', path.join(dir, 'bad.mp4'), '-o', path.join(dir, 'out.mp4'), '--scheme', 'cenc', '--key', `${'00'.repeat(16)}:${'11'.repeat(16)}`]);
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += String(d); });
    p.on('close', (code) => resolve({ code: code ?? -1, stderr }));
  });
  t.not(r.code, 0);
  t.equal(r.stderr.trimEnd().split('\n').length, 1, 'one line', { stderr: r.stderr });
  t.match(r.stderr, 'a\\x0ab\\x01', 'the newline and the control byte are shown escaped');
});

t.test('--drm irdeto asks for Irdeto\'s system id', async (t) => {
  const drm = parseDrmSystems('widevine,irdeto');
  t.same(drm, ['widevine', 'irdeto']);
  const plan = buildSpekeRequest({ contentId: 'c', trackTypes: ['video'], scheme: 'cenc' }, { version: 2, drmSystems: drm });
  t.ok(plan.document.drmSystems.some((d) => d.systemId === '80a6be7e-1448-4c37-9e70-d5aebe04c8d2'), 'Irdeto DRMSystem in the request');
});

t.test('a file with two video tracks: each track takes the key its size falls under', async (t) => {
  const dir = scratchDir(t, 'segcrypt-twovideo-');
  const input = path.join(dir, 'two.mp4');
  const src = path.join(SAMPLES, 'media', 'avc.mp4');
  await new Promise<void>((resolve, reject) => {
    const p = spawn('nice', ['-n', '10', 'ffmpeg', '-hide_banner', '-loglevel', 'error', '-y', '-t', '2', '-i', src, '-t', '2', '-i', src, '-map', '0:v', '-map', '1:v',
      '-c:v', 'libx264', '-preset', 'ultrafast', '-threads', '1', '-g', '25', '-s:v:0', '640x360', '-s:v:1', '1280x720',
      '-movflags', '+frag_keyframe+empty_moov+default_base_moof', input], { stdio: 'ignore' });
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`ffmpeg exited ${code}`))));
  });
  const sd = { kid: Buffer.alloc(16, 0x5d), key: Buffer.alloc(16, 0x01) };
  const hd = { kid: Buffer.alloc(16, 0x7d), key: Buffer.alloc(16, 0x02) };
  const set: KeySet = {
    keys: [
      { ...sd, trackTypes: ['video'], intendedTrackType: 'SD', filters: [{ type: 'video', maxPixels: 589824 }] },
      { ...hd, trackTypes: ['video'], intendedTrackType: 'HD', filters: [{ type: 'video', minPixels: 589825 }] },
    ],
    drm: [],
  };
  const out = path.join(dir, 'out.mp4');
  const r = await encryptFile(input, out, { scheme: 'cenc', keys: set });
  t.same(r.tracks.map((x) => x.kid), [sd.kid.toString('hex'), hd.kid.toString('hex')], 'reported: 360p SD, 720p HD');
  const report = await protectionReport(out);
  t.same(report.entries.map((e) => e.defaultKid), [sd.kid.toString('hex'), hd.kid.toString('hex')], 'tenc per track (mp4box.js): SD, HD');
  const clear0 = await frames(input, 'v');
  const good0 = await frames(out, 'v', sd.key.toString('hex'));
  t.ok(clear0.digests.length > 20);
  t.same(good0.digests, clear0.digests, 'ffmpeg decrypts the 360p track with the SD key');
  const bad0 = await framesLenient(out, 'v', hd.key.toString('hex'));
  t.notSame(bad0.digests, clear0.digests, 'not with the HD key');
});
