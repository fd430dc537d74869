/**
 * Proves the player harness itself, independent of segcrypt's engine: packages encrypted by
 * Shaka Packager (ClearKey, cenc and cbcs) and by ffmpeg (HLS AES-128) play in headless
 * Chromium with the right key and fail with a wrong one. If these fail, the player checks of
 * our own output mean nothing.
 */
import t from 'tap';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { runTool, SAMPLES, SHAKA_PACKAGER } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { startStaticServer } from './fixtures/static-server.js';
import { playersSkipped, launchChromium, playInChromium } from './fixtures/player-run.js';

const KID = '00112233445566778899aabbccddeeff';
const KEY = '0f0e0d0c0b0a09080706050403020100';
const WRONG = 'f0e0d0c0b0a090807060504030201000';

async function shakaDash(dir: string, scheme: 'cenc' | 'cbcs'): Promise<void> {
  const media = path.join(SAMPLES, 'media');
  await runTool(SHAKA_PACKAGER, [
    `in=${media}/avc.mp4,stream=video,init_segment=${dir}/v/init.mp4,segment_template=${dir}/v/$Number$.m4s`,
    `in=${media}/aac.mp4,stream=audio,init_segment=${dir}/a/init.mp4,segment_template=${dir}/a/$Number$.m4s`,
    '--enable_raw_key_encryption', '--keys', `label=:key_id=${KID}:key=${KEY}`, '--protection_scheme', scheme,
    '--clear_lead', '0', '--protection_systems', 'CommonSystem', '--segment_duration', '2',
    '--generate_static_live_mpd', '--mpd_output', `${dir}/manifest.mpd`, '--quiet'], { timeoutMs: 60_000 });
}

t.test('player harness on reference packages', { skip: playersSkipped }, async (t) => {
  const browser = await launchChromium();
  const server = await startStaticServer();
  t.teardown(async () => { await browser.close(); await server.close(); });

  for (const scheme of ['cenc', 'cbcs'] as const) {
    const dir = scratchDir(t, `segcrypt-shaka-${scheme}-`);
    await shakaDash(dir, scheme);
    const url = server.mount(`shaka-${scheme}`, dir) + 'manifest.mpd';
    const good = await playInChromium(browser, server, { player: 'shaka', url, clearKeys: { [KID]: KEY } });
    t.ok(good.played, `shaka-player plays Shaka Packager ${scheme}`, { currentTime: good.last.currentTime, frames: good.frameCounts.slice(-3), errors: good.errors });
    const bad = await playInChromium(browser, server, { player: 'shaka', url, clearKeys: { [KID]: WRONG }, stopOnError: true, timeoutMs: 15_000 });
    t.notOk(bad.played, `wrong key: Shaka Packager ${scheme} does not play`);
    t.ok(bad.errors.length > 0 || bad.last.totalVideoFrames === 0, 'wrong key: an error or no decoded frame', { errors: bad.errors.slice(0, 3) });
  }

  const hls = scratchDir(t, 'segcrypt-ffmpeg-aes-');
  writeFileSync(path.join(hls, 'enc.key'), Buffer.from(KEY, 'hex'));
  writeFileSync(path.join(hls, 'keyinfo'), `${server.origin}/keys/aes.key\n${path.join(hls, 'enc.key')}\n`);
  await runTool('ffmpeg', ['-hide_banner', '-loglevel', 'error', '-i', path.join(SAMPLES, 'ts/avc-aac.ts'), '-c', 'copy',
    '-f', 'hls', '-hls_time', '2', '-hls_playlist_type', 'vod', '-hls_key_info_file', path.join(hls, 'keyinfo'),
    '-hls_segment_filename', path.join(hls, 'seg%03d.ts'), path.join(hls, 'index.m3u8')]);
  const url = server.mount('ffmpeg-aes', hls) + 'index.m3u8';
  server.put('/keys/aes.key', Buffer.from(KEY, 'hex'));
  const good = await playInChromium(browser, server, { player: 'hlsjs', url });
  t.ok(good.played, 'hls.js plays ffmpeg HLS AES-128', { currentTime: good.last.currentTime, errors: good.errors });
  server.put('/keys/aes.key', Buffer.from(WRONG, 'hex'));
  const bad = await playInChromium(browser, server, { player: 'hlsjs', url, stopOnError: true, timeoutMs: 15_000 });
  t.notOk(bad.played, 'wrong key: ffmpeg HLS AES-128 does not play');
  t.ok(bad.errors.length > 0 || bad.last.totalVideoFrames === 0, 'wrong key: an error or no decoded frame', { errors: bad.errors.slice(0, 3) });
});
