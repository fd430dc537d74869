/**
 * shaka-player still plays a DASH package whose text AdaptationSet (fMP4 wvtt, made by Shaka
 * Packager) segcrypt left clear: video and audio decrypt with the ClearKey key, the text track is
 * fetched and parsed with them, and a wrong key fails. One browser launch.
 */
import t from 'tap';
import path from 'node:path';
import { readdir, rm, writeFile } from 'node:fs/promises';
import { playersSkipped, runCases, type Case } from './fixtures/package-playback.js';
import { shakaTextPackage, WEBVTT } from '../api/text-packages.js';

async function build(dir: string): Promise<void> {
  const vtt = path.join(path.dirname(dir), 'subs.vtt');
  await writeFile(vtt, WEBVTT);
  await shakaTextPackage(dir, vtt, 'fmp4');
  // DASH only: the HLS playlists Shaka wrote beside the MPD would need a key URI.
  for (const f of await readdir(dir)) if (f.endsWith('.m3u8')) await rm(path.join(dir, f));
}

const CASES: Case[] = [
  { name: 'shaka-player, DASH cenc with a clear WebVTT (wvtt) AdaptationSet', sample: 'dash-text', scheme: 'cenc', player: 'shaka', manifest: 'manifest.mpd', build },
];

t.test('shaka-player plays a segcrypt DASH package with a text track', { skip: playersSkipped }, (t) => runCases(t, CASES));
