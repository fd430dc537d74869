/**
 * Real players decode what encryptPackage writes: shaka-player plays our DASH cenc and cbcs
 * (ffmpeg-made and Shaka-Packager-made inputs, SegmentTemplate and SegmentBase), dash.js plays
 * our DASH cenc, hls.js plays our TS AES-128 HLS, shaka-player plays our HLS fMP4 (identity key).
 * Each check proves decoded frames (currentTime past 4 s, frame count growing, no error event)
 * and has a wrong-key twin that must fail. The harness itself is proven in reference-packages.
 */
import t, { type Test } from 'tap';
import path from 'node:path';
import { runTool, SAMPLES, SHAKA_PACKAGER } from '../oracles/run-tool.js';
import { scratchDir } from '../oracles/scratch-dir.js';
import { encryptPackage } from '../../src/api/encrypt-package.js';
import type { ProtectionScheme } from '../../src/keys/content-key.js';
import { startStaticServer, type StaticServer } from './fixtures/static-server.js';
import { chromiumMissing, launchChromium, playInChromium, type PlayerName } from './fixtures/player-run.js';
import type { Browser } from 'playwright-core';

const KID = '7e571d047e571d047e571d047e571d04';
const KEY = '3c1ab0ddf00d3c1ab0ddf00d5eedfeed';
const WRONG = '3c1ab0ddf00d3c1ab0ddf00d5eedfeee';
const KEY_PATH = '/keys/content.key';
const AUDIO_KID = 'a0d10a0da0d10a0da0d10a0da0d10a0d';
const AUDIO_KEY = '0badc0de0badc0de0badc0de0badc0de';

interface Case {
  name: string;
  sample: string;
  scheme: ProtectionScheme;
  player: PlayerName;
  manifest: string;
  /** The key reaches the player through an HLS key URI rather than the ClearKey config. */
  keyUri?: boolean;
  /** Video and audio get their own KID and key (the player needs both). */
  perTrack?: boolean;
  /** No keys in the player config: it reads the ClearKey license URL from our MPD and asks that server. */
  license?: boolean;
  /** Seconds left clear at the start (players must still decrypt what follows). */
  clearLead?: number;
  /** Build the clear input into `dir` instead of using a sample. */
  build?: (dir: string) => Promise<void>;
}

/** Shaka Packager HLS with single files and EXT-X-BYTERANGE sub-ranges (made at test time). */
async function shakaSingleFileHls(dir: string): Promise<void> {
  const media = path.join(SAMPLES, 'media');
  await runTool(SHAKA_PACKAGER, [
    `in=${media}/avc.mp4,stream=video,output=${dir}/video.mp4,playlist_name=video.m3u8`,
    `in=${media}/aac.mp4,stream=audio,output=${dir}/audio.mp4,playlist_name=audio.m3u8,hls_group_id=audio`,
    '--segment_duration', '2', '--hls_master_playlist_output', `${dir}/master.m3u8`, '--hls_playlist_type', 'VOD', '--quiet']);
}

const CASES: Case[] = [
  { name: 'shaka-player, DASH cenc (ffmpeg package, $Number$)', sample: 'dash', scheme: 'cenc', player: 'shaka', manifest: 'manifest.mpd' },
  { name: 'shaka-player, DASH cbcs (Shaka Packager package, SegmentTimeline)', sample: 'dash-shaka', scheme: 'cbcs', player: 'shaka', manifest: 'manifest.mpd' },
  { name: 'shaka-player, DASH cbcs (ffmpeg package, SegmentTimeline)', sample: 'dash-timeline', scheme: 'cbcs', player: 'shaka', manifest: 'manifest.mpd' },
  { name: 'shaka-player, DASH cenc (Shaka Packager SegmentBase single files)', sample: 'dash-shaka-single', scheme: 'cenc', player: 'shaka', manifest: 'manifest.mpd' },
  { name: 'shaka-player, DASH cbcs with per-track keys (video and audio KIDs differ)', sample: 'dash', scheme: 'cbcs', player: 'shaka', manifest: 'manifest.mpd', perTrack: true },
  { name: 'shaka-player, DASH cenc, keys from the ClearKey license server our MPD names (dashif:Laurl)', sample: 'dash-shaka', scheme: 'cenc', player: 'shaka', manifest: 'manifest.mpd', license: true },
  { name: 'dash.js, DASH cenc, keys from the ClearKey license server our MPD names', sample: 'dash-shaka', scheme: 'cenc', player: 'dashjs', manifest: 'manifest.mpd', license: true },
  { name: 'shaka-player, DASH cenc with a 2 s clear lead', sample: 'dash-shaka', scheme: 'cenc', player: 'shaka', manifest: 'manifest.mpd', clearLead: 2 },
  { name: 'dash.js, DASH cenc (ffmpeg package)', sample: 'dash', scheme: 'cenc', player: 'dashjs', manifest: 'manifest.mpd' },
  { name: 'dash.js, DASH cenc (Shaka Packager package)', sample: 'dash-shaka', scheme: 'cenc', player: 'dashjs', manifest: 'manifest.mpd' },
  { name: 'hls.js, HLS TS AES-128 (ffmpeg package)', sample: 'hls-ts', scheme: 'aes-128', player: 'hlsjs', manifest: 'master.m3u8', keyUri: true },
  { name: 'shaka-player, HLS fMP4 cbcs with EXT-X-BYTERANGE sub-ranges of single files (Shaka Packager package)', sample: 'hls-byterange', scheme: 'cbcs', player: 'shaka', manifest: 'master.m3u8', keyUri: true, build: shakaSingleFileHls },
  { name: 'shaka-player, HLS fMP4 cenc SAMPLE-AES-CTR identity key (Shaka Packager package)', sample: 'hls-shaka', scheme: 'cenc', player: 'shaka', manifest: 'master.m3u8', keyUri: true },
];

async function check(t: Test, browser: Browser, server: StaticServer, c: Case): Promise<void> {
  const work = scratchDir(t, 'segcrypt-player-');
  const out = path.join(work, 'pkg');
  let input = path.join(SAMPLES, c.sample);
  if (c.build) { input = path.join(work, 'in'); await c.build(input); }
  const keyUri = c.keyUri ? `${server.origin}${KEY_PATH}` : undefined;
  const licensePath = `/license/${c.sample}-${c.scheme}-${c.player}`;
  const clearKeyLicenseUrl = c.license ? `${server.origin}${licensePath}` : undefined;
  await encryptPackage(input, out, {
    scheme: c.scheme,
    keys: c.perTrack
      ? { keys: [{ kid: Buffer.from(KID, 'hex'), key: Buffer.from(KEY, 'hex'), trackTypes: ['video'] }, { kid: Buffer.from(AUDIO_KID, 'hex'), key: Buffer.from(AUDIO_KEY, 'hex'), trackTypes: ['audio'] }], drm: [] }
      : { keys: [{ kid: Buffer.from(KID, 'hex'), key: Buffer.from(KEY, 'hex') }], drm: [] },
    ...(keyUri ? { keyUri } : {}), ...(clearKeyLicenseUrl ? { clearKeyLicenseUrl } : {}), ...(c.clearLead ? { clearLead: c.clearLead } : {}),
  });
  const url = server.mount(`${c.sample}-${c.scheme}-${c.player}`, out) + c.manifest;
  const play = (key: string, negative: boolean) => {
    server.put(KEY_PATH, Buffer.from(key, 'hex'));
    server.clearKeyLicense(licensePath, { [KID]: key });
    return playInChromium(browser, server, {
      player: c.player, url, ...(c.keyUri || c.license ? {} : { clearKeys: { [KID]: key, ...(c.perTrack ? { [AUDIO_KID]: AUDIO_KEY } : {}) } }),
      ...(negative ? { stopOnError: true, timeoutMs: 15_000 } : { timeoutMs: 40_000 }),
    });
  };
  const good = await play(KEY, false);
  t.ok(good.played, 'plays with the right key: currentTime > 4.2 s, frames growing, no error', {
    currentTime: good.last.currentTime, frames: good.frameCounts.slice(-4), errors: good.errors, warnings: good.warnings,
  });
  t.ok(good.last.totalVideoFrames > 50, `decoded ${good.last.totalVideoFrames} video frames`);
  if (c.license) t.ok(server.requests.includes(licensePath), 'the player asked the license server named in the MPD');
  const bad = await play(WRONG, true);
  t.notOk(bad.played, 'wrong key: does not play');
  t.ok(bad.errors.length > 0 || bad.last.totalVideoFrames === 0 || bad.last.currentTime <= (c.clearLead ?? 0) + 0.5,
    'wrong key: an error event, or no progress past the clear lead', { errors: bad.errors.slice(0, 2), frames: bad.last.totalVideoFrames, currentTime: bad.last.currentTime });
}

t.test('players decode segcrypt packages', { skip: chromiumMissing }, async (t) => {
  const server = await startStaticServer();
  const browser = await launchChromium();
  t.teardown(async () => { await browser.close(); await server.close(); });
  for (const c of CASES) await t.test(c.name, (t) => check(t, browser, server, c));
});
